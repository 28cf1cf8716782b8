package parquet_test

import (
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
)

// TestSchema_warnings: names that differ only in case, at the top level or
// in a map, are warned about; distinct names are not.
func TestSchema_warnings(t *testing.T) {
	items := []codec.Item{
		{codec.S("1").Named("pk"), codec.S("x").Named("Name"), codec.M(codec.N("1").Named("a"), codec.N("2").Named("A")).Named("m")},
		{codec.S("2").Named("pk"), codec.S("y").Named("name"), codec.L(codec.M(codec.S("v").Named("Key"), codec.S("w").Named("kEY"))).Named("l")},
	}
	s := infer(t, split(fullRecords(items), 1), parquet.InferOptions{})
	w := strings.Join(s.Warnings(), "\n")
	for _, want := range []string{`the top level has attributes "Name" and "name"`, `m has attributes "A" and "a"`, `l[] has attributes "Key" and "kEY"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if n := len(s.Warnings()); n != 3 {
		t.Errorf("%d warnings, want 3:\n%s", n, w)
	}
	// They are still written and read back, each in its own column.
	roundTrip(t, split(fullRecords(items), 1), parquet.InferOptions{}, parquet.Options{Schema: s})
	clean := infer(t, split(fullRecords(items[:1:1]), 1), parquet.InferOptions{})
	clean.Attributes = clean.Attributes[:1]
	if w := clean.Warnings(); len(w) != 0 {
		t.Errorf("warnings of a clean schema: %v", w)
	}
}
