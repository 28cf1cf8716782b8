package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

func TestConvert_roundTrip(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 80, Files: 3, Seed: 71, Prefix: "pre"},
		{Items: 80, Files: 3, Seed: 72, Kind: gen.Incremental},
		{Items: 80, Files: 2, Seed: 73, Kind: gen.Incremental, View: manifest.ViewNewImage},
	} {
		t.Run(opt.Kind.String(), func(t *testing.T) {
			e := genExport(t, opt)
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, "convert", "--to", "dynamodb-json", "--out", out, e.dir)
			if code != 0 || !strings.Contains(stdout, "converted") {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			_, rep, _ := jsonReport(t, out)
			if rep.Status != "intact" || rep.Totals.Items != int64(opt.Items) || rep.Totals.Files != int64(opt.Files) ||
				rep.Export.Type != string(e.sum.Type()) || rep.Export.View != e.sum.OutputView || rep.Export.S3Prefix != e.sum.S3Prefix ||
				rep.Export.ID == e.ref.ID {
				t.Errorf("converted export: %+v\n%+v", rep.Export, rep.Totals)
			}
			_, want, _ := runCLI(t, "cat", e.dir)
			_, got, _ := runCLI(t, "cat", out)
			if got != want {
				t.Error("the converted export's records differ from the source's")
			}
		})
	}
}

// TestConvert_refusesABadSource: a source with findings is not converted,
// and nothing of the new export is left behind.
func TestConvert_refusesABadSource(t *testing.T) {
	e := genExport(t, gen.Options{Items: 60, Files: 3, Seed: 74, Kind: gen.Incremental})
	i, _ := e.nonEmpty()
	e.editLine(i, 0, func(l string) string { return strings.Replace(l, `{"S":`, `{"X":`, 1) })
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "convert", "--to", "dynamodb-json", "--out", out, e.dir)
	if code != 1 || !strings.Contains(stdout, "decode_error") || !strings.Contains(stderr, "not converted") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var left []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestConvert_usage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", "--out", "x", "."}, "--to is required"},
		{[]string{"convert", "--to", "csv", "--out", "x", "."}, "unknown format"},
		{[]string{"convert", "--to", "dynamodb-json", "."}, "--out is required"},
	} {
		if code, _, stderr := runCLI(t, tt.args...); code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q", tt.args, code, stderr)
		}
	}
}
