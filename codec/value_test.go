package codec_test

import (
	"errors"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

func TestType_String_ParseType(t *testing.T) {
	tests := []struct {
		typ   codec.Type
		name  string
		set   bool
		elemT codec.Type
	}{
		{codec.TypeS, "S", false, codec.TypeInvalid},
		{codec.TypeN, "N", false, codec.TypeInvalid},
		{codec.TypeB, "B", false, codec.TypeInvalid},
		{codec.TypeBOOL, "BOOL", false, codec.TypeInvalid},
		{codec.TypeNULL, "NULL", false, codec.TypeInvalid},
		{codec.TypeM, "M", false, codec.TypeInvalid},
		{codec.TypeL, "L", false, codec.TypeInvalid},
		{codec.TypeSS, "SS", true, codec.TypeS},
		{codec.TypeNS, "NS", true, codec.TypeN},
		{codec.TypeBS, "BS", true, codec.TypeB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.typ.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			got, ok := codec.ParseType(tt.name)
			if !ok || got != tt.typ {
				t.Errorf("ParseType(%q) = %v, %v; want %v, true", tt.name, got, ok, tt.typ)
			}
			if got := tt.typ.IsSet(); got != tt.set {
				t.Errorf("IsSet() = %v, want %v", got, tt.set)
			}
			if got := tt.typ.ElemType(); got != tt.elemT {
				t.Errorf("ElemType() = %v, want %v", got, tt.elemT)
			}
		})
	}
	for _, s := range []string{"", "s", "ss", "Bool", "null", "X", "S ", "invalid"} {
		if got, ok := codec.ParseType(s); ok || got != codec.TypeInvalid {
			t.Errorf("ParseType(%q) = %v, %v; want invalid, false", s, got, ok)
		}
	}
	if got := codec.TypeInvalid.String(); got != "invalid" {
		t.Errorf("TypeInvalid.String() = %q", got)
	}
	if got := codec.Type(42).String(); got != "Type(42)" {
		t.Errorf("Type(42).String() = %q", got)
	}
}

func TestConstructors(t *testing.T) {
	raw := []byte{0, 1, 0xff}
	b := codec.B(raw)
	raw[0] = 9 // B copies
	if b.Type != codec.TypeB || b.Str != "\x00\x01\xff" {
		t.Errorf("B = %#v", b)
	}
	got := b.Bytes()
	got[0] = 7 // Bytes copies
	if b.Str[0] != 0 {
		t.Error("Bytes shares memory with the value")
	}
	checks := []struct {
		v    codec.Value
		want codec.Value
	}{
		{codec.S("x"), codec.Value{Type: codec.TypeS, Str: "x"}},
		{codec.N("1.5"), codec.Value{Type: codec.TypeN, Str: "1.5"}},
		{codec.Bool(true), codec.Value{Type: codec.TypeBOOL, Bool: true}},
		{codec.Null(), codec.Value{Type: codec.TypeNULL}},
		{codec.S("x").Named("a"), codec.Value{Type: codec.TypeS, Str: "x", Name: "a"}},
	}
	for _, c := range checks {
		if c.v.Type != c.want.Type || c.v.Str != c.want.Str || c.v.Bool != c.want.Bool || c.v.Name != c.want.Name || c.v.Elems != nil {
			t.Errorf("got %#v, want %#v", c.v, c.want)
		}
	}
	for _, set := range []struct {
		v    codec.Value
		typ  codec.Type
		elem codec.Type
	}{
		{codec.SS("a", "b"), codec.TypeSS, codec.TypeS},
		{codec.NS("1", "2"), codec.TypeNS, codec.TypeN},
		{codec.BS([]byte("a"), []byte("b")), codec.TypeBS, codec.TypeB},
	} {
		if set.v.Type != set.typ || len(set.v.Elems) != 2 {
			t.Errorf("%v: got %#v", set.typ, set.v)
			continue
		}
		for _, e := range set.v.Elems {
			if e.Type != set.elem {
				t.Errorf("%v element of type %v", set.typ, e.Type)
			}
		}
		if err := codec.Validate(set.v); err != nil {
			t.Errorf("Validate(%v) = %v", set.v, err)
		}
	}
	m := codec.M(codec.S("x").Named("a"), codec.N("1").Named("b"))
	if v, ok := m.Get("b"); !ok || v.Str != "1" {
		t.Errorf("M.Get(b) = %v, %v", v, ok)
	}
	if _, ok := m.Get("c"); ok {
		t.Error("M.Get(c) found a member")
	}
	if _, ok := codec.L(codec.S("a").Named("a")).Get("a"); ok {
		t.Error("Get on an L found a member")
	}
	l := codec.L(codec.S("a"), codec.N("1"))
	if l.Type != codec.TypeL || len(l.Elems) != 2 {
		t.Errorf("L = %#v", l)
	}
}

func TestValue_String(t *testing.T) {
	v := codec.M(
		codec.S("x\"").Named("s"),
		codec.N("1.5").Named("n"),
		codec.B([]byte{0xab}).Named("b"),
		codec.Bool(true).Named("t"),
		codec.Null().Named("z"),
		codec.L(codec.SS("a"), codec.NS("2")).Named("l"),
	)
	want := `{M:["s":{S:"x\""},"n":{N:1.5},"b":{B:ab},"t":{BOOL:true},"z":{NULL},"l":{L:[{SS:[{S:"a"}]},{NS:[{N:2}]}]}]}`
	if got := v.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestEqual(t *testing.T) {
	S, N, M, L := codec.S, codec.N, codec.M, codec.L
	B := func(s string) codec.Value { return codec.B([]byte(s)) }
	bs := func(s ...string) codec.Value {
		v := codec.Value{Type: codec.TypeBS}
		for _, e := range s {
			v.Elems = append(v.Elems, B(e))
		}
		return v
	}
	tests := []struct {
		name string
		a, b codec.Value
		want bool
	}{
		{"S", S("a"), S("a"), true},
		{"S differs", S("a"), S("b"), false},
		{"S empty", S(""), S(""), true},
		{"N by value", N("1"), N("1.0"), true},
		{"N exponent", N("600"), N("6E2"), true},
		{"N negative zero", N("-0"), N("0"), true},
		{"N differs", N("1"), N("2"), false},
		{"N sign", N("1"), N("-1"), false},
		{"B", B("\x00\x01"), B("\x00\x01"), true},
		{"B differs", B("\x00\x01"), B("\x00\x02"), false},
		{"B empty", B(""), codec.B(nil), true},
		{"BOOL", codec.Bool(true), codec.Bool(true), true},
		{"BOOL differs", codec.Bool(true), codec.Bool(false), false},
		{"NULL", codec.Null(), codec.Null(), true},
		{"type mismatch S/N", S("1"), N("1"), false},
		{"type mismatch S/B", S("a"), B("a"), false},
		{"type mismatch SS/L", codec.SS("a"), L(S("a")), false},
		{"type mismatch M/L", M(), L(), false},
		{"invalid types", codec.Value{}, codec.Value{}, false},
		{"own names ignored", S("a").Named("x"), S("a").Named("y"), true},
		{"SS order", codec.SS("a", "b", "c"), codec.SS("c", "a", "b"), true},
		{"SS differs", codec.SS("a", "b"), codec.SS("a", "c"), false},
		{"SS size", codec.SS("a", "b"), codec.SS("a"), false},
		{"SS duplicates", codec.SS("a", "a"), codec.SS("a", "b"), false},
		{"SS duplicates reversed", codec.SS("a", "b"), codec.SS("a", "a"), false},
		{"NS by value", codec.NS("1", "2.50"), codec.NS("2.5", "1.0"), true},
		{"NS differs", codec.NS("1", "2"), codec.NS("1", "3"), false},
		{"BS order", bs("x", "y"), bs("y", "x"), true},
		{"BS differs", bs("x", "y"), bs("y", "z"), false},
		{"M order", M(S("1").Named("a"), N("2").Named("b")), M(N("2.0").Named("b"), S("1").Named("a")), true},
		{"M value", M(S("1").Named("a")), M(S("2").Named("a")), false},
		{"M name", M(S("1").Named("a")), M(S("1").Named("b")), false},
		{"M size", M(S("1").Named("a")), M(S("1").Named("a"), S("1").Named("b")), false},
		{"M empty", M(), M(), true},
		{"M repeated name", M(S("1").Named("a"), S("1").Named("a")), M(S("1").Named("a"), S("1").Named("b")), false},
		{"L", L(S("a"), N("1")), L(S("a"), N("1.0")), true},
		{"L order", L(S("a"), S("b")), L(S("b"), S("a")), false},
		{"L size", L(S("a")), L(S("a"), S("a")), false},
		{"L empty", L(), L(), true},
		{"nested", M(L(M(codec.NS("1", "2").Named("s")).Named("x")).Named("l")),
			M(L(M(codec.NS("2", "1.0").Named("s")).Named("x")).Named("l")), true},
		{"nested differs", M(L(M(codec.NS("1", "2").Named("s"))).Named("l")),
			M(L(M(codec.NS("1", "3").Named("s"))).Named("l")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codec.Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := codec.Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestItemEqual(t *testing.T) {
	a := codec.Item{codec.S("k").Named("pk"), codec.N("10").Named("n"), codec.SS("x", "y").Named("s")}
	b := codec.Item{codec.SS("y", "x").Named("s"), codec.N("1E1").Named("n"), codec.S("k").Named("pk")}
	if !codec.ItemEqual(a, b) || !codec.ItemEqual(b, a) {
		t.Error("ItemEqual: attribute order or number form matters")
	}
	if !codec.ItemEqual(nil, codec.Item{}) {
		t.Error("ItemEqual(nil, empty) = false")
	}
	c := a.Clone()
	c[1] = codec.N("11").Named("n")
	if codec.ItemEqual(a, c) {
		t.Error("ItemEqual: a different value is equal")
	}
	if codec.ItemEqual(a, a[:2]) {
		t.Error("ItemEqual: a missing attribute is equal")
	}
	d := a.Clone()
	d[2].Name = "t"
	if codec.ItemEqual(a, d) {
		t.Error("ItemEqual: a renamed attribute is equal")
	}
}

func TestValidate(t *testing.T) {
	S, N := codec.S, codec.N
	valid := []codec.Value{
		S(""), S("héllo"), N("1.5"), N("-0"), codec.B(nil), codec.Bool(false), codec.Null(),
		codec.M(), codec.L(), codec.SS("a", "b"), codec.NS("1", "2"), codec.BS([]byte("a"), []byte("b")),
		codec.M(codec.L(codec.M(S("x").Named("y")).Named("z")).Named("l")),
		codec.L(codec.L(), codec.M()),
	}
	for _, v := range valid {
		if err := codec.Validate(v); err != nil {
			t.Errorf("Validate(%v) = %v", v, err)
		}
	}
	tests := []struct {
		name   string
		v      codec.Value
		want   error
		reason string
	}{
		{"unknown type", codec.Value{}, codec.ErrUnknownType, "unknown_type"},
		{"type out of range", codec.Value{Type: 42}, codec.ErrUnknownType, "unknown_type"},
		{"invalid UTF-8 in S", S("a\xffb"), codec.ErrUTF8, "invalid_utf8"},
		{"bad N", N("1e"), codec.ErrNumber, "bad_number"},
		{"N too big", N("1E126"), codec.ErrNumber, "bad_number"},
		{"empty SS", codec.SS(), codec.ErrEmptySet, "empty_set"},
		{"empty NS", codec.Value{Type: codec.TypeNS}, codec.ErrEmptySet, "empty_set"},
		{"empty BS", codec.BS(), codec.ErrEmptySet, "empty_set"},
		{"duplicate in SS", codec.SS("a", "b", "a"), codec.ErrDuplicateInSet, "duplicate_in_set"},
		{"duplicate in NS by value", codec.NS("1", "1.0"), codec.ErrDuplicateInSet, "duplicate_in_set"},
		{"duplicate in BS", codec.BS([]byte("x"), []byte("x")), codec.ErrDuplicateInSet, "duplicate_in_set"},
		{"wrong element type in SS", codec.Value{Type: codec.TypeSS, Elems: []codec.Value{N("1")}}, codec.ErrValue, "bad_value"},
		{"wrong element type in NS", codec.Value{Type: codec.TypeNS, Elems: []codec.Value{S("1")}}, codec.ErrValue, "bad_value"},
		{"wrong element type in BS", codec.Value{Type: codec.TypeBS, Elems: []codec.Value{S("1")}}, codec.ErrValue, "bad_value"},
		{"bad N in NS", codec.NS("1", "x"), codec.ErrNumber, "bad_number"},
		{"invalid UTF-8 in SS", codec.SS("\xc3"), codec.ErrUTF8, "invalid_utf8"},
		{"invalid UTF-8 in a name", codec.M(S("x").Named("a\xff")), codec.ErrUTF8, "invalid_utf8"},
		{"duplicate names", codec.M(S("x").Named("a"), N("1").Named("a")), codec.ErrDuplicateName, "duplicate_attribute"},
		{"nested in L", codec.L(S("ok"), codec.SS()), codec.ErrEmptySet, "empty_set"},
		{"nested in M", codec.M(codec.L(N("x")).Named("l")), codec.ErrNumber, "bad_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := codec.Validate(tt.v)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%v) = %v, want %v", tt.v, err, tt.want)
			}
			if got := codec.Reason(err); got != tt.reason {
				t.Errorf("Reason = %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestValidateItem(t *testing.T) {
	good := codec.Item{codec.S("k").Named("pk"), codec.NS("1", "2").Named("n")}
	if err := codec.ValidateItem(good); err != nil {
		t.Errorf("ValidateItem = %v", err)
	}
	if err := codec.ValidateItem(nil); err != nil {
		t.Errorf("ValidateItem(nil) = %v", err)
	}
	tests := []struct {
		name string
		it   codec.Item
		want error
	}{
		{"duplicate names", codec.Item{codec.S("a").Named("x"), codec.S("b").Named("y"), codec.S("c").Named("x")}, codec.ErrDuplicateName},
		{"invalid UTF-8 name", codec.Item{codec.S("a").Named("\xfe")}, codec.ErrUTF8},
		{"bad value", codec.Item{codec.S("a").Named("x"), codec.NS("1", "01").Named("y")}, codec.ErrDuplicateInSet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := codec.ValidateItem(tt.it); !errors.Is(err, tt.want) {
				t.Errorf("ValidateItem = %v, want %v", err, tt.want)
			}
		})
	}
	err := codec.ValidateItem(codec.Item{codec.S("a").Named("x"), codec.S("b").Named("x")})
	if got, want := err.Error(), `duplicate attribute name: "x"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestValue_Clone(t *testing.T) {
	orig := codec.M(
		codec.L(codec.S("a"), codec.M(codec.N("1").Named("n")).Named("inner")).Named("l"),
		codec.SS("x", "y").Named("s"),
		codec.B([]byte("raw")).Named("b"),
	).Named("m")
	want := orig.String()
	c := orig.Clone()
	if !codec.Equal(orig, c) || c.Name != "m" || c.String() != want {
		t.Fatalf("Clone = %v, want %v", c, orig)
	}
	// Mutate every level of the clone.
	c.Elems[0].Elems[0] = codec.S("changed")
	c.Elems[0].Elems[1].Elems[0].Str = "2"
	c.Elems[1].Elems[1].Str = "z"
	c.Elems[2].Name = "renamed"
	c.Elems = append(c.Elems, codec.Null().Named("new"))
	if got := orig.String(); got != want {
		t.Errorf("mutating the clone changed the original:\n got %s\nwant %s", got, want)
	}
	if v := codec.S("x").Clone(); v.Elems != nil {
		t.Error("Clone of a scalar allocated Elems")
	}
	if v := codec.L().Clone(); v.Elems != nil {
		t.Error("Clone of L() allocated Elems")
	}
	if v := (codec.Value{Type: codec.TypeL, Elems: []codec.Value{}}).Clone(); v.Elems == nil {
		t.Error("Clone of an empty non-nil list is nil")
	}
}

func TestItem_Clone(t *testing.T) {
	if codec.Item(nil).Clone() != nil {
		t.Error("Clone(nil) != nil")
	}
	if c := (codec.Item{}).Clone(); c == nil || len(c) != 0 {
		t.Errorf("Clone(empty) = %#v", c)
	}
	it := codec.Item{codec.SS("a").Named("s")}
	c := it.Clone()
	c[0].Elems[0].Str = "b"
	c[0].Name = "t"
	if it[0].Elems[0].Str != "a" || it[0].Name != "s" {
		t.Error("mutating the clone changed the original")
	}
	if v, ok := it.Get("s"); !ok || v.Type != codec.TypeSS {
		t.Errorf("Get(s) = %v, %v", v, ok)
	}
	if _, ok := it.Get("t"); ok {
		t.Error("Get(t) found an attribute")
	}
}

func TestValidateItem_emptyName(t *testing.T) {
	err := codec.ValidateItem(codec.Item{codec.S("x").Named("")})
	if !errors.Is(err, codec.ErrValue) {
		t.Errorf("empty name: %v, want ErrValue", err)
	}
	if err := codec.Validate(codec.M(codec.S("x").Named(""))); !errors.Is(err, codec.ErrValue) {
		t.Errorf("empty member name: %v, want ErrValue", err)
	}
}
