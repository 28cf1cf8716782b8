package parquet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/store/localfs"
)

func aligned(b []byte) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%alignment == 0
}

func TestPoolAllocator(t *testing.T) {
	a := newPoolAllocator(1 << 20)
	b := a.Allocate(1000)
	if len(b) != 1000 || cap(b) != 1024 || !aligned(b) {
		t.Fatalf("Allocate(1000): len %d cap %d aligned %v; want 1000, 1024, true", len(b), cap(b), aligned(b))
	}
	for i := range b {
		b[i] = 0xff
	}
	a.Free(b)
	c := a.Allocate(600) // the same class: the freed buffer again
	if unsafe.SliceData(c) != unsafe.SliceData(b) {
		t.Fatal("a freed buffer of the class was not reused")
	}
	for i, x := range c {
		if x != 0 {
			t.Fatalf("reused memory not zeroed at %d", i)
		}
	}
	// Growing within the capacity zeroes the bytes it exposes.
	c = c[:600]
	for i := range c {
		c[i] = 1
	}
	c = a.Reallocate(1024, c)
	if c[599] != 1 || c[600] != 0 || c[1023] != 0 {
		t.Fatalf("Reallocate within capacity: kept %d, exposed %d %d; want 1 0 0", c[599], c[600], c[1023])
	}
	// Growing past it copies and zeroes the rest.
	d := a.Reallocate(5000, c)
	if len(d) != 5000 || cap(d) != 8192 || d[599] != 1 || d[600] != 0 || d[4999] != 0 || !aligned(d) {
		t.Fatalf("Reallocate(5000): len %d cap %d, %d %d %d", len(d), cap(d), d[599], d[600], d[4999])
	}
	// What is held is bounded.
	a.Free(d)
	big := a.Allocate(2 << 20)
	a.Free(big)
	if a.held > a.maxHeld {
		t.Fatalf("held %d bytes, more than the bound %d", a.held, a.maxHeld)
	}
	// Foreign slices are not taken in.
	before := a.held
	a.Free(make([]byte, 100))
	a.Free(nil)
	if a.held != before {
		t.Fatal("a slice the allocator did not make was pooled")
	}
}

// TestPoolAllocator_arrow builds Arrow arrays in rounds with the
// allocator, and checks that the memory reused from earlier rounds never
// shows through: Arrow's buffers (the column writers' among them) count
// on zeroed memory.
func TestPoolAllocator_arrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(newPoolAllocator(64 << 20))
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	for round := range 5 {
		n := 1000 * (5 - round) // shrinking: reused buffers are larger than needed
		sb := rb.Field(0).(*array.StringBuilder)
		lb := rb.Field(1).(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.Int64Builder)
		for i := range n {
			if i%3 == round%3 {
				sb.AppendNull()
				lb.AppendNull()
				continue
			}
			sb.Append("value")
			lb.Append(true)
			vb.Append(int64(i))
		}
		rec := rb.NewRecordBatch()
		s := rec.Column(0).(*array.String)
		l := rec.Column(1).(*array.List)
		for i := range n {
			wantNull := i%3 == round%3
			if s.IsNull(i) != wantNull || l.IsNull(i) != wantNull {
				t.Fatalf("round %d row %d: null %v %v, want %v", round, i, s.IsNull(i), l.IsNull(i), wantNull)
			}
			if !wantNull && (s.Value(i) != "value" || l.ListValues().(*array.Int64).Value(int(l.Offsets()[i])) != int64(i)) {
				t.Fatalf("round %d row %d: wrong value", round, i)
			}
		}
		rec.Release()
	}
}

// TestWriter_allocator writes two data files at once, with row groups
// small enough that several close, and checks that the Writer's
// allocator, which the column writers and their pages use, holds
// twice a row group per file open at once and gets back all it gave.
func TestWriter_allocator(t *testing.T) {
	const rowGroup = 256 << 10
	var items []*codec.Record
	for i := range 4000 {
		items = append(items, &codec.Record{Item: codec.Item{
			codec.N(fmt.Sprint(i)).Named("id"),
			codec.S(strings.Repeat("payload ", 20+i%50)).Named("s"),
		}})
	}
	inf := NewInferrer(InferOptions{})
	for _, r := range items {
		inf.Add(r)
	}
	s, err := inf.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var mem *memory.CheckedAllocator
	w, err := newWriterMem(localfs.New(t.TempDir()), Options{Schema: s, RowGroupSize: rowGroup}, func(a memory.Allocator) memory.Allocator {
		mem = memory.NewCheckedAllocator(a)
		return mem
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := w.Partition(ctx, "a.json.gz"), w.Partition(ctx, "b.json.gz")
	for i, r := range items {
		p := a
		if i%2 == 1 {
			p = b
		}
		if err := p.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(a.Close(), b.Close()); err != nil {
		t.Fatal(err)
	}
	if got, want := w.alloc.maxHeld, int64(2*2*rowGroup); got != want {
		t.Errorf("with two files open at once the allocator holds up to %d bytes, want %d", got, want)
	}
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != int64(len(items)) {
		t.Fatalf("%d rows written, want %d", m.Rows, len(items))
	}
	mem.AssertSize(t, 0)
}
