package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/verify"
)

// itemsByKey decodes DynamoDB JSON lines (items, or {"Item":…} records)
// into items by key, numbers by value.
func itemsByKey(t *testing.T, lines string, kind codec.Kind, names ...string) map[string]codec.Item {
	t.Helper()
	dec := ddbjson.NewDecoder(strings.NewReader(lines), codec.DecodeOptions{Kind: kind})
	out := map[string]codec.Item{}
	for dec.Next() {
		it := dec.Record().Item
		var k []byte
		for _, n := range names {
			v, ok := it.Get(n)
			if !ok {
				t.Fatalf("no key %q in %v", n, it)
			}
			k = append(k, v.Type.String()...)
			if v.Type == codec.TypeN {
				k, _ = codec.AppendCanonicalNumber(k, v.Str)
			} else {
				k = append(k, v.Str...)
			}
			k = append(k, 0)
		}
		if _, dup := out[string(k)]; dup {
			t.Errorf("key %q twice", k)
		}
		out[string(k)] = it
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wrapItems turns cat's item lines into {"Item":…} records.
func wrapItems(lines string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(lines, "\n"), "\n") {
		if l != "" {
			b.WriteString(`{"Item":` + l + "}\n")
		}
	}
	return b.String()
}

func TestMerge_endToEnd(t *testing.T) {
	for _, tt := range []struct {
		name  string
		gen   []string
		merge []string
		keys  []string
		exact bool // cat of the output equals the truth byte for byte
	}{
		{"json", []string{"--items", "150", "--seed", "31", "--max-item-bytes", "4096", "--key", "pk:S,sk:S"}, nil, []string{"pk", "sk"}, true},
		{"both-formats-number-keys-to-ion", []string{"--items", "150", "--seed", "32", "--max-item-bytes", "4096", "--key", "id:N", "--format", "ION,DYNAMODB_JSON", "--prefix", "exp/orders"},
			[]string{"--to", "ion", "--workers", "2", "--memory", "4MiB"}, []string{"id"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := runCLI(t, append(append([]string{"gen", "--history", "3"}, tt.gen...), dir)...)
			if code != 0 || !strings.Contains(stdout, "3 incremental exports") {
				t.Fatalf("gen: exit %d\n%s\n%s", code, stdout, stderr)
			}
			prefix := ""
			if i := slices.Index(tt.gen, "--prefix"); i >= 0 {
				prefix = tt.gen[i+1]
			}
			truthPath := filepath.Join(dir, filepath.FromSlash(prefix), gen.TruthName)
			truth, err := os.ReadFile(truthPath)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			tmp := t.TempDir()
			code, stdout, stderr = runCLI(t, append(append([]string{"merge", "--out", out, "--temp-dir", tmp}, tt.merge...), dir)...)
			if code != 0 || !strings.Contains(stdout, "merged 3 incremental exports") {
				t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
				t.Errorf("%d files left in --temp-dir", len(ents))
			}
			code, rep, _ := jsonReport(t, out)
			wantFmt := "DYNAMODB_JSON"
			if slices.Contains(tt.merge, "ion") {
				wantFmt = "ION"
			}
			want := itemsByKey(t, string(truth), codec.KindFull, tt.keys...)
			if code != 0 || rep.Status != "intact" || rep.Export.Type != "FULL_EXPORT" || rep.Export.Format != wantFmt ||
				rep.Totals.Items != int64(len(want)) || rep.Export.S3Prefix != prefix {
				t.Errorf("the output's report: exit %d, %+v, %+v; want %d items", code, rep.Export, rep.Totals, len(want))
			}
			_, cat, _ := runCLI(t, "cat", out)
			got := itemsByKey(t, wrapItems(cat), codec.KindFull, tt.keys...)
			if len(got) != len(want) {
				t.Errorf("%d items, truth %d", len(got), len(want))
			}
			for k, w := range want {
				if !codec.ItemEqual(got[k], w) {
					t.Errorf("key %q: got %v, want %v", k, got[k], w)
				}
			}
			if tt.exact {
				gotLines := strings.Split(strings.TrimSpace(wrapItems(cat)), "\n")
				wantLines := strings.Split(strings.TrimSpace(string(truth)), "\n")
				slices.Sort(gotLines)
				slices.Sort(wantLines)
				if !slices.Equal(gotLines, wantLines) {
					t.Error("cat of the merged export differs from the table state")
				}
			}
		})
	}
}

func TestMerge_parquet(t *testing.T) {
	dir := t.TempDir()
	if code, stdout, stderr := runCLI(t, "gen", "--history", "2", "--items", "80", "--seed", "33", "--shape", "table", "--key", "pk:S,sk:N", dir); code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", code, stdout, stderr)
	}
	truth, _ := os.ReadFile(filepath.Join(dir, gen.TruthName))
	items := len(strings.Split(strings.TrimSpace(string(truth)), "\n"))
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "merge", "--to", "parquet", "--key", "pk,sk", "--out", out, dir)
	if code != 0 {
		t.Fatalf("merge --to parquet: exit %d\n%s\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(out, "_manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []struct {
			Rows int64 `json:"rows"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, f := range m.Files {
		rows += f.Rows
	}
	if rows != int64(items) {
		t.Errorf("%d rows, want the table's %d items\n%s", rows, items, raw)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Error(err)
	}

	// The same output folder again is refused before anything is read:
	// a corrupt input is not found (the merge would stop on it, exit 1).
	datas, _ := filepath.Glob(filepath.Join(dir, "AWSDynamoDB", "data", "*.gz"))
	if len(datas) == 0 {
		t.Fatal("no incremental data file")
	}
	if err := os.WriteFile(datas[0], []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "merge", "--to", "parquet", "--key", "pk,sk", "--out", out, dir)
	if code != exitCannotCheck || !strings.Contains(stderr, "not empty") {
		t.Errorf("merge --to parquet into a full folder: exit %d, %s%s; want 2, not empty", code, stdout, stderr)
	}
}

func TestMerge_refusals(t *testing.T) {
	dir := t.TempDir()
	if code, stdout, stderr := runCLI(t, "gen", "--history", "3", "--items", "60", "--seed", "34", "--max-item-bytes", "2048", dir); code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", code, stdout, stderr)
	}
	exps, _ := os.ReadDir(filepath.Join(dir, "AWSDynamoDB"))
	var ids []string
	for _, e := range exps {
		if e.Name() != "data" {
			ids = append(ids, e.Name())
		}
	}
	if len(ids) != 4 {
		t.Fatalf("exports %v", ids)
	}

	// A hole: the second incremental export left out (its folder moved).
	holed := t.TempDir()
	copyTree(t, dir, holed)
	os.RemoveAll(filepath.Join(holed, "AWSDynamoDB", ids[2]))
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "merge", "--out", out, holed)
	if code != 2 || !strings.Contains(stderr, "a hole between windows") || !strings.Contains(stderr, ids[1]) || !strings.Contains(stderr, ids[3]) {
		t.Errorf("hole: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Error("output written despite the hole")
	}
	code, stdout, stderr = runCLI(t, "merge", "--allow-gaps", "--json", "--out", out, holed)
	var rep mergeReport
	if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || rep.Status != "merged" || len(rep.Warnings) != 1 || len(rep.Inputs) != 3 || rep.Output == nil {
		t.Errorf("--allow-gaps --json: exit %d, %v\n%s\n%s", code, err, stdout, stderr)
	}

	// Another table beside it: refused with the list, unless --table-arn.
	two := t.TempDir()
	copyTree(t, dir, two)
	if code, _, stderr := runCLI(t, "gen", "--table", "other", "--items", "5", two); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr = runCLI(t, "merge", "--out", t.TempDir(), two)
	if code != 2 || !strings.Contains(stderr, "several tables") || !strings.Contains(stderr, "table/other") || !strings.Contains(stderr, "table/"+gen.DefaultTable) {
		t.Errorf("two tables: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "merge", "--table-arn", "arn:aws:dynamodb:us-east-1:123456789012:table/"+gen.DefaultTable, "--out", t.TempDir(), two)
	if code != 0 {
		t.Errorf("--table-arn: exit %d\n%s", code, stderr)
	}

	// A corrupted input: exit 1 with its report, nothing written.
	bad := t.TempDir()
	copyTree(t, dir, bad)
	data, _ := filepath.Glob(filepath.Join(bad, "AWSDynamoDB", "data", "*.json.gz"))
	var biggest string
	var size int64
	for _, p := range data {
		if fi, _ := os.Stat(p); fi.Size() > size {
			biggest, size = p, fi.Size()
		}
	}
	b, _ := os.ReadFile(biggest)
	b[len(b)/2] ^= 0xff
	os.WriteFile(biggest, b, 0o644)
	out = t.TempDir()
	code, stdout, stderr = runCLI(t, "merge", "--out", out, bad)
	if code != 1 || !strings.Contains(stdout, "checksum_mismatch") || !strings.Contains(stderr, "not merged") {
		t.Errorf("corrupted: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Error("output written despite findings")
	}
	code, stdout, _ = runCLI(t, "merge", "--json", "--out", out, bad)
	if err := json.Unmarshal([]byte(stdout), &rep); code != 1 || err != nil || rep.Status != "findings" || len(rep.Inputs) == 0 ||
		rep.Inputs[len(rep.Inputs)-1].ExitCode() != verify.ExitFindings {
		t.Errorf("corrupted --json: exit %d, %v\n%s", code, err, stdout)
	}

	code, stdout, stderr = runCLI(t, "merge", "--ignore-findings", "--out", out, bad)
	if code != 0 || !strings.Contains(stderr, "ignored (--ignore-findings)") || !strings.Contains(stdout, "checksum_mismatch") || !strings.Contains(stdout, "merged 3 incremental exports") {
		t.Errorf("--ignore-findings: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, rep, _ := jsonReport(t, out); code != 0 || rep.Status != "intact" {
		t.Errorf("the output merged despite findings: exit %d, %+v", code, rep)
	}

	// Usage.
	for _, args := range [][]string{
		{"merge", dir},
		{"merge", "--out", out},
		{"merge", "--out", out, "--memory", "1MiB", dir},
		{"merge", "--out", out, "--to", "csv", dir},
		{"merge", "--out", out, "--key", "pk", dir},
		{"merge", "--out", out, "--base-id", "01234", dir},
	} {
		if code, _, stderr := runCLI(t, args...); code != 2 || !strings.HasPrefix(stderr, "Error: ") {
			t.Errorf("%q: exit %d\n%s", args, code, stderr)
		}
	}
}
