package codec_test

import (
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
)

func TestRecord_Op(t *testing.T) {
	keys := codec.Item{codec.S("1").Named("pk")}
	img := codec.Item{codec.S("1").Named("pk"), codec.N("2").Named("n")}
	tests := []struct {
		name     string
		r        codec.Record
		op       codec.Op
		opName   string
		isChange bool
	}{
		{"full", codec.Record{Item: img}, codec.OpNone, "", false},
		{"full empty item", codec.Record{Item: codec.Item{}}, codec.OpNone, "", false},
		{"zero record", codec.Record{}, codec.OpNone, "", false},
		{"insert", codec.Record{Keys: keys, NewImage: img}, codec.OpInsert, "INSERT", true},
		{"modify", codec.Record{Keys: keys, OldImage: img, NewImage: img}, codec.OpModify, "MODIFY", true},
		{"modify to empty image", codec.Record{Keys: keys, OldImage: img, NewImage: codec.Item{}}, codec.OpModify, "MODIFY", true},
		{"remove", codec.Record{Keys: keys, OldImage: img}, codec.OpRemove, "REMOVE", true},
		{"keys only (NEW_IMAGE delete)", codec.Record{Keys: keys}, codec.OpRemove, "REMOVE", true},
		{"empty keys", codec.Record{Keys: codec.Item{}, NewImage: img}, codec.OpInsert, "INSERT", true},
		{"item and keys", codec.Record{Item: img, Keys: keys}, codec.OpNone, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.IsChange(); got != tt.isChange {
				t.Errorf("IsChange() = %v, want %v", got, tt.isChange)
			}
			if got := tt.r.Op(); got != tt.op {
				t.Errorf("Op() = %v, want %v", got, tt.op)
			}
			if got := tt.r.Op().String(); got != tt.opName {
				t.Errorf("Op().String() = %q, want %q", got, tt.opName)
			}
		})
	}
}

func TestRecord_WriteTime(t *testing.T) {
	r := codec.Record{WriteTimestampMicros: 1768387654353205}
	want := time.Date(2026, 1, 14, 10, 47, 34, 353205000, time.UTC)
	if got := r.WriteTime(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("WriteTime() = %v, want %v", got, want)
	}
	if got := (&codec.Record{}).WriteTime(); !got.Equal(time.Unix(0, 0)) {
		t.Errorf("zero WriteTime() = %v", got)
	}
}

func TestRecord_Clone(t *testing.T) {
	r := &codec.Record{
		WriteTimestampMicros: 42,
		Keys:                 codec.Item{codec.S("1").Named("pk")},
		OldImage:             codec.Item{codec.S("1").Named("pk"), codec.SS("a").Named("s")},
		NewImage:             codec.Item{},
	}
	c := r.Clone()
	if c == r || c.WriteTimestampMicros != 42 || c.Item != nil || c.NewImage == nil || len(c.NewImage) != 0 ||
		!codec.ItemEqual(c.Keys, r.Keys) || !codec.ItemEqual(c.OldImage, r.OldImage) || c.Op() != codec.OpModify {
		t.Fatalf("Clone = %+v", c)
	}
	c.Keys[0].Str = "2"
	c.OldImage[1].Elems[0].Str = "b"
	if r.Keys[0].Str != "1" || r.OldImage[1].Elems[0].Str != "a" {
		t.Error("mutating the clone changed the original")
	}
	full := &codec.Record{Item: codec.Item{codec.N("1").Named("n")}}
	fc := full.Clone()
	if fc.Keys != nil || fc.OldImage != nil || fc.NewImage != nil || fc.IsChange() || !codec.ItemEqual(fc.Item, full.Item) {
		t.Errorf("Clone of a full record = %+v", fc)
	}
}

func TestKind_String(t *testing.T) {
	for k, want := range map[codec.Kind]string{codec.KindAny: "any", codec.KindFull: "full", codec.KindChange: "change"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}
