package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// s3Env starts a local S3 server, makes a bucket and points the AWS
// configuration chain at the server's credentials only (no shared files,
// no instance metadata). It returns the server, the bucket and the flags
// every command needs.
func s3Env(t *testing.T) (*s3test.Server, string, []string) {
	srv := s3test.StartIAM(t)
	bucket := srv.NewBucket(t)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY":       srv.SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  s3test.Region,
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
	} {
		t.Setenv(k, v)
	}
	return srv, bucket, []string{"--endpoint-url", srv.URL}
}

// upload copies every file under dir into st under prefix.
func upload(t *testing.T, dir string, st store.Store, prefix string) int {
	t.Helper()
	n := 0
	local := localfs.New(dir)
	for o, err := range local.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		storetest.Put(t, st, prefix+o.Key, storetest.Get(t, local, o.Key))
		n++
	}
	return n
}

// locationLine is the location of a JSON report, or of a text one.
var locationLine = regexp.MustCompile(`(?m)^(    "location": |location  ).*$`)

func withoutLocation(report string) string {
	return locationLine.ReplaceAllString(report, `${1}LOCATION`)
}

func TestS3_sameReportsAndOutput(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	bucketStore := s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{})
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(slices.Clone(flags), args...)...)
	}

	intact := genExport(t, gen.Options{Items: 300, Files: 3, Seed: 31, Prefix: "exports/2026"})
	corrupt := genExport(t, gen.Options{Items: 200, Files: 2, Seed: 32, Kind: gen.Incremental})
	i, _ := corrupt.nonEmpty()
	corrupt.editLine(i, 1, func(line string) string { return strings.Replace(line, `"S":`, `"N":`, 1) })
	if err := os.Remove(corrupt.dataPath(corrupt.files()[1-i])); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		e      *export
		prefix string // where the copy goes in the bucket
		code   int
	}{
		{"intact, same keys", intact, "", 0},
		{"intact, under another prefix", intact, "copy/of/", 0},
		{"incremental with findings", corrupt, "bad/", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			upload(t, tt.e.dir, bucketStore, tt.prefix)
			local := tt.e.root
			remote := "s3://" + bucket + "/" + tt.prefix + strings.TrimSuffix(tt.e.ref.Root, "/")
			if tt.e.ref.Root == "" {
				remote = "s3://" + bucket + "/" + strings.TrimSuffix(tt.prefix, "/")
			}
			lcode, lrep, lerr := cli("verify", "--json", local)
			rcode, rrep, rerr := cli("verify", "--json", remote)
			if lcode != tt.code || rcode != tt.code {
				t.Fatalf("verify exit codes: local %d, S3 %d; want %d\nlocal: %s\nS3: %s", lcode, rcode, tt.code, lerr, rerr)
			}
			if withoutLocation(lrep) != withoutLocation(rrep) {
				t.Errorf("reports differ beyond the location:\nlocal:\n%s\nS3:\n%s", lrep, rrep)
			}
			wantLoc := `"location": "s3://` + bucket + "/" + tt.prefix + tt.e.ref.String() + `"`
			if !strings.Contains(rrep, wantLoc) {
				t.Errorf("S3 report lacks %s:\n%s", wantLoc, rrep)
			}
			// The same export named by its folder and by its summary's key.
			for _, p := range []string{
				"s3://" + bucket + "/" + tt.prefix + tt.e.ref.String(),
				"s3://" + bucket + "/" + tt.prefix + tt.e.ref.String() + "/manifest-summary.json",
			} {
				if code, rep, stderr := cli("verify", "--json", p); code != tt.code || withoutLocation(rep) != withoutLocation(lrep) {
					t.Errorf("verify %s: exit %d, %s; report differs:\n%s", p, code, stderr, rep)
				}
			}
			lcode, lout, _ := cli("cat", local)
			rcode, rout, rerr := cli("cat", remote)
			if lcode != rcode || lout != rout {
				t.Errorf("cat: local exit %d, %d bytes; S3 exit %d, %d bytes (%s); want the same", lcode, len(lout), rcode, len(rout), rerr)
			}
			lcode, lout, _ = cli("schema", local)
			rcode, rout, _ = cli("schema", remote)
			if lcode != rcode || withoutLocation(lout) != withoutLocation(rout) {
				t.Errorf("schema: local exit %d, S3 exit %d; output differs:\n%s\n%s", lcode, rcode, lout, rout)
			}
		})
	}

	t.Run("convert to parquet in S3", func(t *testing.T) {
		remote := "s3://" + bucket + "/exports/2026"
		code, out, stderr := cli("convert", "--to", "parquet", "-q", "--out", "s3://"+bucket+"/lake/orders", remote)
		if code != 0 {
			t.Fatalf("convert: exit %d\n%s\n%s", code, out, stderr)
		}
		if !strings.Contains(out, "s3://"+bucket+"/lake/orders/_manifest.json") {
			t.Errorf("convert output does not name the S3 manifest:\n%s", out)
		}
		keys := storetest.Keys(t, bucketStore, "lake/orders/")
		var parquet int
		for _, k := range keys {
			if strings.HasSuffix(k, ".parquet") {
				parquet++
			}
		}
		if !slices.Contains(keys, "lake/orders/_SUCCESS") || !slices.Contains(keys, "lake/orders/_manifest.json") || parquet == 0 {
			t.Errorf("S3 output = %q; want parquet files, _manifest.json and _SUCCESS", keys)
		}
		// The same conversion into a folder gives the same files.
		dir := t.TempDir()
		if code, out, stderr := cli("convert", "--to", "parquet", "-q", "--out", dir, intact.root); code != 0 {
			t.Fatalf("local convert: exit %d\n%s\n%s", code, out, stderr)
		}
		var localKeys []string
		for _, k := range storetest.Keys(t, localfs.New(dir), "") {
			localKeys = append(localKeys, "lake/orders/"+k)
		}
		if !slices.Equal(keys, localKeys) {
			t.Errorf("S3 output %q; local output %q", keys, localKeys)
		}
	})

	t.Run("convert to an export in S3", func(t *testing.T) {
		code, out, stderr := cli("convert", "--to", "ion", "-q", "--out", "s3://"+bucket+"/ion", "s3://"+bucket+"/exports/2026")
		if code != 0 {
			t.Fatalf("convert: exit %d\n%s\n%s", code, out, stderr)
		}
		if code, out, stderr := cli("verify", "s3://"+bucket+"/ion"); code != 0 {
			t.Errorf("verify of the converted export: exit %d\n%s\n%s", code, out, stderr)
		}
	})

	t.Run("convert of a bad source leaves nothing", func(t *testing.T) {
		code, out, stderr := cli("convert", "--to", "dynamodb-json", "-q", "--out", "s3://"+bucket+"/rejected", "s3://"+bucket+"/bad")
		if code != 1 {
			t.Fatalf("convert of a source with findings: exit %d; want 1\n%s\n%s", code, out, stderr)
		}
		if keys := storetest.Keys(t, bucketStore, "rejected/"); len(keys) != 0 {
			t.Errorf("left in S3: %q", keys)
		}
		code, out, stderr = cli("convert", "--to", "parquet", "-q", "--out", "s3://"+bucket+"/rejected-pq", "s3://"+bucket+"/bad")
		if code != 1 {
			t.Fatalf("convert --to parquet of a source with findings: exit %d; want 1\n%s\n%s", code, out, stderr)
		}
		if keys := storetest.Keys(t, bucketStore, "rejected-pq/"); len(keys) != 0 {
			t.Errorf("left in S3: %q", keys)
		}
	})

	t.Run("gen into S3", func(t *testing.T) {
		code, out, stderr := cli("gen", "--items", "120", "--files", "2", "--kind", "incremental", "s3://"+bucket+"/x")
		if code != 0 {
			t.Fatalf("gen: exit %d\n%s\n%s", code, out, stderr)
		}
		if !strings.Contains(out, "s3://"+bucket+"/x/AWSDynamoDB/") {
			t.Errorf("gen output does not name the S3 summary:\n%s", out)
		}
		if code, out, stderr := cli("verify", "s3://"+bucket+"/x"); code != 0 {
			t.Errorf("verify: exit %d\n%s\n%s", code, out, stderr)
		}
		// gen with the same seed into a folder gives the same bytes.
		dir := t.TempDir()
		if code, _, stderr := cli("gen", "--items", "120", "--files", "2", "--kind", "incremental", dir); code != 0 {
			t.Fatal(stderr)
		}
		local := localfs.New(dir)
		remote := s3store.New(srv.Client(srv.URL), bucket, "x", s3store.Options{})
		lk, rk := storetest.Keys(t, local, ""), storetest.Keys(t, remote, "")
		if !slices.Equal(lk, rk) {
			t.Fatalf("keys: local %q, S3 %q", lk, rk)
		}
		for _, k := range lk {
			if string(storetest.Get(t, local, k)) != string(storetest.Get(t, remote, k)) {
				t.Errorf("%s differs", k)
			}
		}
	})
}

// TestS3_noSDKLog reads objects that have no checksum, as objects that
// DynamoDB writes may not (copied into the server's folder, not uploaded
// through the SDK): the SDK, which logs a line to stderr for every such
// GetObject unless told not to, must stay quiet.
func TestS3_noSDKLog(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	e := genExport(t, gen.Options{Items: 100, Files: 3, Seed: 41})
	if err := os.CopyFS(filepath.Join(srv.Dir, bucket), os.DirFS(e.dir)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, append(slices.Clone(flags), "verify", "-q", "s3://"+bucket)...)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("verify of objects without checksums wrote to stderr:\n%s", stderr)
	}
}

func TestS3_errors(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	storetest.Put(t, s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{}), "e/AWSDynamoDB/01/_started", nil)
	userKey, userSecret := srv.NewUser(t) // an account without rights on the bucket
	user := map[string]string{"AWS_ACCESS_KEY_ID": userKey, "AWS_SECRET_ACCESS_KEY": userSecret}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"wrong secret", map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, []string{"verify", "s3://" + bucket + "/e"}, "SignatureDoesNotMatch"},
		{"unknown access key", map[string]string{"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN"}, []string{"cat", "s3://" + bucket + "/e"}, "access key ID is not known"},
		{"no credentials", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, []string{"verify", "s3://" + bucket + "/e"}, "no AWS credentials found"},
		{"no credentials for gen", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, []string{"gen", "s3://" + bucket + "/g"}, "no AWS credentials found"},
		{"no such bucket", nil, []string{"verify", "s3://no-such-bucket/e"}, "no such bucket"},
		{"no such bucket for gen", nil, []string{"gen", "s3://no-such-bucket/e"}, "no such bucket"},
		{"wrong region", nil, []string{"--region", "eu-west-3", "schema", "s3://" + bucket + "/e"}, "pass --region us-east-1"},
		{"no export", nil, []string{"verify", "s3://" + bucket + "/nothing"}, "no DynamoDB export under s3://" + bucket + "/nothing"},
		{"bad URL", nil, []string{"verify", "s3:///x"}, "s3://BUCKET/PREFIX"},
		{"access denied", user, []string{"verify", "s3://" + bucket + "/e"}, "access denied (AccessDenied on list)"},
		{"access denied to write", user, []string{"gen", "--items", "3", "s3://" + bucket + "/g"}, "access denied"},
		// Only a folder that holds files is told of --resume.
		{"access denied to the output", user, []string{"convert", "--to", "parquet", "--out", "s3://" + bucket + "/pq/", "../../testdata/export"}, "may list (s3:ListBucket) here; a requester-pays bucket needs --request-payer, and --expected-bucket-owner must name the bucket's owner\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runCLI(t, append(slices.Clone(flags), tt.args...)...)
			if code != exitCannotCheck {
				t.Errorf("exit %d; want 2\n%s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q: want one line saying %q", stderr, tt.want)
			}
		})
	}
}
