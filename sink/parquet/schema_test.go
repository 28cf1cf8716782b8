package parquet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestSchema_jsonRoundTrip(t *testing.T) {
	for _, items := range [][]codec.Item{typesItems(), numberItems()} {
		s := infer(t, split(fullRecords(items), 2), parquet.InferOptions{Keys: []string{"id"}})
		var b bytes.Buffer
		if err := s.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		r, err := parquet.ReadSchema(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%v\n%s", err, b.Bytes())
		}
		if !reflect.DeepEqual(r, s) || !r.Equal(s) {
			t.Errorf("read back differs:\n%s", b.Bytes())
		}
		// The compact form of the files' metadata reads back too, equal
		// but for the counts.
		c, err := parquet.ReadSchema(bytes.NewReader(s.MarshalCompact()))
		if err != nil || !c.Equal(s) || c.Items != 0 {
			t.Errorf("compact form: %v", err)
		}
	}
}

func TestReadSchema_errors(t *testing.T) {
	const head = `{"schema":"ddbexport.parquet-schema/v1","kind":"full","attributes":`
	for _, c := range []struct {
		name, text string
		want       []string // in the message
	}{
		{"not JSON", `{`, []string{"schema:"}},
		{"two values", head + `[]} {}`, []string{"more than one JSON value"}},
		{"unknown field", head + `[], "extra": 1}`, []string{"unknown field", "extra"}},
		{"unknown field in a slot", head + `[{"name":"a","typ":[]}]}`, []string{"unknown field", "typ"}},
		{"version", `{"schema":"v2","kind":"full","attributes":[]}`, []string{`"v2"`, "ddbexport.parquet-schema/v1"}},
		{"kind", `{"schema":"ddbexport.parquet-schema/v1","kind":"delta","attributes":[]}`, []string{`"delta"`}},
		{"unknown type", head + `[{"name":"a","types":[{"type":"X"}]}]}`, []string{"a:", `unknown type "X"`}},
		{"lower-case type", head + `[{"name":"a","types":[{"type":"s"}]}]}`, []string{`unknown type "s"`}},
		{"N without number", head + `[{"name":"price","types":[{"type":"N"}]}]}`, []string{"price", "needs a \"number\""}},
		{"NS without number", head + `[{"name":"a","types":[{"type":"NS"}]}]}`, []string{"NS", "number"}},
		{"S with number", head + `[{"name":"a","types":[{"type":"S","number":"int64"}]}]}`, []string{"takes no \"number\""}},
		{"bad number", head + `[{"name":"a","types":[{"type":"N","number":"float"}]}]}`, []string{`"float"`, "decimal(38,S)"}},
		{"scale 39", head + `[{"name":"a","types":[{"type":"N","number":"decimal(38,39)"}]}]}`, []string{"decimal(38,39)"}},
		{"scale -1", head + `[{"name":"a","types":[{"type":"N","number":"decimal(38,-1)"}]}]}`, []string{"decimal(38,-1)"}},
		{"scale 01", head + `[{"name":"a","types":[{"type":"N","number":"decimal(38,01)"}]}]}`, []string{"decimal(38,01)"}},
		{"precision 10", head + `[{"name":"a","types":[{"type":"N","number":"decimal(10,2)"}]}]}`, []string{"decimal(10,2)"}},
		{"M without fields", head + `[{"name":"m","types":[{"type":"M"}]}]}`, []string{"m:", "needs at least one field", `"as": "json"`}},
		{"L without element", head + `[{"name":"l","types":[{"type":"L"}]}]}`, []string{"l:", "element"}},
		{"element on S", head + `[{"name":"a","types":[{"type":"S","element":{}}]}]}`, []string{"takes no \"element\""}},
		{"fields on S", head + `[{"name":"a","types":[{"type":"S","fields":[{"name":"x"}]}]}]}`, []string{"takes no \"fields\""}},
		{"duplicate attribute", head + `[{"name":"a","types":[{"type":"S"}]},{"name":"a","types":[{"type":"N","number":"int64"}]}]}`, []string{`"a" appears twice`}},
		{"key and attribute", `{"schema":"ddbexport.parquet-schema/v1","kind":"full","keys":[{"name":"a","types":[{"type":"S"}]}],"attributes":[{"name":"a","types":[{"type":"S"}]}]}`, []string{`"a" appears twice`}},
		{"duplicate field", head + `[{"name":"m","types":[{"type":"M","fields":[{"name":"f"},{"name":"f"}]}]}]}`, []string{"m:", `field "f" appears twice`}},
		{"duplicate type", head + `[{"name":"a","types":[{"type":"S"},{"type":"S"}]}]}`, []string{"type S appears twice"}},
		{"nameless attribute", head + `[{"types":[{"type":"S"}]}]}`, []string{"no name"}},
		{"nameless field", head + `[{"name":"m","types":[{"type":"M","fields":[{"types":[{"type":"S"}]}]}]}]}`, []string{"no name"}},
		{"json with types", head + `[{"name":"a","as":"json","types":[{"type":"S"}]}]}`, []string{"takes no types"}},
		{"as xml", head + `[{"name":"a","as":"xml"}]}`, []string{`"xml"`}},
		{"null attribute", head + `[null]}`, []string{"null"}},
		{"nested error path", head + `[{"name":"a","types":[{"type":"L","element":{"types":[{"type":"M","fields":[{"name":"b","types":[{"type":"N"}]}]}]}}]}]}`, []string{"a[].b", "number"}},
		{"incremental key named op", `{"schema":"ddbexport.parquet-schema/v1","kind":"incremental","keys":[{"name":"op","types":[{"type":"S"}]}],"attributes":[]}`, []string{`"op"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parquet.ReadSchema(strings.NewReader(c.text))
			if err == nil {
				t.Fatalf("no error for %s", c.text)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestSchema_edited writes items with a schema a user changed: an int64
// column made a string, a decimal made wider, a map made JSON, a string
// made a mixed slot, a slot made JSON, numbers made doubles. The test
// reader checks each column's physical and logical type against the
// schema, and the items come back equal.
func TestSchema_edited(t *testing.T) {
	items := typesItems()
	inputs := split(fullRecords(items), 3)
	s := infer(t, inputs, parquet.InferOptions{})
	var b bytes.Buffer
	s.WriteJSON(&b)
	text := b.String()
	edit := func(old, new string) {
		t.Helper()
		if !strings.Contains(text, old) {
			t.Fatalf("schema has no %s", old)
		}
		text = strings.Replace(text, old, new, 1)
	}
	compact := func(sl *parquet.Slot) string {
		c := &parquet.Schema{Version: parquet.SchemaVersion, Kind: parquet.KindFull, Attributes: []*parquet.Slot{sl}}
		j := string(c.MarshalCompact())
		return j[strings.Index(j, `"attributes":[`)+len(`"attributes":[`) : len(j)-2]
	}
	// Rewrite the compact schema, where each slot is on one line of
	// JSON, by slot.
	s.Items = 0
	text = string(s.MarshalCompact())
	edit(compact(slotOf(t, s, "n_int")), `{"name":"n_int","types":[{"type":"N","number":"string"}]}`)
	edit(compact(slotOf(t, s, "n_dec")), `{"name":"n_dec","types":[{"type":"N","number":"decimal(38,10)"}]}`)
	edit(compact(slotOf(t, s, "m")), `{"name":"m","as":"json"}`)
	edit(compact(slotOf(t, s, "s")), `{"name":"s","types":[{"type":"S"},{"type":"N","number":"int64"}]}`)
	edit(compact(slotOf(t, s, "ns")), `{"name":"ns","types":[{"type":"NS","number":"double"}]}`)
	edited, err := parquet.ReadSchema(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	_, out := roundTrip(t, inputs, parquet.InferOptions{}, parquet.Options{Schema: edited, TargetFileSize: 64 << 10, RowGroupSize: 16 << 10})
	if !out.Schema.Equal(edited) {
		t.Error("_schema.json is not the schema given")
	}
	// The double column holds the set's numbers rounded; the rest exact.
	// roundTrip compared with doubles in mind; check that the others are
	// exact too.
	got := byInput(t, out)
	for _, in := range inputs {
		for i, r := range in.Records {
			w := slicesDeleteNamed(r.Item, "ns")
			g := slicesDeleteNamed(got[in.File][i].Item, "ns")
			if !codec.ItemEqual(w, g) {
				t.Fatalf("%s record %d differs", in.File, i)
			}
		}
	}
}

func slicesDeleteNamed(it codec.Item, name string) codec.Item {
	var out codec.Item
	for _, v := range it {
		if v.Name != name {
			out = append(out, v)
		}
	}
	return out
}

// mismatchSchema is the schema the mismatch tests write with.
func mismatchSchema(t *testing.T) *parquet.Schema {
	t.Helper()
	good := codec.Item{
		codec.S("k").Named("id"),
		codec.N("1").Named("n"),
		codec.N("1.25").Named("d"),
		codec.M(codec.L(codec.N("1"), codec.N("2"), codec.N("3")).Named("b"), codec.S("x").Named("c")).Named("a"),
		codec.NS("1", "2").Named("ns"),
		codec.L().Named("empty"),
	}
	return infer(t, []input{{Records: fullRecords([]codec.Item{good})}}, parquet.InferOptions{})
}

func goodItem(i int) codec.Item {
	return codec.Item{
		codec.S(fmt.Sprint("k", i)).Named("id"),
		codec.N(fmt.Sprint(i)).Named("n"),
		codec.N("-3.5").Named("d"),
		codec.M(codec.L(codec.N("9")).Named("b")).Named("a"),
	}
}

func TestWriter_mismatch(t *testing.T) {
	s := mismatchSchema(t)
	bad := []struct {
		name         string
		item         codec.Item
		path, reason string
	}{
		{"unknown attribute", codec.Item{codec.S("k").Named("id"), codec.S("?").Named("zzz")}, "Item.zzz", "unknown_attribute"},
		{"unknown field", codec.Item{codec.M(codec.S("?").Named("q")).Named("a")}, "Item.a.q", "unknown_attribute"},
		{"wrong type", codec.Item{codec.N("1").Named("id")}, "Item.id", "unexpected_type"},
		{"wrong element type", codec.Item{codec.M(codec.L(codec.N("1"), codec.N("2"), codec.S("3")).Named("b")).Named("a")}, "Item.a.b[2]", "unexpected_type"},
		{"element in an always empty list", codec.Item{codec.L(codec.S("x")).Named("empty")}, "Item.empty[0]", "unexpected_type"},
		{"fraction in int64", codec.Item{codec.N("1.5").Named("n")}, "Item.n", "number_out_of_column"},
		{"int64 overflow", codec.Item{codec.N("9223372036854775808").Named("n")}, "Item.n", "number_out_of_column"},
		{"scale too small", codec.Item{codec.N("1.125").Named("d")}, "Item.d", "number_out_of_column"},
		{"decimal overflow", codec.Item{codec.N("1E+37").Named("d")}, "Item.d", "number_out_of_column"},
		{"set element", codec.Item{codec.NS("1", "0.5").Named("ns")}, "Item.ns[1]", "number_out_of_column"},
		// Decoders reject these; an item made in Go may have them.
		{"duplicate attribute", codec.Item{codec.S("k").Named("id"), codec.N("1").Named("n"), codec.S("k").Named("id")}, "Item.id", "duplicate_attribute"},
		{"duplicate field", codec.Item{codec.M(codec.L().Named("b"), codec.L().Named("b")).Named("a")}, "Item.a.b", "duplicate_attribute"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.NewMem()
			w, err := parquet.New(ctx, st, parquet.Options{Schema: s, Prefix: "out/"})
			if err != nil {
				t.Fatal(err)
			}
			p1 := w.Partition(ctx, "data/1.json.gz")
			p2 := w.Partition(ctx, "data/2.json.gz")
			for i := range 5 {
				if err := p1.Write(&codec.Record{Item: goodItem(i)}); err != nil {
					t.Fatal(err)
				}
				if err := p2.Write(&codec.Record{Item: goodItem(100 + i)}); err != nil {
					t.Fatal(err)
				}
			}
			checkReject(t, p1.Write(&codec.Record{Item: c.item}), c.path, c.reason)
			// Later records are still checked, in every partition, and
			// good ones pass.
			for i := range 3000 {
				if err := p1.Write(&codec.Record{Item: goodItem(i)}); err != nil {
					t.Fatalf("good record after a mismatch: %v", err)
				}
				if err := p2.Write(&codec.Record{Item: goodItem(i)}); err != nil {
					t.Fatalf("good record after a mismatch: %v", err)
				}
			}
			checkReject(t, p2.Write(&codec.Record{Item: c.item}), c.path, c.reason)
			checkReject(t, p1.Write(&codec.Record{Item: c.item}), c.path, c.reason)
			if err := p1.Write(&codec.Record{Item: goodItem(1)}); err != nil {
				t.Fatalf("good record after a mismatch: %v", err)
			}
			p3 := w.Partition(ctx, "data/3.json.gz")
			checkReject(t, p3.Write(&codec.Record{Item: c.item}), c.path, c.reason)
			for _, p := range []*parquet.Partition{p1, p2, p3} {
				if err := p.Close(); err != nil {
					t.Errorf("Partition.Close: %v", err)
				}
			}
			if _, err := w.Close(ctx); err == nil {
				t.Fatal("Close succeeded after a mismatch")
			}
			for _, k := range keysOf(t, st, "out/") {
				if k == parquet.SuccessName || k == parquet.ManifestName {
					t.Errorf("%s written after a mismatch", k)
				}
			}
			if err := w.Abort(ctx, true); err != nil {
				t.Fatal(err)
			}
			if keys := keysOf(t, st, "out/"); len(keys) != 0 {
				t.Errorf("Abort left %q", keys)
			}
		})
	}
}

func checkReject(t *testing.T, err error, path, reason string) {
	t.Helper()
	var re *codec.RejectError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want a *codec.RejectError", err, err)
	}
	if re.Kind != "schema_mismatch" || re.Path != path || re.Reason != reason || re.Err == nil || re.Err.Error() == "" {
		t.Errorf("RejectError{Kind: %q, Path: %q, Reason: %q, Err: %v}, want %s at %s", re.Kind, re.Path, re.Reason, re.Err, reason, path)
	}
}

func TestWriter_mismatchIncremental(t *testing.T) {
	s := infer(t, []input{{Records: []*codec.Record{{
		Keys:     codec.Item{codec.S("k").Named("pk")},
		NewImage: codec.Item{codec.S("k").Named("pk"), codec.N("1").Named("n")},
	}}}}, parquet.InferOptions{})
	for _, c := range []struct {
		rec          *codec.Record
		path, reason string
	}{
		{&codec.Record{Keys: codec.Item{codec.N("1").Named("pk")}, NewImage: codec.Item{}}, "Keys.pk", "unexpected_type"},
		{&codec.Record{Keys: codec.Item{codec.S("k").Named("pk")}, NewImage: codec.Item{codec.S("x").Named("n")}}, "NewImage.n", "unexpected_type"},
		{&codec.Record{Keys: codec.Item{codec.S("k").Named("pk")}, OldImage: codec.Item{codec.S("x").Named("new")}}, "OldImage.new", "unknown_attribute"},
		{&codec.Record{Item: codec.Item{codec.S("k").Named("pk")}}, "", "unexpected_record"},
	} {
		ctx := context.Background()
		w, err := parquet.New(ctx, storetest.NewMem(), parquet.Options{Schema: s})
		if err != nil {
			t.Fatal(err)
		}
		p := w.Partition(ctx, "data/x")
		checkReject(t, p.Write(c.rec), c.path, c.reason)
		p.Close()
		if _, err := w.Close(ctx); err == nil {
			t.Error("Close succeeded after a mismatch")
		}
	}
}
