package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvert_gzipLevel: --gzip-level 2 writes an export that verifies,
// with DynamoDB's gzip header (XFL 0) and larger data files than the
// default level; levels outside 2 to 8, and the flag with --to parquet,
// are refused.
func TestConvert_gzipLevel(t *testing.T) {
	src := "../../testdata/export"
	sizes := map[string]int64{}
	for _, level := range []string{"6", "2"} {
		out := t.TempDir()
		if code, stdout, stderr := runCLI(t, "convert", "--to", "ion", "-q", "--gzip-level", level, "--out", out, src); code != 0 {
			t.Fatalf("--gzip-level %s: exit %d\n%s\n%s", level, code, stdout, stderr)
		}
		if code, stdout, _ := runCLI(t, "verify", "-q", out); code != 0 {
			t.Fatalf("--gzip-level %s: the export does not verify\n%s", level, stdout)
		}
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(p, ".ion.gz") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 20 && b[8] != 0 {
				t.Errorf("--gzip-level %s: %s has XFL %d, DynamoDB's header has 0", level, p, b[8])
			}
			sizes[level] += int64(len(b))
			return nil
		})
	}
	if sizes["2"] <= sizes["6"] {
		t.Errorf("level 2 wrote %d bytes, level 6 %d: want level 2 larger (faster, less compression)", sizes["2"], sizes["6"])
	}
	for _, args := range [][]string{
		{"convert", "--to", "ion", "--gzip-level", "9", "--out", t.TempDir(), src},
		{"convert", "--to", "ion", "--gzip-level", "1", "--out", t.TempDir(), src},
		{"convert", "--to", "parquet", "--gzip-level", "2", "--out", t.TempDir(), src},
		{"merge", "--gzip-level", "9", "--out", t.TempDir(), src},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitCannotCheck || !strings.Contains(stderr, "--gzip-level") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
