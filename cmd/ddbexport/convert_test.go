package main

import (
	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
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

// catRecords decodes cat's dynamodb-json output back into records.
func catRecords(t *testing.T, path string) []*codec.Record {
	t.Helper()
	code, out, stderr := runCLI(t, "cat", path)
	if code != 0 {
		t.Fatalf("cat %s: exit %d: %s", path, code, stderr)
	}
	var recs []*codec.Record
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		if !strings.HasPrefix(line, `{"Metadata"`) {
			line = `{"Item":` + line + `}`
		}
		r, err := ddbjson.DecodeRecord([]byte(line), codec.KindAny)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func sameRecords(a, b []*codec.Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !codec.ItemEqual(x.Item, y.Item) || !codec.ItemEqual(x.Keys, y.Keys) || !codec.ItemEqual(x.NewImage, y.NewImage) ||
			!codec.ItemEqual(x.OldImage, y.OldImage) || x.WriteTimestampMicros != y.WriteTimestampMicros {
			return false
		}
	}
	return true
}

// TestConvert_acrossFormats: DYNAMODB_JSON → ION → DYNAMODB_JSON keeps
// every record (numbers compared by value), and each export verifies.
func TestConvert_acrossFormats(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 120, Files: 3, Seed: 75},
		{Items: 120, Files: 3, Seed: 76, Kind: gen.Incremental},
	} {
		t.Run(opt.Kind.String(), func(t *testing.T) {
			e := genExport(t, opt)
			ionDir, jsonDir := t.TempDir(), t.TempDir()
			if code, _, stderr := runCLI(t, "convert", "--to", "ion", "--out", ionDir, e.dir); code != 0 {
				t.Fatalf("to ion: exit %d: %s", code, stderr)
			}
			if code, _, stderr := runCLI(t, "convert", "--to", "dynamodb-json", "--out", jsonDir, ionDir); code != 0 {
				t.Fatalf("back: exit %d: %s", code, stderr)
			}
			_, rep, _ := jsonReport(t, ionDir)
			if rep.Status != "intact" || rep.Export.Format != "ION" || rep.Totals.Items != int64(opt.Items) {
				t.Errorf("ION export: %s %s %d items", rep.Status, rep.Export.Format, rep.Totals.Items)
			}
			src := catRecords(t, e.dir)
			if !sameRecords(src, catRecords(t, ionDir)) || !sameRecords(src, catRecords(t, jsonDir)) {
				t.Error("records differ across formats")
			}
		})
	}
}

func TestGen_ion(t *testing.T) {
	for _, kind := range []string{"full", "incremental"} {
		dir := t.TempDir()
		if code, _, stderr := runCLI(t, "gen", "--format", "ion", "--kind", kind, "--items", "50", dir); code != 0 {
			t.Fatalf("gen: exit %d: %s", code, stderr)
		}
		_, rep, _ := jsonReport(t, dir)
		if rep.Status != "intact" || rep.Export.Format != "ION" || rep.Totals.Items != 50 {
			t.Errorf("%s: %+v %+v", kind, rep.Export, rep.Totals)
		}
	}
}
