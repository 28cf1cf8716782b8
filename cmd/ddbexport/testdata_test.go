package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdataExports are the commands that made the exports in testdata/
// (see testdata/README.md).
var testdataExports = map[string][]string{
	"export":      {"gen", "--items", "12", "--files", "4", "--seed", "42", "--prefix", "exports", "--table", "orders", "--key", "pk:S,sk:N", "--max-item-bytes", "1024"},
	"incremental": {"gen", "--kind", "incremental", "--items", "10", "--files", "2", "--seed", "43", "--table", "orders", "--key", "pk:S,sk:N", "--max-item-bytes", "1024", "--window", "15m"},
}

// TestTestdata_isCurrent regenerates the shipped exports and compares them
// byte for byte, and verifies them.
func TestTestdata_isCurrent(t *testing.T) {
	for name, args := range testdataExports {
		t.Run(name, func(t *testing.T) {
			shipped := filepath.Join("..", "..", "testdata", name)
			fresh := t.TempDir()
			if code, _, stderr := runCLI(t, append(args, fresh)...); code != 0 {
				t.Fatalf("gen: exit %d: %s", code, stderr)
			}
			want := readTree(t, fresh)
			got := readTree(t, shipped)
			for p, b := range want {
				if !bytes.Equal(got[p], b) {
					t.Errorf("%s differs from what the generator writes now; regenerate testdata (testdata/README.md)", p)
				}
				delete(got, p)
			}
			for p := range got {
				t.Errorf("%s: not written by the generator", p)
			}
			code, out, stderr := runCLI(t, "verify", shipped)
			if code != 0 || !strings.Contains(out, "OK: intact") {
				t.Errorf("verify %s: exit %d\n%s%s", shipped, code, out, stderr)
			}
		})
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
