package parquet_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	pqgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// TestDictionary: string columns of few distinct values are
// dictionary-encoded, the others not, as the inferred schema says; and a
// schema file's choice is followed.
func TestDictionary(t *testing.T) {
	src, err := gen.NewSource(gen.Options{Items: 3000, Seed: 11, Shape: gen.ShapeTable})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*codec.Record
	for r := range src.Records() {
		recs = append(recs, r.Clone())
	}
	inputs := split(recs, 3)
	s := infer(t, inputs, parquet.InferOptions{})
	dict := map[string]bool{}
	walkTypes(s, func(path string, ty *parquet.Type) {
		if ty.Type == "S" {
			dict[path] = ty.Dictionary
		}
	})
	// status has six values; customer ids and notes are many.
	if !dict["status"] || dict["customer"] || dict["notes"] {
		t.Fatalf("dictionary choices: %v", dict)
	}
	// The items read back are the items written, dictionaries or not.
	roundTrip(t, inputs, parquet.InferOptions{}, parquet.Options{Schema: s})

	// The encodings in the files: read the column chunks' metadata.
	encodings := func(s *parquet.Schema) map[string]bool {
		t.Helper()
		st := storetest.NewMem()
		w, err := parquet.New(t.Context(), st, parquet.Options{Schema: s, Prefix: "out/"})
		if err != nil {
			t.Fatal(err)
		}
		m := writeAll(t, w, inputs, 1)
		got := map[string]bool{}
		for _, f := range m.Files {
			b := storetest.Get(t, st, "out/"+f.Path)
			pf, err := pqgo.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			for _, rg := range pf.Metadata().RowGroups {
				for _, cc := range rg.Columns {
					path := strings.Join(cc.MetaData.PathInSchema, ".")
					if slices.Contains(cc.MetaData.Encoding, format.RLEDictionary) || slices.Contains(cc.MetaData.Encoding, format.PlainDictionary) {
						got[path] = true
					}
				}
			}
		}
		return got
	}
	got := encodings(s)
	if !got["status"] || !got["address.city"] || got["customer"] || got["notes"] || got["payload"] {
		t.Errorf("dictionary-encoded columns: %v", got)
	}
	// A schema file that asks for a dictionary on customer gets it.
	for _, sl := range s.Attributes {
		if sl.Name == "customer" {
			sl.Types[0].Dictionary = true
		}
	}
	if got := encodings(s); !got["customer"] {
		t.Errorf("dictionary-encoded columns with customer asked for: %v", got)
	}
	// Only S types may ask.
	bad := *s
	bad.Attributes = slices.Clone(s.Attributes)
	for i, sl := range bad.Attributes {
		if sl.Name == "quantity" {
			c := *sl
			tc := *sl.Types[0]
			tc.Dictionary = true
			c.Types = []*parquet.Type{&tc}
			bad.Attributes[i] = &c
		}
	}
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "dictionary") {
		t.Errorf("Check of a dictionary on N: %v", err)
	}
}
