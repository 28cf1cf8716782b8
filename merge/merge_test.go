package merge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	_ "github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/internal/exporttest"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/merge"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// keyOf is a key's identity by DynamoDB's rules, written independently of
// the merge's encoding: numbers by value (their canonical form).
func keyOf(t testing.TB, names []string, it codec.Item) string {
	t.Helper()
	var b strings.Builder
	for _, n := range names {
		v, ok := it.Get(n)
		if !ok {
			t.Fatalf("no key attribute %q in %v", n, it)
		}
		b.WriteString(v.Type.String())
		b.WriteByte(':')
		if v.Type == codec.TypeN {
			c, ok := codec.AppendCanonicalNumber(nil, v.Str)
			if !ok {
				t.Fatalf("bad number %q", v.Str)
			}
			b.Write(c)
		} else {
			b.WriteString(v.Str)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// loadAll finds and loads every export in st.
func loadAll(t testing.TB, st store.Store) []merge.Export {
	t.Helper()
	refs, err := manifest.Find(context.Background(), st, "")
	if err != nil {
		t.Fatal(err)
	}
	var exps []merge.Export
	for _, r := range refs {
		e, err := merge.Load(context.Background(), merge.Input{Store: st, Ref: r})
		if err != nil {
			t.Fatal(err)
		}
		exps = append(exps, e)
	}
	return exps
}

// reference merges in memory, the straightforward way: the base's items,
// then every change by (write time, window end), the last one winning.
func reference(t testing.TB, base merge.Export, incs []merge.Export, names []string) map[string]codec.Item {
	t.Helper()
	type change struct {
		ts   int64
		end  int64
		item codec.Item
		key  string
	}
	table := map[string]codec.Item{}
	for _, r := range exporttest.Records(t, base.Store, base.Ref) {
		table[keyOf(t, names, r.Item)] = r.Item
	}
	var changes []change
	for _, e := range incs {
		if !e.Summary.ExportToTime.After(base.Summary.ExportTime) {
			continue
		}
		for _, r := range exporttest.Records(t, e.Store, e.Ref) {
			changes = append(changes, change{ts: r.WriteTimestampMicros, end: e.Summary.ExportToTime.UnixMicro(), item: r.NewImage, key: keyOf(t, names, r.Keys)})
		}
	}
	slices.SortStableFunc(changes, func(a, b change) int {
		if a.ts != b.ts {
			return compare(a.ts, b.ts)
		}
		return compare(a.end, b.end)
	})
	for _, c := range changes {
		if c.item == nil {
			delete(table, c.key)
		} else {
			table[c.key] = c.item
		}
	}
	return table
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// truth reads the table state a history wrote beside its exports.
func truth(t testing.TB, st store.Store, h *gen.History, names []string) map[string]codec.Item {
	t.Helper()
	raw, err := store.ReadAll(context.Background(), st, h.TruthKey, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	dec := ddbjson.NewDecoder(bytes.NewReader(raw), codec.DecodeOptions{Kind: codec.KindFull})
	out := map[string]codec.Item{}
	for dec.Next() {
		out[keyOf(t, names, dec.Record().Item)] = dec.Record().Item
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func keyNames(ks gen.KeySchema) []string {
	if ks.Partition.Name == "" {
		return []string{"pk"}
	}
	if ks.HasSort() {
		return []string{ks.Partition.Name, ks.Sort.Name}
	}
	return []string{ks.Partition.Name}
}

func compareTables(t testing.TB, what string, got, want map[string]codec.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items, want %d", what, len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		if g, ok := got[k]; !ok || !codec.ItemEqual(g, w) {
			if bad++; bad <= 3 {
				t.Errorf("%s: key %q: got %v, want %v", what, k, g, w)
			}
		}
	}
}

// emptyDir fails unless dir holds nothing.
func emptyDir(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left in the temporary folder: %s", e.Name())
	}
}

func history(t testing.TB, opt gen.HistoryOptions) (store.Store, *gen.History) {
	t.Helper()
	st := storetest.NewMem()
	h, err := gen.WriteHistory(context.Background(), st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return st, h
}

func TestMerge(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		hist    gen.HistoryOptions
		opt     merge.Options
		wantFmt string
	}{
		{"json", gen.HistoryOptions{Options: gen.Options{Items: 400, Seed: 1, MaxItemBytes: 8192}, Exports: 4}, merge.Options{Workers: 1}, "DYNAMODB_JSON"},
		{"mixed-formats-number-keys-to-ion", gen.HistoryOptions{Options: gen.Options{Items: 400, Seed: 2, Prefix: "exports/t", MaxItemBytes: 4096,
			Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeN}, Sort: gen.Key{Name: "v", Type: codec.TypeN}}},
			Exports: 5, Formats: []codec.Format{codec.FormatDynamoDBJSON, codec.FormatION}}, merge.Options{Workers: 3, Format: codec.FormatION}, "ION"},
		{"ion-base-binary-key", gen.HistoryOptions{Options: gen.Options{Items: 300, Seed: 3, Files: 7, Shape: gen.ShapeTable, Format: codec.FormatION,
			Keys: gen.KeySchema{Partition: gen.Key{Name: "b", Type: codec.TypeB}}}, Exports: 3, Changes: 150}, merge.Options{}, "ION"},
		{"new-image-only", gen.HistoryOptions{Options: gen.Options{Items: 200, Seed: 4, MaxItemBytes: 4096}, Exports: 3, Views: []string{manifest.ViewNewImage}}, merge.Options{Workers: 2, Format: codec.FormatDynamoDBJSON}, "DYNAMODB_JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, h := history(t, tt.hist)
			exps := loadAll(t, st)
			base, incs, err := merge.Choose(exps, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if base.Ref != h.Base || len(incs) != len(h.Incrementals) {
				t.Fatalf("chose %v and %d incrementals", base.Ref, len(incs))
			}
			// Given in any order.
			slices.Reverse(incs)
			out := storetest.NewMem()
			tt.opt.TempDir = t.TempDir()
			tt.opt.Memory = merge.MinMemory
			res, err := merge.Merge(ctx, base, incs, out, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			emptyDir(t, tt.opt.TempDir)
			last := h.Summaries[len(h.Summaries)-1]
			s := res.Summary
			switch {
			case s.Incremental(), !s.ExportTime.Equal(last.ExportToTime), s.TableArn != last.TableArn, s.TableID != h.Summaries[0].TableID,
				s.OutputFormat != tt.wantFmt, s.S3Prefix != tt.hist.Prefix, s.ItemCount != int64(h.Items), res.Puts != int64(h.Items):
				t.Errorf("summary %+v, %d puts; want exportTime %v, %d items", s, res.Puts, last.ExportToTime, h.Items)
			}
			if len(res.Applied) != len(incs) || res.Records == 0 || len(res.Reports) != len(incs)+1 {
				t.Errorf("result %+v", res)
			}
			// The summary records where the export came from, under a key
			// readers ignore: the stored summary still parses.
			raw := storetest.Get(t, out, res.Ref.Key(manifest.SummaryName))
			var stored map[string]json.RawMessage
			if err := json.Unmarshal(raw, &stored); err != nil {
				t.Fatal(err)
			}
			var from struct {
				Base         struct{ ExportArn string }
				Incrementals []struct{ ExportArn, ExportFromTime, ExportToTime string }
			}
			if err := json.Unmarshal(stored[merge.ProvenanceKey], &from); err != nil || from.Base.ExportArn != base.Summary.ExportArn || len(from.Incrementals) != len(incs) {
				t.Errorf("%s: %s (%v)", merge.ProvenanceKey, stored[merge.ProvenanceKey], err)
			}
			if _, err := manifest.ParseSummary("s", raw); err != nil {
				t.Errorf("the merged summary does not parse: %v", err)
			}
			names := keyNames(tt.hist.Keys)
			got := map[string]codec.Item{}
			for _, r := range exporttest.Records(t, out, res.Ref) {
				k := keyOf(t, names, r.Item)
				if _, dup := got[k]; dup {
					t.Errorf("key %q twice in the output", k)
				}
				got[k] = r.Item
			}
			compareTables(t, "against the reference merge", got, reference(t, base, incs, names))
			compareTables(t, "against the history's table state", got, truth(t, st, h, names))
		})
	}
}

// TestMergeRealLayout merges exports whose incremental data files are in
// the shared AWSDynamoDB/data/ folder, as DynamoDB writes them, in a local
// folder, and checks that the output is written beside them.
func TestMergeSharedDataFolder(t *testing.T) {
	st, h := history(t, gen.HistoryOptions{Options: gen.Options{Items: 100, Seed: 8, MaxItemBytes: 2048}, Exports: 2})
	for _, ref := range h.Incrementals {
		raw, err := store.ReadAll(context.Background(), st, ref.Key(manifest.FilesName), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"AWSDynamoDB/data/`) {
			t.Fatalf("%s: data files not in the shared folder: %s", ref, raw)
		}
	}
	exps := loadAll(t, st)
	base, incs, err := merge.Choose(exps, "", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := merge.Merge(context.Background(), base, incs, st, merge.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Ref.Dir(), "AWSDynamoDB/") {
		t.Errorf("output at %s", res.Ref.Dir())
	}
	// The output is now one more full export in the folder: the latest,
	// so Choose takes it as the base, and it is the whole table.
	base2, _, err := merge.Choose(loadAll(t, st), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if base2.Ref.ID != res.Ref.ID {
		t.Errorf("latest full export %s, want the merge's %s", base2.Ref.ID, res.Ref.ID)
	}
	got := map[string]codec.Item{}
	for _, r := range exporttest.Records(t, st, res.Ref) {
		got[keyOf(t, []string{"pk"}, r.Item)] = r.Item
	}
	compareTables(t, "merged", got, truth(t, st, h, []string{"pk"}))
}

func TestMergeGaps(t *testing.T) {
	st, h := history(t, gen.HistoryOptions{Options: gen.Options{Items: 100, Seed: 5, MaxItemBytes: 2048}, Exports: 4})
	exps := loadAll(t, st)
	base, incs, err := merge.Choose(exps, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// Leave out the second window: its start and end are ends of
	// windows 1 and 2 (window 3 overlaps 2 by a quarter).
	second := h.Summaries[2]
	var holed []merge.Export
	for _, e := range incs {
		if e.Ref != h.Incrementals[1] {
			holed = append(holed, e)
		}
	}
	out := storetest.NewMem()
	tmp := t.TempDir()
	_, err = merge.Merge(context.Background(), base, holed, out, merge.Options{TempDir: tmp})
	var gap *merge.GapError
	if !errors.As(err, &gap) || !errors.Is(err, merge.ErrGap) {
		t.Fatalf("error %v, want a GapError", err)
	}
	first, third := h.Summaries[1], h.Summaries[3]
	if !gap.From.Equal(first.ExportToTime) || !gap.To.Equal(third.ExportFromTime) ||
		!strings.Contains(gap.Prev, first.ExportID()) || !strings.Contains(gap.Next, third.ExportID()) {
		t.Errorf("gap %+v: want from %v (end of %s) to %v (start of %s)", gap, first.ExportToTime, first.ExportID(), third.ExportFromTime, third.ExportID())
	}
	msg := err.Error()
	for _, want := range []string{first.ExportID(), third.ExportID(), first.ExportToTime.Format(manifest.TimeLayout), third.ExportFromTime.Format(manifest.TimeLayout)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	_ = second
	if n := countObjects(t, out); n != 0 {
		t.Errorf("%d objects written despite the hole", n)
	}
	emptyDir(t, tmp)

	// --allow-gaps goes on, with a warning.
	res, err := merge.Merge(context.Background(), base, holed, out, merge.Options{TempDir: tmp, AllowGaps: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "hole") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if !res.Summary.ExportTime.Equal(h.Summaries[4].ExportToTime) {
		t.Errorf("exportTime %v", res.Summary.ExportTime)
	}
}

func countObjects(t testing.TB, st store.Store) int {
	t.Helper()
	n := 0
	for _, err := range st.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestMergeSkipsAndTables: an incremental export that ends before the base
// is skipped with a warning; another table's export is refused.
func TestMergeSkipsAndTables(t *testing.T) {
	ctx := context.Background()
	st, h := history(t, gen.HistoryOptions{Options: gen.Options{Items: 60, Seed: 6, MaxItemBytes: 2048}, Exports: 2})
	t0 := h.Summaries[0].ExportTime
	// An earlier incremental export of the same table.
	if _, _, err := gen.Write(ctx, st, gen.Options{Kind: gen.Incremental, Items: 10, Seed: 61, ExportTime: t0.Add(-2 * 3600e9), MaxItemBytes: 2048},
		func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }); err != nil {
		t.Fatal(err)
	}
	exps := loadAll(t, st)
	base, incs, err := merge.Choose(exps, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 3 {
		t.Fatalf("%d incrementals", len(incs))
	}
	res, err := merge.Merge(ctx, base, incs, storetest.NewMem(), merge.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || len(res.Applied) != 2 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "skipped") {
		t.Errorf("skipped %v, applied %v, warnings %q", res.Skipped, res.Applied, res.Warnings)
	}

	// Another table: refused by Choose with the list, and by Merge.
	if _, _, err := gen.Write(ctx, st, gen.Options{Kind: gen.Incremental, Items: 10, Seed: 62, Table: "other", ExportTime: t0.Add(3600e9), MaxItemBytes: 2048},
		func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }); err != nil {
		t.Fatal(err)
	}
	exps = loadAll(t, st)
	_, _, err = merge.Choose(exps, "", "")
	var te *merge.TablesError
	if !errors.As(err, &te) || len(te.Tables) != 2 || !strings.Contains(err.Error(), "table/other") {
		t.Fatalf("Choose: %v", err)
	}
	base, incs, err = merge.Choose(exps, "", h.Summaries[0].TableArn)
	if err != nil || len(incs) != 3 {
		t.Fatalf("Choose with the table: %v, %d incrementals", err, len(incs))
	}
	var other merge.Export
	for _, e := range exps {
		if strings.HasSuffix(e.Summary.TableArn, "/other") {
			other = e
		}
	}
	out := storetest.NewMem()
	if _, err := merge.Merge(ctx, base, append(incs, other), out, merge.Options{TempDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "table/other") {
		t.Errorf("Merge with another table's export: %v", err)
	}
	if countObjects(t, out) != 0 {
		t.Error("objects written")
	}
	if _, _, err := merge.Choose(exps, "nope", ""); err == nil {
		t.Error("Choose of a missing base ID: no error")
	}
}

// TestMergeBaseOnly: with no incremental export to apply (none given, or
// none after the base), the output is the base's items, in the format
// asked for, at the base's time.
func TestMergeBaseOnly(t *testing.T) {
	st, h := history(t, gen.HistoryOptions{Options: gen.Options{Items: 80, Seed: 10, MaxItemBytes: 2048}, Exports: 1})
	base, _, err := merge.Choose(loadAll(t, st), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := storetest.NewMem()
	res, err := merge.Merge(context.Background(), base, nil, out, merge.Options{TempDir: t.TempDir(), Format: codec.FormatION})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]codec.Item{}
	for _, r := range exporttest.Records(t, st, h.Base) {
		want[keyOf(t, []string{"pk"}, r.Item)] = r.Item
	}
	got := map[string]codec.Item{}
	for _, r := range exporttest.Records(t, out, res.Ref) {
		got[keyOf(t, []string{"pk"}, r.Item)] = r.Item
	}
	compareTables(t, "base only", got, want)
	if !res.Summary.ExportTime.Equal(base.Summary.ExportTime) || res.Summary.OutputFormat != "ION" {
		t.Errorf("summary %+v", res.Summary)
	}
}

// TestMergeCorrupt: a finding in an input stops the merge before anything
// is written; IgnoreFindings goes on.
func TestMergeCorrupt(t *testing.T) {
	ctx := context.Background()
	st, h := history(t, gen.HistoryOptions{Options: gen.Options{Items: 200, Seed: 7, Files: 1, MaxItemBytes: 2048}, Exports: 2})
	// Flip a byte in the middle of the second incremental's data file.
	raw, err := store.ReadAll(ctx, st, h.Incrementals[1].Key(manifest.FilesName), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f, err := manifest.ParseFileLine(bytes.TrimSpace(raw))
	if err != nil {
		t.Fatal(err)
	}
	data, err := store.ReadAll(ctx, st, f.DataFileS3Key, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-8] ^= 0x55 // in the gzip CRC: every record still decodes
	w, _ := st.Create(ctx, f.DataFileS3Key)
	w.Write(data)
	w.Commit()

	base, incs, err := merge.Choose(loadAll(t, st), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := storetest.NewMem()
	tmp := t.TempDir()
	res, err := merge.Merge(ctx, base, incs, out, merge.Options{TempDir: tmp})
	var fe *merge.FindingsError
	if !errors.As(err, &fe) || !errors.Is(err, merge.ErrFindings) || len(fe.Report.Findings) == 0 {
		t.Fatalf("error %v, want findings", err)
	}
	if fe.Export != h.Summaries[2].ExportID() {
		t.Errorf("findings in %s, want %s", fe.Export, h.Summaries[2].ExportID())
	}
	if res == nil || len(res.Reports) == 0 {
		t.Error("no reports in the result")
	}
	if countObjects(t, out) != 0 {
		t.Error("objects written despite findings")
	}
	emptyDir(t, tmp)

	res, err = merge.Merge(ctx, base, incs, out, merge.Options{TempDir: tmp, IgnoreFindings: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.ItemCount != int64(h.Items) {
		t.Errorf("%d items, want %d (the CRC flip leaves every record readable)", res.Summary.ItemCount, h.Items)
	}
}

// cancelStore cancels a context when a key containing match is opened or
// created for the n-th time.
type cancelStore struct {
	store.Store
	match  string
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
}

func (c *cancelStore) hit(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Contains(key, c.match) {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
}

func (c *cancelStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	c.hit(key)
	return c.Store.Open(ctx, key)
}

func (c *cancelStore) Create(ctx context.Context, key string) (store.Writer, error) {
	c.hit(key)
	return c.Store.Create(ctx, key)
}

func TestMergeCancel(t *testing.T) {
	st, _ := history(t, gen.HistoryOptions{Options: gen.Options{Items: 300, Seed: 9, MaxItemBytes: 2048}, Exports: 3})
	for _, tt := range []struct {
		name  string
		input bool // cancel while reading the inputs, else while writing
		n     int
	}{
		{"reading", true, 5},
		{"writing", false, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in := store.Store(st)
			out := store.Store(storetest.NewMem())
			mem := out
			if tt.input {
				in = &cancelStore{Store: st, match: "/data/", n: tt.n, cancel: cancel}
			} else {
				out = &cancelStore{Store: out, match: "/data/", n: tt.n, cancel: cancel}
			}
			var exps []merge.Export
			for _, e := range loadAll(t, st) {
				e.Store = in
				exps = append(exps, e)
			}
			base, incs, err := merge.Choose(exps, "", "")
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			_, err = merge.Merge(ctx, base, incs, out, merge.Options{TempDir: tmp, Workers: 2})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if n := countObjects(t, mem); n != 0 {
				t.Errorf("%d objects left in the output", n)
			}
			emptyDir(t, tmp)
		})
	}
}
