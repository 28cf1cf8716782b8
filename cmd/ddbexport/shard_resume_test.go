package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/gen"
)

// TestShards_parquetResume: a shard interrupted mid-way and run again with
// --resume, then the other shard and finalize, hold every item exactly
// once.
func TestShards_parquetResume(t *testing.T) {
	opt := gen.Options{Items: 6000, Files: 24, Seed: 77, MaxItemBytes: 2000, Shape: gen.ShapeTable}
	e := genExport(t, opt)
	_, s, _ := runCLI(t, "schema", "--json", "-q", e.dir)
	schema := filepath.Join(t.TempDir(), "schema.json")
	os.WriteFile(schema, []byte(s), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	shard := func(i string, extra ...string) []string {
		return append(append([]string{"convert", "--to", "parquet", "-q", "--workers", "1", "--schema", schema, "--shard", i,
			"--target-file-size", "64KiB", "--row-group-size", "32KiB", "--out", out}, extra...), e.dir)
	}

	code := runInterrupted(shard("1/2"), 5*time.Millisecond, func() bool {
		parts, _ := filepath.Glob(filepath.Join(out, "part-s00001of00002-*.parquet"))
		return len(parts) >= 3
	})
	if code != exitInterrupted {
		t.Skipf("shard 1/2 ended (exit %d) before it could be interrupted", code)
	}
	if code, stdout, stderr := runCLI(t, shard("1/2", "--resume")...); code != 0 {
		t.Fatalf("shard 1/2 --resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, shard("0/2")...); code != 0 {
		t.Fatalf("shard 0/2: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "convert", "finalize", out); code != 0 {
		t.Fatalf("finalize: exit %d\n%s\n%s", code, stdout, stderr)
	}
	o := readParquetOutput(t, out)
	pks := o.strings(t, "pk")
	if len(pks) != opt.Items || o.manifest.Rows != int64(opt.Items) {
		t.Errorf("%d rows (manifest %d), want %d", len(pks), o.manifest.Rows, opt.Items)
	}
	slices.Sort(pks)
	for i := 1; i < len(pks); i++ {
		if pks[i] == pks[i-1] {
			t.Fatalf("pk %q written twice", pks[i])
		}
	}
}
