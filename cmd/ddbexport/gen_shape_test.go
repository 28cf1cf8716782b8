package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

// genShapeRun runs the command in-process and returns its exit code and
// output.
func genShapeRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestGenShapeTable generates table-shaped exports, full and incremental,
// verifies them, and checks that their items share a small set of
// attributes.
func TestGenShapeTable(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		kind codec.Kind
	}{
		{"full", []string{"--items", "500", "--files", "3", "--seed", "5", "--key", "pk:S,sk:N"}, codec.KindFull},
		{"incremental", []string{"--kind", "incremental", "--items", "300", "--files", "2", "--seed", "6", "--max-item-bytes", "8192"}, codec.KindChange},
		{"incremental/NEW_IMAGE", []string{"--kind", "incremental", "--view", "NEW_IMAGE", "--items", "200", "--seed", "7", "--key", "id:N"}, codec.KindChange},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append(append([]string{"gen", "--shape", "table"}, tt.args...), dir)
			if code, out, stderr := genShapeRun(args...); code != 0 || !strings.Contains(out, "wrote ") {
				t.Fatalf("gen: exit %d\n%s%s", code, out, stderr)
			}
			if code, out, stderr := genShapeRun("verify", dir); code != 0 || !strings.Contains(out, "OK") {
				t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
			}
			names := map[string]bool{}
			records := 0
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json.gz") {
					return err
				}
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				zr, err := codec.Open(f)
				if err != nil {
					return err
				}
				dec := ddbjson.NewDecoder(zr, codec.DecodeOptions{File: p, Kind: tt.kind})
				for dec.Next() {
					rec := dec.Record()
					for _, it := range []codec.Item{rec.Item, rec.NewImage, rec.OldImage} {
						for _, a := range it {
							names[a.Name] = true
						}
					}
					records++
				}
				return dec.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			if records == 0 || !names["status"] || !names["lines"] || len(names) > 22 {
				t.Errorf("%d records, attributes %v", records, names)
			}
		})
	}
}

func TestGenShapeFlag(t *testing.T) {
	code, _, stderr := genShapeRun("gen", "--shape", "wide", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "--shape") {
		t.Errorf("--shape wide: exit %d: %s", code, stderr)
	}
	code, out, _ := genShapeRun("gen", "-h")
	if code != 0 || !strings.Contains(out, "--shape") {
		t.Errorf("gen -h: exit %d, no --shape:\n%s", code, out)
	}
}
