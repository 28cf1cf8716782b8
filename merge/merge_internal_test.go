package merge

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

// TestItemEncoding: every generated item (all ten types, nesting, empty
// strings and sets) comes back equal from the spill encoding, inside a
// record with its key, time and rank.
func TestItemEncoding(t *testing.T) {
	src, err := gen.NewSource(gen.Options{Items: 500, Seed: 1, MaxItemBytes: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	var items []codec.Item
	for it := range src.Items() {
		items = append(items, it)
		key, err := appendKey(nil, it[:1])
		if err != nil {
			t.Fatal(err)
		}
		buf = appendRecord(buf, key, int64(len(items))-250, len(items), it)
	}
	buf = appendRecord(buf, []byte("k"), math.MinInt64, 0, nil) // a delete
	for i := 0; len(buf) > 0; i++ {
		r, rest, err := parseRecord(buf)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		buf = rest
		if i == len(items) {
			if r.put || r.ts != math.MinInt64 || r.rank != 0 || string(r.key) != "k" || len(rest) != 0 {
				t.Errorf("delete record %+v", r)
			}
			continue
		}
		if !r.put || r.ts != int64(i+1)-250 || r.rank != uint64(i+1) {
			t.Errorf("record %d: %+v", i, r)
		}
		it, err := decodeItem(r.item)
		if err != nil {
			t.Fatal(err)
		}
		if !codec.ItemEqual(it, items[i]) {
			t.Fatalf("item %d: %v, want %v", i, it, items[i])
		}
	}
	if _, err := decodeItem([]byte{3, 1}); !errors.Is(err, errCorruptSpill) {
		t.Errorf("truncated item: %v", err)
	}
}

// TestKeyEquality: keys are equal as DynamoDB has them.
func TestKeyEquality(t *testing.T) {
	key := func(vs ...codec.Value) string {
		b, err := appendKey(nil, vs)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	same := [][2]string{{"10", "10.0"}, {"10", "1E1"}, {"10", "100E-1"}, {"-0.5", "-5E-1"}, {"0", "0.000"}, {"0", "-0"}}
	for _, p := range same {
		if key(codec.N(p[0])) != key(codec.N(p[1])) {
			t.Errorf("%s and %s are different keys", p[0], p[1])
		}
	}
	differ := [][2]codec.Value{
		{codec.N("10"), codec.N("11")},
		{codec.N("10"), codec.S("10")},
		{codec.S("a"), codec.B([]byte("a"))},
		{codec.S("ab"), codec.S("aB")},
	}
	for _, p := range differ {
		if key(p[0]) == key(p[1]) {
			t.Errorf("%v and %v are one key", p[0], p[1])
		}
	}
	// Attribute boundaries: ("a", "bc") is not ("ab", "c").
	if key(codec.S("a"), codec.S("bc")) == key(codec.S("ab"), codec.S("c")) {
		t.Error("key attributes run into each other")
	}
	if _, err := appendKey(nil, []codec.Value{codec.Bool(true)}); err == nil {
		t.Error("a BOOL key: no error")
	}
}

func summary(full bool, t0, from, to string) Export {
	p := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		tm, err := time.Parse("15:04", s)
		if err != nil {
			panic(err)
		}
		return tm
	}
	s := &manifest.Summary{TableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/t"}
	if full {
		s.ExportTime = p(t0)
		s.ExportArn = s.TableArn + "/export/base"
	} else {
		s.ExportType = manifest.IncrementalExport
		s.ExportFromTime, s.ExportToTime = p(from), p(to)
		s.ExportArn = s.TableArn + "/export/" + from + "-" + to
	}
	return Export{Summary: s}
}

func TestPlan(t *testing.T) {
	inc := func(from, to string) Export { return summary(false, "", from, to) }
	base := summary(true, "10:00", "", "")
	for _, tt := range []struct {
		name     string
		incs     []Export
		gap      string // the hole's bounds, "" for none
		warnings []string
		end      string
		order    []string // applied, by window end
	}{
		{"chained", []Export{inc("10:30", "11:00"), inc("09:55", "10:30")}, "", nil, "11:00", []string{"09:55-10:30", "10:30-11:00"}},
		{"overlaps", []Export{inc("09:00", "10:20"), inc("10:10", "10:40"), inc("10:15", "10:30")}, "", nil, "10:40", []string{"09:00-10:20", "10:15-10:30", "10:10-10:40"}},
		{"hole", []Export{inc("09:50", "10:20"), inc("10:25", "11:00")}, "10:20-10:25", nil, "", nil},
		{"hole after the base", []Export{inc("10:05", "11:00")}, "10:00-10:05", nil, "", nil},
		{"covered hole", []Export{inc("09:50", "11:00"), inc("10:20", "10:30"), inc("10:40", "10:50")}, "", nil, "11:00", nil},
		{"short overlap", []Export{inc("10:00", "10:30")}, "", []string{"less than a minute"}, "10:30", nil},
		{"skipped", []Export{inc("08:00", "09:00"), inc("09:00", "10:00"), inc("09:30", "10:30")}, "", []string{"skipped", "skipped"}, "10:30", []string{"09:30-10:30"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := makePlan(base, tt.incs, false)
			if tt.gap != "" {
				var g *GapError
				if !errors.As(err, &g) || g.From.Format("15:04")+"-"+g.To.Format("15:04") != tt.gap {
					t.Fatalf("error %v, want a hole %s", err, tt.gap)
				}
				p, err := makePlan(base, tt.incs, true)
				if err != nil || len(p.warnings) != 1 {
					t.Errorf("allowing gaps: %v, warnings %q", err, p.warnings)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.warnings) != len(tt.warnings) {
				t.Errorf("warnings %q, want %q", p.warnings, tt.warnings)
			}
			for i, w := range tt.warnings {
				if i < len(p.warnings) && !strings.Contains(p.warnings[i], w) {
					t.Errorf("warning %q lacks %q", p.warnings[i], w)
				}
			}
			if p.end.Format("15:04") != tt.end {
				t.Errorf("end %v, want %s", p.end, tt.end)
			}
			if tt.order != nil {
				var got []string
				for _, e := range p.incs {
					got = append(got, e.ID())
				}
				if strings.Join(got, " ") != strings.Join(tt.order, " ") {
					t.Errorf("order %v, want %v", got, tt.order)
				}
			}
		})
	}
	// Refused: an incremental base, a second full export, another table.
	other := inc("09:55", "10:30")
	other.Summary.TableArn += "x"
	for _, incs := range [][]Export{{base}, {other}} {
		if _, err := makePlan(base, incs, false); err == nil {
			t.Errorf("%v: no error", incs)
		}
	}
	if _, err := makePlan(inc("09:55", "10:30"), nil, false); err == nil {
		t.Error("an incremental base: no error")
	}
}

// TestSplit: a partition larger than its share is split into parts each
// holding whole keys, records intact.
func TestSplit(t *testing.T) {
	dir := t.TempDir()
	f, err := newSpillFile(dir, "p", 0, 4096)
	if err != nil {
		t.Fatal(err)
	}
	m := &merger{tmp: dir, opt: Options{Workers: 1}, chunk: 4096, bufSize: 4096}
	b := newSpillBuffer([]*spillFile{f}, 4096)
	want := map[string]int{}
	src, _ := gen.NewSource(gen.Options{Items: 3000, Seed: 2, MaxItemBytes: 1024})
	for i := range 3000 {
		it := src.Item(i % 1000) // three records per key
		key, _ := appendKey(nil, it[:1])
		want[string(key)]++
		if err := b.added(0, appendRecord(b.buf(0), key, int64(i), 1, it)); err != nil {
			t.Fatal(err)
		}
	}
	b.flushAll()
	f.finish()
	perPart := f.cost() / 5
	leaves, err := m.split(context.Background(), f, perPart)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) < 3 {
		t.Fatalf("%d leaves for a partition 5 times its share", len(leaves))
	}
	seen := map[string]int{}
	for i, l := range leaves {
		if l.cost() > 2*perPart {
			t.Errorf("leaf %d costs %d, share %d", i, l.cost(), perPart)
		}
		err := l.frames(func(frame []byte) error {
			for len(frame) > 0 {
				r, rest, err := parseRecord(frame)
				if err != nil {
					return err
				}
				frame = rest
				if prev, ok := seen[string(r.key)]; ok && prev != i+1 {
					t.Errorf("a key in leaves %d and %d", prev-1, i)
				}
				seen[string(r.key)] = i + 1
				want[string(r.key)]--
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for k, n := range want {
		if n != 0 {
			t.Errorf("key %q: %d records missing", k, n)
		}
	}
}

// TestMergePartitionRule: per key the highest write time wins, ties go to
// the higher rank (the later window end), the base loses to any change, and
// a delete removes the key.
func TestMergePartitionRule(t *testing.T) {
	dir := t.TempDir()
	f, err := newSpillFile(dir, "p", 0, 4096)
	if err != nil {
		t.Fatal(err)
	}
	b := newSpillBuffer([]*spillFile{f}, 64)
	item := func(k, v string) codec.Item { return codec.Item{codec.S(k).Named("pk"), codec.S(v).Named("v")} }
	add := func(k string, ts int64, rank int, it codec.Item) {
		key, _ := appendKey(nil, []codec.Value{codec.S(k)})
		if err := b.added(0, appendRecord(b.buf(0), key, ts, rank, it)); err != nil {
			t.Fatal(err)
		}
	}
	add("tie", 5, 2, item("tie", "later window"))
	add("tie", 5, 1, item("tie", "earlier window"))
	add("time", 9, 1, item("time", "later write"))
	add("time", 7, 3, item("time", "earlier write"))
	add("base", math.MinInt64, 0, item("base", "base"))
	add("base", 1, 1, item("base", "changed"))
	add("kept", math.MinInt64, 0, item("kept", "base"))
	add("gone", math.MinInt64, 0, item("gone", "base"))
	add("gone", 3, 1, nil)
	add("gone", 2, 2, item("gone", "older put"))
	b.flushAll()
	f.finish()

	st := storetestMem()
	w, err := newTestWriter(st)
	if err != nil {
		t.Fatal(err)
	}
	m := &merger{}
	puts, dels, err := m.mergePartition(context.Background(), f, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if puts != 4 || dels != 1 {
		t.Errorf("%d puts, %d deletes", puts, dels)
	}
	got := readItems(t, st, w)
	want := map[string]string{"tie": "later window", "time": "later write", "base": "changed", "kept": "base"}
	if len(got) != len(want) {
		t.Errorf("items %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
