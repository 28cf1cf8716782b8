package gen_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	_ "github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/internal/exporttest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// keyOf is a key's identity by DynamoDB's rules: numbers by value.
func keyOf(t *testing.T, names []string, it codec.Item) string {
	t.Helper()
	var b []byte
	for _, n := range names {
		v, ok := it.Get(n)
		if !ok {
			t.Fatalf("no key attribute %q in %v", n, it)
		}
		b = append(b, byte(v.Type))
		if v.Type == codec.TypeN {
			var ok bool
			if b, ok = codec.AppendCanonicalNumber(b, v.Str); !ok {
				t.Fatalf("bad number key %q", v.Str)
			}
		} else {
			b = append(b, v.Str...)
		}
		b = append(b, 0)
	}
	return string(b)
}

func TestWriteHistory(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		opt  gen.HistoryOptions
	}{
		{"json-pk", gen.HistoryOptions{Options: gen.Options{Items: 300, Seed: 3}, Exports: 4}},
		{"mixed-formats-pk-sk-N", gen.HistoryOptions{Options: gen.Options{Items: 300, Seed: 4, Prefix: "p/q",
			Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeN}, Sort: gen.Key{Name: "n", Type: codec.TypeN}}, MaxItemBytes: 4096},
			Exports: 5, Formats: []codec.Format{codec.FormatION, codec.FormatDynamoDBJSON}}},
		{"table-shape-B", gen.HistoryOptions{Options: gen.Options{Items: 200, Seed: 5, Shape: gen.ShapeTable, Keys: gen.KeySchema{Partition: gen.Key{Name: "b", Type: codec.TypeB}}},
			Exports: 3, Changes: 80}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.NewMem()
			h, err := gen.WriteHistory(ctx, st, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Incrementals) != tt.opt.Exports || len(h.Summaries) != tt.opt.Exports+1 {
				t.Fatalf("%d incrementals, %d summaries", len(h.Incrementals), len(h.Summaries))
			}
			base := h.Summaries[0]
			if base.Incremental() || base.ExportTime.IsZero() {
				t.Fatalf("base summary %+v", base)
			}
			// The chain: each window starts at or before the previous one's
			// end, the first before the base; one table; both views.
			covered := base.ExportTime
			views, formats := map[string]bool{}, map[string]bool{base.OutputFormat: true}
			overlaps := 0
			for _, s := range h.Summaries[1:] {
				if !s.Incremental() || s.TableArn != base.TableArn || s.TableID != base.TableID {
					t.Fatalf("incremental summary %+v", s)
				}
				if s.ExportFromTime.After(covered) {
					t.Fatalf("hole before %v (covered to %v)", s.ExportFromTime, covered)
				}
				if s.ExportFromTime.Before(covered) {
					overlaps++
				}
				covered = s.ExportToTime
				views[s.OutputView] = true
				formats[s.OutputFormat] = true
			}
			if len(views) != 2 || overlaps < 2 {
				t.Errorf("views %v, overlaps %d", views, overlaps)
			}
			if tt.opt.Formats != nil && len(formats) != 2 {
				t.Errorf("formats %v", formats)
			}

			// Replay: the base's items, then each incremental's records in
			// order of window end, the latest write of a key winning.
			names := []string{"pk"}
			if k := tt.opt.Keys; k.Partition.Name != "" {
				names = []string{k.Partition.Name}
				if k.HasSort() {
					names = append(names, k.Sort.Name)
				}
			}
			type state struct {
				ts   int64
				item codec.Item
			}
			table := map[string]state{}
			for _, r := range exporttest.Records(t, st, h.Base) {
				table[keyOf(t, names, r.Item)] = state{ts: -1 << 62, item: r.Item}
			}
			var ops [4]int
			multiNotation := false
			for _, ref := range h.Incrementals {
				for _, r := range exporttest.Records(t, st, ref) {
					ops[r.Op()]++
					k := keyOf(t, names, r.Keys)
					if old, ok := table[k]; ok && old.ts > r.WriteTimestampMicros {
						continue
					}
					if old, ok := table[k]; ok && old.item != nil {
						for _, n := range names {
							a, _ := old.item.Get(n)
							b, _ := r.Keys.Get(n)
							if a.Type == codec.TypeN && a.Str != b.Str {
								multiNotation = true
							}
						}
					}
					table[k] = state{ts: r.WriteTimestampMicros, item: r.NewImage}
				}
			}
			if ops[codec.OpInsert] == 0 || ops[codec.OpModify] == 0 || ops[codec.OpRemove] == 0 {
				t.Errorf("ops %v: want inserts, updates and deletes", ops)
			}
			if tt.opt.Keys.Partition.Type == codec.TypeN && !multiNotation {
				t.Error("number keys in one notation only")
			}
			raw, err := store.ReadAll(ctx, st, h.TruthKey, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if tt.opt.Prefix != "" && !strings.HasPrefix(h.TruthKey, tt.opt.Prefix+"/") {
				t.Errorf("truth at %s", h.TruthKey)
			}
			dec := ddbjson.NewDecoder(bytes.NewReader(raw), codec.DecodeOptions{Kind: codec.KindFull})
			truth := map[string]codec.Item{}
			for dec.Next() {
				truth[keyOf(t, names, dec.Record().Item)] = dec.Record().Item
			}
			if err := dec.Err(); err != nil {
				t.Fatal(err)
			}
			if len(truth) != h.Items {
				t.Errorf("truth has %d items, History.Items %d", len(truth), h.Items)
			}
			live := 0
			for k, s := range table {
				if s.item == nil {
					if _, ok := truth[k]; ok {
						t.Errorf("deleted key %q in the truth", k)
					}
					continue
				}
				live++
				if !codec.ItemEqual(s.item, truth[k]) {
					t.Errorf("key %q: replay %v, truth %v", k, s.item, truth[k])
				}
			}
			if live != len(truth) {
				t.Errorf("replay has %d live items, truth %d", live, len(truth))
			}
		})
	}
}

func TestWriteHistoryDeterministic(t *testing.T) {
	opt := gen.HistoryOptions{Options: gen.Options{Items: 50, Seed: 9}, Exports: 2}
	a, b := storetest.NewMem(), storetest.NewMem()
	if _, err := gen.WriteHistory(context.Background(), a, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := gen.WriteHistory(context.Background(), b, opt); err != nil {
		t.Fatal(err)
	}
	oa, ob := objects(t, a), objects(t, b)
	ka, kb := mapsKeys(oa), mapsKeys(ob)
	if !slices.Equal(ka, kb) {
		t.Fatalf("keys differ: %v vs %v", ka, kb)
	}
	for k := range oa {
		if !bytes.Equal(oa[k], ob[k]) {
			t.Errorf("%s differs", k)
		}
	}
}

func mapsKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestWriteHistoryOptions(t *testing.T) {
	for _, opt := range []gen.HistoryOptions{
		{Options: gen.Options{Items: 5}},
		{Options: gen.Options{Items: 5, Kind: gen.Incremental}, Exports: 1},
		{Options: gen.Options{Items: 5}, Exports: 1, Views: []string{"OLD"}},
		{Options: gen.Options{Items: 5}, Exports: 1, Window: 20 * 3600e9},
	} {
		if _, err := gen.WriteHistory(context.Background(), storetest.NewMem(), opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}
