package parquet_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/storetest"
)

var smallFiles = parquet.Options{TargetFileSize: 16 << 10, RowGroupSize: 4 << 10}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// longString returns n bytes of text that compress little, different
// for each seed.
func longString(seed, n int) string {
	b := make([]byte, 0, n)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for len(b) < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		if x%17 == 0 {
			b = append(b, "·é"[:min(n-len(b), 2)]...) // a 2-byte rune, cut only at the very end
			continue
		}
		b = append(b, byte('!'+x%90))
	}
	return strings.ToValidUTF8(string(b), "")
}

// nested returns a map depth levels deep, with a list and a set at each
// level.
func nested(depth, i int) codec.Value {
	if depth == 0 {
		return codec.M(codec.S(fmt.Sprint("leaf", i)).Named("v"), codec.N(fmt.Sprint(i)).Named("n"))
	}
	return codec.M(
		nested(depth-1, i).Named("next"),
		codec.L(codec.N(fmt.Sprint(i)), nested(0, i+1), codec.L(codec.S("deep"), codec.L())).Named("list"),
		codec.SS("a", fmt.Sprint("b", i)).Named("set"),
		codec.N(fmt.Sprint(depth)).Named("depth"),
	)
}

// typesItems covers every DynamoDB type, nesting, sets, a slot whose type
// varies, NULL versus missing, empty values, long strings and unusual
// attribute names.
func typesItems() []codec.Item {
	mixed := []codec.Value{
		codec.S("text"), codec.N("12.5"), codec.B([]byte{0, 1, 2}), codec.Bool(true), codec.Null(),
		codec.M(codec.S("x").Named("a")), codec.L(codec.N("1"), codec.S("two")),
		codec.SS("p", "q"), codec.NS("1", "2.5"), codec.BS([]byte{9}, []byte{}),
	}
	var items []codec.Item
	for i := range 120 {
		it := codec.Item{
			codec.S(fmt.Sprint("id-", i)).Named("id"),
			codec.S([]string{"", "plain", "ünïcödé 日本語 😀", "quote\"back\\slash\nnew\x00nul", longString(i, 100_000)}[i%5]).Named("s"),
			codec.N(fmt.Sprint(i*7 - 100)).Named("n_int"),
			codec.N([]string{"1.5", "-0.25", "0", "1E+3", "12345.678"}[i%5]).Named("n_dec"),
			codec.B([][]byte{allBytes(), {}, {0}, []byte("bin")}[i%4]).Named("b"),
			codec.Bool(i%2 == 0).Named("bool"),
			nested(4, i).Named("m"),
			codec.L(codec.S("x"), codec.N("1"), codec.L(codec.Bool(true)), codec.M(codec.S("v").Named("k")), codec.Null()).Named("l_mixed"),
			codec.L().Named("l_empty"),
			codec.M().Named("m_empty"),
			codec.SS("a", "b", fmt.Sprint(i), "").Named("ss"),
			codec.NS("1", "-2", "3.25", fmt.Sprint(i)).Named("ns"),
			codec.BS([]byte{}, []byte{0xff, 0}, allBytes()).Named("bs"),
			mixed[i%len(mixed)].Named("mixed"),
			codec.S("name with dots").Named("a.b.c"),
			codec.S("space").Named("with space"),
			codec.N("7").Named("名前"),
			codec.Bool(false).Named("emoji😀"),
			codec.L(codec.L(codec.L(codec.N(fmt.Sprint(i)), codec.N("2")), codec.L()), codec.L()).Named("lists"),
		}
		switch i % 3 {
		case 0:
			it = append(it, codec.Null().Named("maybe"))
		case 1:
			it = append(it, codec.S("set").Named("maybe"))
		}
		if i%2 == 0 {
			it = append(it, codec.Null().Named("null_or_missing"))
		}
		if i%4 == 0 {
			// A map sometimes empty: a struct whose fields are all null.
			it = append(it, codec.M().Named("m_sometimes"))
		} else {
			it = append(it, codec.M(codec.N(fmt.Sprint(i)).Named("f"), codec.M().Named("g")).Named("m_sometimes"))
		}
		items = append(items, it)
	}
	return items
}

func TestRoundTrip_types(t *testing.T) {
	inputs := split(fullRecords(typesItems()), 5)
	// Files of 16 KiB roll within inputs and pack small inputs together.
	s, out := roundTrip(t, inputs, parquet.InferOptions{}, smallFiles)
	rolled, packed := false, false
	for _, f := range out.Manifest.Files {
		packed = packed || len(f.Inputs) > 1
		for _, in := range f.Inputs {
			rolled = rolled || in.Part > 0
		}
	}
	if !rolled || !packed {
		t.Errorf("%d files; an input in several files %t, a file of several inputs %t; want both", len(out.Manifest.Files), rolled, packed)
	}
	// Files of 512 KiB hold several row groups of 4 KiB.
	_, out = roundTrip(t, inputs, parquet.InferOptions{}, parquet.Options{TargetFileSize: 512 << 10, RowGroupSize: 4 << 10})
	rowGroups := 0
	for _, f := range out.Files {
		rowGroups = max(rowGroups, f.RowGroups)
	}
	if rowGroups < 3 {
		t.Errorf("at most %d row groups in a file; want several", rowGroups)
	}
	// The mapping of doc.go.
	want := map[string]string{
		"id": "S", "s": "S", "n_int": "N:int64", "n_dec": "N:decimal(38,3)", "b": "B", "bool": "BOOL",
		"m": "M", "l_mixed": "L", "l_empty": "L", "m_empty": "json", "ss": "SS", "ns": "NS:decimal(38,2)", "bs": "BS",
		"mixed": "S,N:decimal(38,1),B,BOOL,NULL,M,L,SS,NS:decimal(38,1),BS", "maybe": "S,NULL", "null_or_missing": "NULL",
		"m_sometimes": "M",
	}
	for name, w := range want {
		if got := describe(slotOf(t, s, name)); got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	if el := slotOf(t, s, "l_empty").Types[0].Element; len(el.Types) != 0 || el.As != "" {
		t.Errorf("l_empty elements: %s, want no type", describe(el))
	}
	if el := slotOf(t, s, "l_mixed").Types[0].Element; describe(el) != "S,N:int64,NULL,M,L" {
		t.Errorf("l_mixed elements: %s", describe(el))
	}
	// An empty map inside a map is json too.
	g := slotOf(t, s, "m_sometimes").Types[0].Fields
	if i := slices.IndexFunc(g, func(sl *parquet.Slot) bool { return sl.Name == "g" }); i < 0 || g[i].As != parquet.AsJSON {
		t.Errorf("m_sometimes.g: want json")
	}
	// NULL and missing stay apart: checkSame compared the items; count
	// them once more.
	nulls := 0
	for _, r := range out.Records {
		if v, ok := r.Item.Get("null_or_missing"); ok && v.Type == codec.TypeNULL {
			nulls++
		}
	}
	if nulls != 60 {
		t.Errorf("%d NULLs read back, want 60", nulls)
	}
}

// describe sums up a slot: its types, with their number columns, or json.
func describe(sl *parquet.Slot) string {
	if sl.As != "" {
		return sl.As
	}
	var parts []string
	types := slices.Clone(sl.Types)
	slices.SortFunc(types, func(a, b *parquet.Type) int {
		return typeOrder(strings.ToLower(a.Type)) - typeOrder(strings.ToLower(b.Type))
	})
	for _, ty := range types {
		p := ty.Type
		if ty.Number != "" {
			p += ":" + ty.Number
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

// TestRoundTrip_fullFileAtEnd writes inputs in which every record fills a
// file, so that each input ends exactly when a file is full. Bug fixed: the
// Partition published a full file at once, so that such an input's last
// part was never marked Last (the manifest then showed the input
// incomplete, and Resume wrote it again).
func TestRoundTrip_fullFileAtEnd(t *testing.T) {
	var recs []*codec.Record
	for i := range 6 {
		recs = append(recs, &codec.Record{Item: codec.Item{codec.N(fmt.Sprint(i)).Named("id"), codec.S(longString(i, 40_000)).Named("s")}})
	}
	inputs := []input{{File: "data/a.json.gz", Records: recs[:3]}, {File: "data/b.json.gz", Records: recs[3:]}}
	_, out := roundTrip(t, inputs, parquet.InferOptions{}, parquet.Options{TargetFileSize: 16 << 10, RowGroupSize: 16 << 10})
	if len(out.Manifest.Files) != 6 {
		t.Errorf("%d files, want one per record", len(out.Manifest.Files))
	}
	// readOutput checked that each input's last part, and it alone, is
	// marked Last.
}

// TestRoundTrip_attributeOrder: the writer guesses each attribute's column
// from where it stood in the last item; items that list their attributes
// in other orders, fewer of them, or at the same place with other names,
// at the top level and in maps, still land in their own columns.
func TestRoundTrip_attributeOrder(t *testing.T) {
	n := func(s string) codec.Value { return codec.N(s) }
	items := []codec.Item{
		{codec.S("1").Named("pk"), n("1").Named("a"), codec.S("x").Named("b"), codec.M(n("1").Named("p"), n("2").Named("q")).Named("m")},
		{codec.M(n("3").Named("q"), n("4").Named("p")).Named("m"), codec.S("2").Named("pk"), codec.S("y").Named("b"), n("2").Named("a")},
		{codec.S("3").Named("pk"), codec.S("z").Named("b")},
		{n("4").Named("a"), codec.S("4").Named("pk"), codec.M(n("5").Named("q")).Named("m")},
		{codec.S("5").Named("pk"), n("5").Named("a"), codec.S("w").Named("b"), codec.M(n("6").Named("p"), n("7").Named("q")).Named("m")},
	}
	_, out := roundTrip(t, split(fullRecords(items), 2), parquet.InferOptions{}, parquet.Options{})
	if len(out.Records) != len(items) {
		t.Errorf("%d records, want %d", len(out.Records), len(items))
	}
}

// TestWriter_fold: partitions written at once each take a file of their
// own. At Close, the files whose rows never reached a batch (only
// shredded, the file not yet begun) are gathered into one file, the one
// already begun if there is one: a small export gives one file, not one
// per worker that wrote some of it.
func TestWriter_fold(t *testing.T) {
	for _, c := range []struct {
		name  string
		files int
		opt   parquet.Options
		text  func(i, j int) string
	}{
		{"none begun", 1, parquet.Options{RowGroupSize: 64 << 10}, func(i, j int) string { return fmt.Sprintf("item %d.%d", i, j) }},
		{"one begun", 1, parquet.Options{RowGroupSize: 64 << 10}, func(i, j int) string {
			if i == 2 {
				return longString(j, 8<<10) // 40 KiB: more than a batch (16 KiB here)
			}
			return fmt.Sprintf("item %d.%d", i, j)
		}},
		// Files of 16 KiB: once the rows gathered fill one, the next
		// files not begun gather in another. Each input is 15 KiB, under
		// a batch: two make a file.
		{"full", 2, parquet.Options{RowGroupSize: 16 << 10, TargetFileSize: 16 << 10}, func(i, j int) string { return longString(10*i+j, 5<<10) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var inputs []input
			for i := range 4 {
				in := input{File: fmt.Sprintf("data/%d.json.gz", i)}
				for j := range 5 {
					s := c.text(i, j)
					if c.name == "full" && j >= 3 {
						continue
					}
					in.Records = append(in.Records, &codec.Record{Item: codec.Item{
						codec.S(fmt.Sprint(i, ".", j)).Named("pk"), codec.N(fmt.Sprint(j)).Named("n"), codec.S(s).Named("s"),
					}})
				}
				inputs = append(inputs, in)
			}
			ctx := context.Background()
			st := storetest.NewMem()
			opt := c.opt
			opt.Schema, opt.Prefix = infer(t, inputs, parquet.InferOptions{}), "out/"
			w, err := parquet.New(ctx, st, opt)
			if err != nil {
				t.Fatal(err)
			}
			// Every partition writes before any closes: each holds a file.
			var parts []*parquet.Partition
			for _, in := range inputs {
				p := w.Partition(ctx, in.File)
				for _, r := range in.Records {
					if err := p.Write(r); err != nil {
						t.Fatal(err)
					}
				}
				parts = append(parts, p)
			}
			for _, p := range parts {
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
			}
			m, err := w.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, in := range inputs {
				rows += len(in.Records)
			}
			if len(m.Files) != c.files || m.Rows != int64(rows) {
				t.Errorf("%d rows in %d files, want %d in %d", m.Rows, len(m.Files), rows, c.files)
			}
			out := readOutput(t, st, opt.Prefix)
			checkManifestEqual(t, m, out.Manifest)
			checkSame(t, inputs, out, nil)
		})
	}
}
