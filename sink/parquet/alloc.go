package parquet

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is the memory.Allocator of a Writer's column writers and
// their page buffers. It keeps what they free in lists by power-of-two
// size, up to maxHeld bytes, and hands it out again: the pages of each
// row group reuse the memory of the last ones instead of making (and
// zeroing, and faulting in) fresh memory that the garbage collector then
// has to find. Like memory.GoAllocator, it returns
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
