package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// parquetOutput reads a conversion's manifest and the tables of its files.
type parquetOutput struct {
	manifest parquet.Manifest
	tables   []arrow.Table
}

func readParquetOutput(t *testing.T, dir string) *parquetOutput {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, parquet.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	out := new(parquetOutput)
	if err := json.Unmarshal(raw, &out.manifest); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, parquet.SuccessName)); err != nil {
		t.Errorf("no %s: %v", parquet.SuccessName, err)
	}
	for _, f := range out.manifest.Files {
		pf, err := file.OpenParquetFile(filepath.Join(dir, f.Path), false)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		pf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if tbl.NumRows() != f.Rows {
			t.Errorf("%s: %d rows, the manifest says %d", f.Path, tbl.NumRows(), f.Rows)
		}
		t.Cleanup(tbl.Release)
		out.tables = append(out.tables, tbl)
	}
	// Nothing but the output's own files.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if n != parquet.ManifestName && n != parquet.SuccessName && n != parquet.SchemaName && n != "_shards" &&
			!slices.ContainsFunc(out.manifest.Files, func(f parquet.OutputFile) bool { return f.Path == n }) {
			t.Errorf("unexpected %s in the output", n)
		}
	}
	return out
}

// strings returns the values of a string column over all files.
func (o *parquetOutput) strings(t *testing.T, column string) []string {
	t.Helper()
	var vals []string
	for _, tbl := range o.tables {
		idx := tbl.Schema().FieldIndices(column)
		if len(idx) != 1 {
			t.Fatalf("no column %q in %s", column, tbl.Schema())
		}
		for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
			s := chunk.(*array.String)
			for i := range s.Len() {
				vals = append(vals, s.Value(i))
			}
		}
	}
	return vals
}

func (o *parquetOutput) rows() int64 {
	var n int64
	for _, tbl := range o.tables {
		n += tbl.NumRows()
	}
	return n
}

func TestConvertParquet_testdata(t *testing.T) {
	for _, tc := range []struct {
		dir   string
		items int64
		first []string
	}{
		{"../../testdata/export", 12, nil},
		{"../../testdata/incremental", 10, []string{"op", "write_time", "pk", "sk", "new_image", "old_image"}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, "convert", "--to", "parquet", "--key", "pk,sk", "-q", "--out", out, tc.dir)
			if code != 0 || !strings.Contains(stdout, "to Parquet") {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			o := readParquetOutput(t, out)
			if o.manifest.Rows != tc.items || o.rows() != tc.items || o.manifest.Source.ItemCount != tc.items {
				t.Errorf("rows %d (manifest %d), want %d", o.rows(), o.manifest.Rows, tc.items)
			}
			if tc.first != nil {
				var names []string
				for _, f := range o.tables[0].Schema().Fields() {
					names = append(names, f.Name)
				}
				if !slices.Equal(names, tc.first) {
					t.Errorf("columns %v, want %v", names, tc.first)
				}
				ops := o.strings(t, "op")
				for _, op := range ops {
					if op != "INSERT" && op != "MODIFY" && op != "REMOVE" {
						t.Errorf("op %q", op)
					}
				}
			}
		})
	}
}

// TestConvertParquet_sameFromBothFormats: an export and its ION twin give
// the same schema and the same rows.
func TestConvertParquet_sameFromBothFormats(t *testing.T) {
	for _, kind := range []gen.Kind{gen.Full, gen.Incremental} {
		t.Run(kind.String(), func(t *testing.T) {
			opt := gen.Options{Items: 60, Files: 3, Seed: 91, Kind: kind, Shape: gen.ShapeTable}
			e := genExport(t, opt)
			opt.Format = codec.FormatION
			dir := t.TempDir()
			if _, _, err := gen.Write(context.Background(), localfs.New(dir), opt, func(w io.Writer) codec.Encoder { return ion.NewEncoder(w) }); err != nil {
				t.Fatal(err)
			}
			var schemas [2]string
			for i, src := range []string{e.dir, dir} {
				code, stdout, stderr := runCLI(t, "schema", "--json", "-q", src)
				if code != 0 {
					t.Fatalf("schema %s: exit %d\n%s", src, code, stderr)
				}
				schemas[i] = stdout
			}
			if schemas[0] != schemas[1] {
				t.Errorf("the schemas differ:\n%s\n%s", schemas[0], schemas[1])
			}
			for _, src := range []string{e.dir, dir} {
				out := t.TempDir()
				if code, stdout, stderr := runCLI(t, "convert", "--to", "parquet", "-q", "--out", out, src); code != 0 {
					t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
				}
				if o := readParquetOutput(t, out); o.rows() != int64(opt.Items) {
					t.Errorf("%d rows, want %d", o.rows(), opt.Items)
				}
			}
		})
	}
}

// TestConvertParquet_refusesABadSource: findings in the source leave no
// output, and exit 1.
func TestConvertParquet_refusesABadSource(t *testing.T) {
	e := genExport(t, gen.Options{Items: 60, Files: 3, Seed: 74})
	i, _ := e.nonEmpty()
	e.editLine(i, 0, func(l string) string { return strings.Replace(l, `{"S":`, `{"X":`, 1) })
	for _, args := range [][]string{nil, {"--schema", "SCHEMA"}} {
		out := t.TempDir()
		if len(args) > 0 {
			// A schema from the intact twin of the export.
			good := genExport(t, gen.Options{Items: 60, Files: 3, Seed: 74})
			_, s, _ := runCLI(t, "schema", "--json", "-q", good.dir)
			args[1] = filepath.Join(t.TempDir(), "schema.json")
			os.WriteFile(args[1], []byte(s), 0o644)
		}
		code, stdout, stderr := runCLI(t, append(append([]string{"convert", "--to", "parquet", "-q", "--out", out}, args...), e.dir)...)
		if code != 1 || !strings.Contains(stdout, "decode_error") || !strings.Contains(stderr, "not converted") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
		if left := filesUnder(t, out); len(left) > 0 {
			t.Errorf("%v: left behind: %v", args, left)
		}
	}
}

func filesUnder(t *testing.T, dir string) []string {
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	return left
}

// TestConvertParquet_schemaMismatch: items that do not fit a given schema
// are findings with their position, every one of them, and nothing is
// kept.
func TestConvertParquet_schemaMismatch(t *testing.T) {
	e := genExport(t, gen.Options{Items: 80, Files: 2, Seed: 75})
	_, s, _ := runCLI(t, "schema", "--json", "-q", e.dir)
	var schema parquet.Schema
	if err := json.Unmarshal([]byte(s), &schema); err != nil {
		t.Fatal(err)
	}
	// Drop an attribute that several items have.
	best := 0
	for i, a := range schema.Attributes {
		if a.Count > schema.Attributes[best].Count {
			best = i
		}
	}
	dropped := schema.Attributes[best]
	schema.Attributes = slices.Delete(schema.Attributes, best, best+1)
	var buf bytes.Buffer
	schema.WriteJSON(&buf)
	path := filepath.Join(t.TempDir(), "schema.json")
	os.WriteFile(path, buf.Bytes(), 0o644)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "convert", "--to", "parquet", "-q", "--schema", path, "--out", out, e.dir)
	if code != 1 || !strings.Contains(stderr, "not converted") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := strings.Count(stdout, "schema_mismatch"); int64(n) != dropped.Count {
		t.Errorf("%d schema_mismatch findings, want %d (one per item with %q)\n%s", n, dropped.Count, dropped.Name, stdout)
	}
	if !strings.Contains(stdout, ".json.gz:") || !strings.Contains(stdout, "(offset ") || !strings.Contains(stdout, "unknown_attribute") {
		t.Errorf("findings without position or reason:\n%s", stdout)
	}
	if left := filesUnder(t, out); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestConvertParquet_resume: an interrupted conversion leaves only
// complete files; --resume finishes it with every item exactly once.
func TestConvertParquet_resume(t *testing.T) {
	opt := gen.Options{Items: 6000, Files: 24, Seed: 76, MaxItemBytes: 2000, Shape: gen.ShapeTable}
	e := genExport(t, opt)
	// A schema file makes the run one pass, so the interruption falls in
	// the writing.
	_, s, _ := runCLI(t, "schema", "--json", "-q", "--key", "pk", e.dir)
	schemaPath := filepath.Join(t.TempDir(), "schema.json")
	os.WriteFile(schemaPath, []byte(s), 0o644)
	out := t.TempDir()
	args := []string{"convert", "--to", "parquet", "-q", "--workers", "1", "--schema", schemaPath,
		"--target-file-size", "64KiB", "--row-group-size", "32KiB", "--out", out, e.dir}

	// Interrupt once a few files are published.
	code := runInterrupted(args, 5*time.Millisecond, func() bool {
		parts, _ := filepath.Glob(filepath.Join(out, "_parts", "*.json"))
		return len(parts) >= 3
	})
	if code != exitInterrupted {
		t.Skipf("the run ended (exit %d) before it could be interrupted", code)
	}
	if _, err := os.Stat(filepath.Join(out, parquet.SuccessName)); err == nil {
		t.Fatal("an interrupted run wrote _SUCCESS")
	}
	kept, _ := filepath.Glob(filepath.Join(out, "*.parquet"))
	if len(kept) == 0 {
		t.Fatal("the interrupted run kept no file")
	}
	// Each kept file is complete: it opens and reads.
	before := map[string][]byte{}
	for _, p := range kept {
		pf, err := file.OpenParquetFile(p, false)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		pf.Close()
		before[filepath.Base(p)], _ = os.ReadFile(p)
	}
	code, stdout, stderr := runCLI(t, append([]string{"convert", "--resume"}, args[1:]...)...)
	if code != 0 {
		t.Fatalf("--resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
	o := readParquetOutput(t, out)
	// The files of the first run whose data files were complete are kept
	// as they were; the others were removed and written again.
	same := 0
	for name, b := range before {
		if now, err := os.ReadFile(filepath.Join(out, name)); err == nil && bytes.Equal(now, b) {
			same++
		}
	}
	if same == 0 {
		t.Errorf("--resume kept none of the %d files of the interrupted run", len(before))
	}
	t.Logf("interrupted run: %d files; resumed run kept %d, wrote %d more", len(before), same, len(o.manifest.Files)-same)
	pks := o.strings(t, "pk")
	if int64(len(pks)) != int64(opt.Items) || o.manifest.Rows != int64(opt.Items) {
		t.Errorf("%d rows (manifest %d), want %d", len(pks), o.manifest.Rows, opt.Items)
	}
	slices.Sort(pks)
	for i := 1; i < len(pks); i++ {
		if pks[i] == pks[i-1] {
			t.Fatalf("pk %q written twice", pks[i])
		}
	}
	// --resume of a complete output is an error that says so.
	code, _, stderr = runCLI(t, append([]string{"convert", "--resume"}, args[1:]...)...)
	if code != exitCannotCheck || !strings.Contains(stderr, "complete") {
		t.Errorf("--resume of a complete output: exit %d, %s", code, stderr)
	}
}

func TestConvertParquet_usage(t *testing.T) {
	dir := "../../testdata/export"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", "--to", "parquet", dir}, "--out is required"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--numbers", "float", dir}, "--numbers"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--mixed", "x", dir}, "--mixed"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--target-file-size", "lots", dir}, "--target-file-size"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--compression", "lzma", dir}, "--compression"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--compression", "gzip", "--compression-level", "12", dir}, "--compression-level: gzip has levels 1 to 9, not 12"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--compression", "snappy", "--compression-level", "1", dir}, "--compression-level: snappy has no levels"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--key", "a,b,c", dir}, "--key"},
		{[]string{"convert", "--to", "ion", "--out", "x", "--schema", "s.json", dir}, "are for --to parquet"},
		{[]string{"convert", "--to", "parquet", "--out", "x", "--schema", "/nonexistent/s.json", dir}, "nonexistent"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitCannotCheck || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	// An output folder that is not empty is refused.
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "x"), nil, 0o644)
	code, _, stderr := runCLI(t, "convert", "--to", "parquet", "-q", "--out", out, dir)
	if code != exitCannotCheck || !strings.Contains(stderr, "not empty") {
		t.Errorf("non-empty --out: exit %d, %s", code, stderr)
	}
	// It is refused before the first pass: a source with findings is not
	// read (that pass would report them, exit 1).
	bad := genExport(t, gen.Options{Items: 50, Files: 2, Seed: 5, Shape: gen.ShapeTable})
	i, _ := bad.nonEmpty()
	bad.editLine(i, 1, func(line string) string { return strings.Replace(line, `"S":`, `"N":`, 1) })
	code, stdout, stderr := runCLI(t, "convert", "--to", "parquet", "-q", "--out", out, bad.dir)
	if code != exitCannotCheck || !strings.Contains(stderr, "not empty") || stdout != "" {
		t.Errorf("non-empty --out, source with findings: exit %d, stdout %q, stderr %s; want 2, nothing, \"not empty\"", code, stdout, stderr)
	}
}
