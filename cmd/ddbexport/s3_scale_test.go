package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/sink/parquet"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// TestS3_scaleOut runs, on one local S3 server, every corruption case of
// TestVerify_corruptionMatrix, verify shards and their merge, and a
// sharded Parquet conversion.
func TestS3_scaleOut(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	bucketStore := s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{})
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(slices.Clone(flags), args...)...)
	}

	// The same export, corrupted the same way, gives the same report from
	// S3 as from the folder, apart from the location: the same findings
	// (kinds, files, lines), in full and in quick mode.
	t.Run("corruption matrix", func(t *testing.T) {
		for i, tt := range corruptionCases() {
			t.Run(tt.name, func(t *testing.T) {
				opt := tt.opt
				if opt.Items == 0 {
					opt = corruptionMatrixExport
				}
				e := genExport(t, opt)
				tt.mutate(e)
				prefix := fmt.Sprintf("matrix/%02d/", i)
				upload(t, e.dir, bucketStore, prefix)
				remote := "s3://" + bucket + "/" + strings.TrimSuffix(prefix, "/")
				modes := [][]string{{"--json"}}
				if tt.quick {
					modes = append(modes, []string{"--json", "--quick"})
				}
				for _, m := range modes {
					lcode, lrep, _ := cli(append(append([]string{"verify"}, m...), e.dir)...)
					rcode, rrep, rerr := cli(append(append([]string{"verify"}, m...), remote)...)
					if lcode != 1 || rcode != 1 || withoutLocation(lrep) != withoutLocation(rrep) {
						t.Errorf("%v: exit local %d, S3 %d (%s); reports differ:\nlocal:\n%s\nS3:\n%s", m, lcode, rcode, rerr, lrep, rrep)
					}
				}
				if code, rep, _ := cli("verify", "--json", remote); !strings.Contains(rep, `"kind": "`+tt.kinds[0]+`"`) {
					t.Errorf("S3: exit %d, no %s finding:\n%s", code, tt.kinds[0], rep)
				}
			})
		}
	})

	t.Run("shards", func(t *testing.T) {
		for i, e := range shardedExports(t) {
			prefix := fmt.Sprintf("sharded/%d", i)
			upload(t, e.dir, bucketStore, prefix+"/")
			remote := "s3://" + bucket + "/" + prefix
			checkShardsMerge(t, cli, remote)
		}
		// Reports kept in S3, merged from there into S3.
		remote := "s3://" + bucket + "/sharded/0"
		var urls []string
		for i, f := range shardReports(t, cli, remote, 3) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("reports/shard-%d.json", i)
			storetest.Put(t, bucketStore, key, b)
			urls = append(urls, "s3://"+bucket+"/"+key)
		}
		_, single, _ := cli("verify", "--json", remote)
		code, out, stderr := cli(append([]string{"report", "merge", "-o", "s3://" + bucket + "/reports/merged.json"}, urls...)...)
		if code != exitFindings || out != "" {
			t.Errorf("merge from and to S3: exit %d, %q, %s", code, out, stderr)
		}
		if got := string(storetest.Get(t, bucketStore, "reports/merged.json")); got != single {
			t.Errorf("merged report in S3 differs from the single run's:\n%s\nwant\n%s", got, single)
		}
		code, _, stderr = cli("report", "merge", urls[0], urls[2])
		if code != exitCannotCheck || !strings.Contains(stderr, "shard 1/3 missing") {
			t.Errorf("merge of an incomplete set from S3: exit %d, %s", code, stderr)
		}
	})

	t.Run("sharded parquet", func(t *testing.T) {
		e := genExport(t, shardedParquetExport)
		upload(t, e.dir, bucketStore, "pq/")
		src := "s3://" + bucket + "/pq"
		schema := filepath.Join(t.TempDir(), "schema.json")
		code, out, stderr := cli("schema", "--json", "-q", src)
		if code != 0 {
			t.Fatal(stderr)
		}
		os.WriteFile(schema, []byte(out), 0o644)
		checkShardedParquet(t, cli, src, schema, "s3://"+bucket+"/lake", 3)
		keys := storetest.Keys(t, bucketStore, "lake/")
		for _, k := range []string{"lake/" + parquet.SuccessName, "lake/" + parquet.ManifestName, "lake/" + parquet.SchemaName} {
			if !slices.Contains(keys, k) {
				t.Errorf("no %s in %q", k, keys)
			}
		}
		m := string(storetest.Get(t, bucketStore, "lake/"+parquet.ManifestName))
		if !strings.Contains(m, fmt.Sprintf(`"rows": %d,`, shardedParquetExport.Items)) {
			t.Errorf("manifest:\n%s", m)
		}
		for _, k := range keys {
			if strings.HasSuffix(k, ".parquet") && !strings.Contains(m, `"path": "`+strings.TrimPrefix(k, "lake/")+`"`) {
				t.Errorf("%s is not in the manifest", k)
			}
		}
	})
}
