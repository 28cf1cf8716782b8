package parquet

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is the memory.Allocator of a Writer's Arrow builders and
// page buffers. It keeps what they free in lists by power-of-two size,
// up to maxHeld bytes, and hands it out again: the builders of each batch
// and the pages of each row group reuse the memory of the last ones
// instead of making (and zeroing, and faulting in) fresh memory that the
// garbage collector then has to find. Like memory.GoAllocator, it returns
// zeroed memory aligned to 64 bytes.
type poolAllocator struct {
	mu      sync.Mutex
	free    [maxClass + 1][][]byte
	held    int64
	maxHeld int64
}

const (
	minClass  = 6  // 64 bytes
	maxClass  = 30 // 1 GiB; larger requests are not pooled
	alignment = 64
)

var _ memory.Allocator = (*poolAllocator)(nil)

func newPoolAllocator(maxHeld int64) *poolAllocator {
	return &poolAllocator{maxHeld: maxHeld}
}

// atLeast raises the bound of what a is to hold to n bytes.
func (a *poolAllocator) atLeast(n int64) {
	a.mu.Lock()
	a.maxHeld = max(a.maxHeld, n)
	a.mu.Unlock()
}

func sizeClass(n int) int {
	return max(bits.Len(uint(n-1)), minClass)
}

func (a *poolAllocator) Allocate(size int) []byte {
	b := a.allocate(size)
	clear(b)
	return b
}

// allocate is Allocate without the zeroing of reused memory.
func (a *poolAllocator) allocate(size int) []byte {
	if size <= 0 {
		return nil
	}
	c := sizeClass(size)
	if c > maxClass {
		return alignedMake(size, size)
	}
	a.mu.Lock()
	if l := a.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		a.free[c] = l[:len(l)-1]
		a.held -= int64(cap(b))
		a.mu.Unlock()
		return b[:size]
	}
	a.mu.Unlock()
	return alignedMake(size, 1<<c)
}

func (a *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := a.allocate(size)
	clear(nb[copy(nb, b):])
	a.Free(b)
	return nb
}

func (a *poolAllocator) Free(b []byte) {
	c := cap(b)
	if c < 1<<minClass || c > 1<<maxClass || c&(c-1) != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%alignment != 0 {
		return
	}
	a.mu.Lock()
	if a.held+int64(c) <= a.maxHeld {
		a.free[bits.Len(uint(c))-1] = append(a.free[bits.Len(uint(c))-1], b[:0])
		a.held += int64(c)
	}
	a.mu.Unlock()
}

// alignedMake returns size zeroed bytes of capacity capacity, aligned to
// 64 bytes.
func alignedMake(size, capacity int) []byte {
	buf := make([]byte, capacity+alignment)
	shift := int(-uintptr(unsafe.Pointer(unsafe.SliceData(buf))) & (alignment - 1))
	return buf[shift : shift+size : shift+capacity]
}

// A builderSize is what one Arrow builder held: its rows and, for a
// binary builder, its value bytes.
type builderSize struct{ rows, data int }

// builderSizes appends the sizes of bs and of the builders under them, in
// the order of a depth-first walk.
func builderSizes(sizes []builderSize, bs ...array.Builder) []builderSize {
	for _, b := range bs {
		s := builderSize{rows: b.Len()}
		if bb, ok := b.(binaryBuilder); ok {
			s.data = bb.DataLen()
		}
		sizes = append(sizes, s)
		sizes = builderSizes(sizes, children(b)...)
	}
	return sizes
}

// reserve makes room in bs, and in the builders under them, for the sizes
// that builderSizes returned of them: the builders of a batch start at
// the size of the last batch rather than growing to it again. It returns
// the sizes not used.
func reserve(sizes []builderSize, bs ...array.Builder) []builderSize {
	for _, b := range bs {
		if len(sizes) == 0 {
			return nil
		}
		s := sizes[0]
		sizes = sizes[1:]
		if s.rows > 0 {
			b.Reserve(s.rows)
		}
		if bb, ok := b.(binaryBuilder); ok && s.data > 0 {
			bb.ReserveData(s.data)
		}
		sizes = reserve(sizes, children(b)...)
	}
	return sizes
}

// binaryBuilder is a builder of variable-length values.
type binaryBuilder interface {
	DataLen() int
	ReserveData(int)
}

// children returns the builders under b.
func children(b array.Builder) []array.Builder {
	switch b := b.(type) {
	case *array.StructBuilder:
		cs := make([]array.Builder, b.NumField())
		for i := range cs {
			cs[i] = b.FieldBuilder(i)
		}
		return cs
	case *array.ListBuilder:
		return []array.Builder{b.ValueBuilder()}
	case *array.LargeListBuilder:
		return []array.Builder{b.ValueBuilder()}
	}
	return nil
}
