package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// shardedExports are exports with findings in several data files, of both
// kinds, and a file the manifest does not list.
func shardedExports(t *testing.T) []*export {
	full := genExport(t, gen.Options{Items: 400, Files: 9, Seed: 71, Prefix: "sh"})
	for i, f := range full.files() {
		switch {
		case f.ItemCount >= 3 && i%3 == 0:
			full.editLine(i, 1, func(l string) string { return strings.Replace(l, `{"S":`, `{"SS":`, 1) })
		case f.ItemCount >= 3 && i%3 == 1:
			full.editLines(i, func(l []string) []string { return l[1:] })
		}
	}
	full.write(filepath.Join(full.exportDir(), "data", "zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz"), []byte("x"))
	incr := genExport(t, gen.Options{Items: 300, Files: 5, Seed: 72, Kind: gen.Incremental})
	i, _ := incr.nonEmpty()
	incr.editLine(i, 0, func(l string) string { return strings.Replace(l, `"Keys":{"pk":{"S":"`, `"Keys":{"pk":{"S":"x`, 1) })
	// The last data file with records has another key schema than the
	// first: a finding that compares files, across shards.
	files := incr.files()
	last := len(files) - 1
	for files[last].ItemCount == 0 || last == i {
		last--
	}
	incr.editLines(last, func(l []string) []string {
		for j := range l {
			l[j] = strings.ReplaceAll(l[j], `"pk":`, `"pk2":`)
		}
		return l
	})
	return []*export{full, incr}
}

// shardReports runs verify --shard i/n --json over path for every i and
// returns the files of the reports.
func shardReports(t *testing.T, cli func(...string) (int, string, string), path string, n int, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i := range n {
		code, out, stderr := cli(append(append([]string{"verify", "--json", "--shard", fmt.Sprintf("%d/%d", i, n)}, args...), path)...)
		if code == exitCannotCheck {
			t.Fatalf("shard %d/%d: exit %d\n%s", i, n, code, stderr)
		}
		var r verify.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Shard == nil || r.Shard.Index != i || r.Shard.Count != n {
			t.Fatalf("shard %d/%d: report without its shard (%v):\n%s", i, n, err, out)
		}
		p := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// checkShardsMerge: for 1, 3 and 7 shards, the merged report is the
// single run's, byte for byte, and so is its exit status.
func checkShardsMerge(t *testing.T, cli func(...string) (int, string, string), path string, args ...string) {
	t.Helper()
	code, single, stderr := cli(append(append([]string{"verify", "--json"}, args...), path)...)
	if code != exitFindings || !strings.Contains(single, `"kind"`) {
		t.Fatalf("single run: exit %d; want 1 (findings)\n%s", code, stderr)
	}
	for _, n := range []int{1, 3, 7} {
		files := shardReports(t, cli, path, n, args...)
		// Given in another order than the shards'.
		slices.Reverse(files)
		mcode, merged, stderr := cli(append([]string{"report", "merge"}, files...)...)
		if mcode != code || merged != single {
			t.Errorf("%d shards: merge exit %d (want %d), report differs from the single run's (%s):\n%s\nwant\n%s", n, mcode, code, stderr, merged, single)
		}
	}
}

func TestShards_mergeEqualsSingleRun(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	for _, e := range shardedExports(t) {
		t.Run(string(e.sum.Type()), func(t *testing.T) {
			checkShardsMerge(t, cli, e.root)
			checkShardsMerge(t, cli, e.root, "--strict")
			if _, out, _ := cli("verify", "--json", e.root); e.sum.Incremental() && !strings.Contains(out, "another key schema than those of") {
				t.Errorf("the incremental export lacks the key_mismatch between files:\n%s", out)
			}
			if !e.sum.Incremental() {
				checkShardsMerge(t, cli, e.root, "--quick")
				checkShardsMerge(t, cli, e.root, "--listing")
			}
		})
	}
}

func TestShards_badSetsRefused(t *testing.T) {
	exports := shardedExports(t)
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	three := shardReports(t, cli, exports[0].root, 3)
	other := shardReports(t, cli, exports[1].root, 3)
	seven := shardReports(t, cli, exports[0].root, 7)
	strict := shardReports(t, cli, exports[0].root, 3, "--strict")
	single := filepath.Join(t.TempDir(), "single.json")
	_, out, _ := cli("verify", "--json", exports[0].root)
	os.WriteFile(single, []byte(out), 0o644)
	noExport := filepath.Join(t.TempDir(), "none.json")
	_, out, _ = cli("verify", "--json", "--shard", "1/3", t.TempDir())
	os.WriteFile(noExport, []byte(out), 0o644)
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"a shard missing", three[:2], "shard 2/3 missing"},
		{"a shard repeated", []string{three[0], three[1], three[1], three[2]}, "shard 1/3 is given twice"},
		{"another export", []string{three[0], other[1], three[2]}, "not one export"},
		{"other shard counts", []string{three[0], three[1], seven[2]}, "the shard counts differ"},
		{"other options", []string{three[0], strict[1], three[2]}, "other options"},
		{"not a shard's report", []string{three[0], single, three[2]}, "is not a shard's report"},
		{"a shard that found no export", []string{three[0], noExport, three[2]}, "is not a shard's report"},
		{"not a report", []string{three[0], three[1], "/nonexistent/shard-2.json"}, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := cli(append([]string{"report", "merge"}, tt.files...)...)
			if code != exitCannotCheck || out != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", code, out, stderr, tt.want)
			}
		})
	}
	// -o writes the file; the exit status is the merged report's.
	o := filepath.Join(t.TempDir(), "merged.json")
	if code, out, stderr := cli(append([]string{"report", "merge", "-o", o}, three...)...); code != exitFindings || out != "" {
		t.Errorf("merge -o: exit %d, stdout %q, %s", code, out, stderr)
	}
	if b, err := os.ReadFile(o); err != nil || !strings.Contains(string(b), `"status": "findings"`) {
		t.Errorf("merged report: %v\n%s", err, b)
	}
	for _, bad := range []string{"3/3", "-1/3", "0/0", "1", "a/b", "01/3"} {
		if code, _, stderr := cli("verify", "--shard", bad, exports[0].root); code != exitCannotCheck || !strings.Contains(stderr, "--shard") {
			t.Errorf("--shard %s: exit %d, %s", bad, code, stderr)
		}
	}
}

// checkShardedParquet converts path in n shards into out (a folder or an
// s3:// URL), checking that finalize refuses until every shard is done.
func checkShardedParquet(t *testing.T, cli func(...string) (int, string, string), path, schema, out string, n int) {
	t.Helper()
	for i := range n {
		if i == n-1 && n > 1 {
			code, _, stderr := cli("convert", "finalize", out)
			want := fmt.Sprintf("shard %d/%d (not started)", i, n)
			if code != exitCannotCheck || !strings.Contains(stderr, want) {
				t.Errorf("finalize before the last shard: exit %d, %s; want 2 and %q", code, stderr, want)
			}
		}
		code, stdout, stderr := cli("convert", "--to", "parquet", "-q", "--schema", schema, "--shard", fmt.Sprintf("%d/%d", i, n), "--out", out, path)
		if code != 0 {
			t.Fatalf("shard %d/%d: exit %d\n%s\n%s", i, n, code, stdout, stderr)
		}
	}
	if code, stdout, stderr := cli("convert", "finalize", out); code != 0 {
		t.Fatalf("finalize: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := cli("convert", "finalize", out); code != 0 || !strings.Contains(stdout, "already complete") {
		t.Errorf("finalize again: exit %d, %s", code, stdout)
	}
}

// shardedParquetExport is the export converted in shards.
var shardedParquetExport = gen.Options{Items: 700, Files: 8, Seed: 73, Shape: gen.ShapeTable}

// TestShards_parquet: a Parquet conversion in 1, 3 and 7 shards, then
// finalize, holds the rows of a single run, and only those; finalize
// refuses an unfinished set, a missing file, shards of two runs.
func TestShards_parquet(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	e := genExport(t, shardedParquetExport)
	schema := filepath.Join(t.TempDir(), "schema.json")
	code, out, stderr := cli("schema", "--json", "-q", e.root)
	if code != 0 {
		t.Fatal(stderr)
	}
	os.WriteFile(schema, []byte(out), 0o644)
	single := filepath.Join(t.TempDir(), "single")
	if code, out, stderr := cli("convert", "--to", "parquet", "-q", "--schema", schema, "--out", single, e.root); code != 0 {
		t.Fatalf("single run: %d\n%s\n%s", code, out, stderr)
	}
	want := readParquetOutput(t, single)
	wantPK := slices.Sorted(slices.Values(want.strings(t, "pk")))
	for _, n := range []int{1, 3, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			checkShardedParquet(t, cli, e.root, schema, dir, n)
			got := readParquetOutput(t, dir)
			if got.manifest.Rows != 700 || got.rows() != 700 || got.manifest.Source != want.manifest.Source {
				t.Errorf("manifest: %d rows (%d read), source %+v; want 700 and %+v", got.manifest.Rows, got.rows(), got.manifest.Source, want.manifest.Source)
			}
			if pk := slices.Sorted(slices.Values(got.strings(t, "pk"))); !slices.Equal(pk, wantPK) {
				t.Errorf("the shards' rows differ from the single run's")
			}
			for _, f := range got.manifest.Files {
				if !strings.HasPrefix(f.Path, "part-s") {
					t.Errorf("file %s: want a shard's name", f.Path)
				}
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		checkShardedParquet(t, cli, e.root, schema, dir, 3)
		os.Remove(filepath.Join(dir, parquet.SuccessName))
		os.Remove(filepath.Join(dir, parquet.ManifestName))
		parts, _ := filepath.Glob(filepath.Join(dir, "part-s00001of00003-*.parquet"))
		if len(parts) == 0 {
			t.Fatal("shard 1/3 wrote no file")
		}
		moved := parts[0] + ".moved"
		os.Rename(parts[0], moved)
		if code, _, stderr := cli("convert", "finalize", dir); code != exitCannotCheck || !strings.Contains(stderr, "of shard 1/3, is missing") {
			t.Errorf("finalize with a file missing: exit %d, %s", code, stderr)
		}
		os.Rename(moved, parts[0])
		if code, _, stderr := cli("convert", "--to", "parquet", "-q", "--schema", schema, "--shard", "0/2", "--out", dir, e.root); code != 0 {
			t.Fatalf("shard 0/2: %d %s", code, stderr)
		}
		if code, _, stderr := cli("convert", "finalize", dir); code != exitCannotCheck || !strings.Contains(stderr, "shards of 2 and of 3") {
			t.Errorf("finalize with shards of two runs: exit %d, %s", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, parquet.SuccessName)); err == nil {
			t.Errorf("a refused finalize wrote %s", parquet.SuccessName)
		}
		for _, args := range [][]string{
			{"convert", "--to", "parquet", "--shard", "0/2", "--out", dir, e.root},
			{"convert", "--to", "ion", "--shard", "0/2", "--schema", schema, "--out", dir, e.root},
			{"convert", "--to", "parquet", "--shard", "2/2", "--schema", schema, "--out", dir, e.root},
		} {
			if code, _, stderr := cli(args...); code != exitCannotCheck || !strings.Contains(stderr, "--shard") {
				t.Errorf("%q: exit %d, %s; want 2, a message on --shard", args, code, stderr)
			}
		}
	})
}

// TestShardStore_Sweep: a shard resumed after its process died sweeps the
// unfinished writes of its own files and records, never another shard's.
func TestShardStore_Sweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := localfs.New(dir)
	for _, key := range []string{
		"part-s00001of00002-00003.parquet", "_shards/00001-of-00002/_parts/part-00003.json", // shard 1's
		"part-s00000of00002-00001.parquet", "_shards/00000-of-00002/_parts/part-00001.json", // shard 0's
	} {
		w, err := st.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("unfinished")) // and the process died
	}
	var asked []string
	n, err := newShardStore(st, verify.Shard{Index: 1, Count: 2}).Sweep(ctx, "", func(key string) bool {
		asked = append(asked, key)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(asked)
	if want := []string{"_parts/part-00003.json", "part-00003.parquet"}; n != 2 || !slices.Equal(asked, want) {
		t.Errorf("swept %d, asked about %q; want 2, %q", n, asked, want)
	}
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 2 || !strings.Contains(left[0]+left[1], "00000") || strings.Contains(left[0]+left[1], "00001-of") || strings.Contains(left[0]+left[1], "s00001of") {
		t.Errorf("left %q; want shard 0's two temporary files", left)
	}
}
