package parquet

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// TestCheckShape checks that the shredder's columns are those of the
// Parquet schema that pqarrow makes of the Arrow schema, for every type,
// nesting and both kinds of export, and that checkShape tells a level or
// a type out of place.
func TestCheckShape(t *testing.T) {
	inf := NewInferrer(InferOptions{})
	nested := codec.M(
		codec.L(codec.M(codec.NS("1", "2.5").Named("ns"), codec.L(codec.L(codec.S("x"))).Named("ll")), codec.N("3")).Named("l"),
		codec.SS("a").Named("ss"), codec.BS([]byte{1}).Named("bs"), codec.Bool(true).Named("b"), codec.Null().Named("z"),
	)
	for _, r := range []*codec.Record{
		{Item: codec.Item{codec.S("k").Named("id"), nested.Named("m"), codec.N("1").Named("x")}},
		{Item: codec.Item{codec.N("2").Named("id"), codec.L().Named("m"), codec.S("y").Named("x")}},
	} {
		inf.Add(r)
	}
	full, err := inf.Schema()
	if err != nil {
		t.Fatal(err)
	}
	inc := NewInferrer(InferOptions{})
	inc.Add(&codec.Record{Keys: codec.Item{codec.S("k").Named("id")}, NewImage: codec.Item{codec.S("k").Named("id"), nested.Named("m")}})
	change, err := inc.Schema()
	if err != nil {
		t.Fatal(err)
	}
	props := pq.NewWriterProperties(pq.WithAllocator(memory.NewGoAllocator()))
	for _, s := range []*Schema{full, change} {
		sc, err := pqarrow.ToParquet(arrowSchema(s), props, pqarrow.NewArrowWriterProperties())
		if err != nil {
			t.Fatal(err)
		}
		r := newRows(s)
		if err := checkShape(sc, r); err != nil {
			t.Fatalf("%s export: %v", s.Kind, err)
		}
		if sc.NumColumns() < 10 {
			t.Fatalf("%s export: %d columns; the test wants more nesting", s.Kind, sc.NumColumns())
		}
		for _, bad := range []func(c *column){
			func(c *column) { c.maxDef++ },
			func(c *column) { c.maxRep++ },
			func(c *column) { c.kind = (c.kind + 1) % (leafDecimal + 1) },
		} {
			for i := range r.cols {
				c := *r.cols[i]
				bad(r.cols[i])
				if err := checkShape(sc, r); err == nil || !strings.Contains(err.Error(), sc.Column(i).Path()) {
					t.Errorf("%s export, column %s changed: %v", s.Kind, sc.Column(i).Path(), err)
				}
				*r.cols[i] = c
			}
		}
		r.cols = r.cols[1:]
		if err := checkShape(sc, r); err == nil {
			t.Errorf("%s export: a column missing passes", s.Kind)
		}
	}
}

// TestWriter_sparseMemory writes items of one attribute each into a
// schema of 3,000, each null in the others: the columns' memory, two
// bytes a null, not the items' few bytes, must bound a batch.
func TestWriter_sparseMemory(t *testing.T) {
	const attrs = 3000
	inf := NewInferrer(InferOptions{})
	for i := range attrs {
		inf.Add(&codec.Record{Item: codec.Item{codec.N(fmt.Sprint(i)).Named(fmt.Sprintf("a%04d", i))}})
	}
	s, err := inf.Schema()
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWriter(localfs.New(t.TempDir()), Options{Schema: s})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := w.Partition(ctx, "a.json.gz")
	var most int64
	const n = 20000
	for i := range n {
		if err := p.Write(&codec.Record{Item: codec.Item{codec.N("1").Named(fmt.Sprintf("a%04d", i%attrs))}}); err != nil {
			t.Fatal(err)
		}
		most = max(most, p.f.b.mem)
	}
	// A row is 3,000 levels: 6,000 bytes, where its item is 1.
	if bound := 2*w.batchBytes + 2*attrs + 64; most > bound {
		t.Errorf("the columns held %d bytes, more than twice a batch (%d)", most, bound)
	}
	if most < w.batchBytes {
		t.Errorf("the columns held at most %d bytes: the test wants batches bounded by memory, not by rows", most)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != n {
		t.Errorf("%d rows, want %d", m.Rows, n)
	}
}
