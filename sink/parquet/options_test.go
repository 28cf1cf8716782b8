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

func TestRoundTrip_mixedJSON(t *testing.T) {
	inputs := split(fullRecords(typesItems()), 4)
	s, out := roundTrip(t, inputs, parquet.InferOptions{Mixed: parquet.MixedJSON}, smallFiles)
	for _, name := range []string{"mixed", "maybe"} {
		if got := describe(slotOf(t, s, name)); got != "json" {
			t.Errorf("%s: %s, want json", name, got)
		}
	}
	if el := slotOf(t, s, "l_mixed").Types[0].Element; el.As != parquet.AsJSON {
		t.Errorf("l_mixed elements: %s, want json", describe(el))
	}
	// One type: still typed columns.
	for _, name := range []string{"s", "n_int", "m", "ss", "null_or_missing"} {
		if slotOf(t, s, name).As != "" {
			t.Errorf("%s: json, want typed", name)
		}
	}
	if len(out.Records) != len(typesItems()) {
		t.Errorf("%d records", len(out.Records))
	}
}

// TestRoundTrip_maxFields writes maps used as dictionaries: more distinct
// fields than MaxFields make DynamoDB JSON, at the top level and nested.
func TestRoundTrip_maxFields(t *testing.T) {
	var items []codec.Item
	for i := range 50 {
		dict := codec.M(codec.N(fmt.Sprint(i)).Named(fmt.Sprint("user", i)), codec.S("x").Named(fmt.Sprint("k", i%3)))
		items = append(items, codec.Item{
			codec.N(fmt.Sprint(i)).Named("id"),
			dict.Named("dict"),
			codec.M(dict.Named("inner"), codec.S("v").Named("plain")).Named("outer"),
			codec.M(codec.S("a").Named("f1"), codec.S("b").Named(fmt.Sprint("f", 2+i%5))).Named("small"),
		})
	}
	s, _ := roundTrip(t, split(fullRecords(items), 3), parquet.InferOptions{MaxFields: 10}, smallFiles)
	if got := describe(slotOf(t, s, "dict")); got != "json" {
		t.Errorf("dict: %s, want json", got)
	}
	outer := slotOf(t, s, "outer").Types[0].Fields
	if len(outer) != 2 || outer[0].Name != "inner" || outer[0].As != parquet.AsJSON || describe(outer[1]) != "S" {
		t.Errorf("outer: %+v", outer)
	}
	if f := slotOf(t, s, "small").Types[0].Fields; len(f) != 6 {
		t.Errorf("small: %d fields, want 6", len(f))
	}
	// MaxColumns bounds the top level: no schema.
	in := parquet.NewInferrer(parquet.InferOptions{MaxColumns: 3})
	for _, it := range items {
		in.Add(&codec.Record{Item: it})
	}
	if _, err := in.Schema(); err == nil || !strings.Contains(err.Error(), "too many columns") {
		t.Errorf("MaxColumns 3 with 4 attributes: %v", err)
	}
}

// TestRoundTrip_keys checks that key columns come first, in the order
// given, and that a key no item has is an error.
func TestRoundTrip_keys(t *testing.T) {
	var items []codec.Item
	for i := range 30 {
		items = append(items, codec.Item{
			codec.S("x").Named("aaa"),
			codec.N(fmt.Sprint(i)).Named("sk"),
			codec.S(fmt.Sprint("p", i%4)).Named("pk"),
			codec.Bool(true).Named("zzz"),
		})
	}
	s, out := roundTrip(t, split(fullRecords(items), 2), parquet.InferOptions{Keys: []string{"pk", "sk"}}, smallFiles)
	var names []string
	for _, sl := range slices.Concat(s.Keys, s.Attributes) {
		names = append(names, sl.Name)
	}
	if want := []string{"pk", "sk", "aaa", "zzz"}; !slices.Equal(names, want) {
		t.Errorf("columns %q, want %q", names, want)
	}
	// readParquet checked the file's columns against the schema.
	if len(out.Records) != 30 {
		t.Errorf("%d records", len(out.Records))
	}
	in := parquet.NewInferrer(parquet.InferOptions{Keys: []string{"nope"}})
	in.Add(&codec.Record{Item: items[0]})
	if _, err := in.Schema(); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestInferOptions_bad(t *testing.T) {
	for _, opt := range []parquet.InferOptions{{Numbers: "float"}, {Mixed: "struct"}} {
		in := parquet.NewInferrer(opt)
		if _, err := in.Schema(); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
	in := parquet.NewInferrer(parquet.InferOptions{})
	in.Add(&codec.Record{Item: codec.Item{codec.S("a").Named("a")}})
	in.Add(&codec.Record{Keys: codec.Item{codec.S("a").Named("a")}, NewImage: codec.Item{}})
	if _, err := in.Schema(); err == nil || !strings.Contains(err.Error(), "mixes full and incremental") {
		t.Errorf("mixed kinds: %v", err)
	}
}

// TestCompression: every codec, at the levels it has, writes files that
// read back (with parquet-go); a level a codec does not have is refused
// before anything is written, never a panic in the encoder.
func TestCompression(t *testing.T) {
	items := []codec.Item{{codec.S("1").Named("pk"), codec.S(strings.Repeat("abc", 1000)).Named("v")}}
	for _, c := range []struct {
		name   string
		levels []int
	}{
		{"zstd", []int{0, 1, 3, 19, -5}},
		{"gzip", []int{0, 1, 9}},
		{"snappy", []int{0}},
		{"lz4", []int{0}},
		{"none", []int{0}},
	} {
		for _, level := range c.levels {
			t.Run(fmt.Sprint(c.name, level), func(t *testing.T) {
				roundTrip(t, split(fullRecords(items), 1), parquet.InferOptions{}, parquet.Options{Compression: c.name, CompressionLevel: level})
			})
		}
	}
	s := infer(t, split(fullRecords(items), 1), parquet.InferOptions{})
	for _, c := range []struct {
		name  string
		level int
		want  string
	}{
		{"zstd", 23, "zstd has levels 1 to 22"},
		{"zstd", -1<<17 - 1, "zstd has levels 1 to 22"},
		{"gzip", 10, "gzip has levels 1 to 9"},
		{"gzip", -1, "gzip has levels 1 to 9"},
		{"snappy", 1, "snappy has no levels"},
		{"LZ4", 3, "lz4 has no levels"},
		{"none", 1, "none has no levels"},
		{"brotli", 0, `compression "brotli": want zstd, snappy, lz4, gzip or none`},
	} {
		err := parquet.CheckCompression(c.name, c.level)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckCompression(%s, %d) = %v, want %q", c.name, c.level, err, c.want)
		}
		st := storetest.NewMem()
		if _, err := parquet.New(context.Background(), st, parquet.Options{Schema: s, Compression: c.name, CompressionLevel: c.level}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New with %s level %d: %v, want %q", c.name, c.level, err, c.want)
		}
	}
}
