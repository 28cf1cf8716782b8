// Package arena is the memory the format parsers share while they decode
// one line at a time: a stack of the values of the containers being
// parsed, an arena of value slabs and a byte arena reused from line to
// line, and, for records the caller owns, small chunks shared by
// successive records and never reused.
package arena

import "github.com/ddbexport/ddbexport/codec"

// An Arena is a parser's memory; the zero value is ready. A parser embeds
// one and decodes each line with DecodeReused or DecodeOwned. It is not safe
// for concurrent use.
type Arena struct {
	// Stack holds the values of the containers being parsed: a parser
	// pushes each value (Push) and moves a container's elements into the
	// value arena when the container ends (Alloc, Elems).
	Stack []codec.Value

	// Bytes is the byte arena in use, for text the parser cannot alias in
	// the line (unescaped strings, numbers, binary values): append to it.
	Bytes []byte

	slabs [][]codec.Value // value arena of reused memory: containers' elements
	slab  int             // index of the slab in use
	reuse []byte          // the reused byte arena, as large as it grew

	// Owned mode (DecodeOwned): chunks shared by successive records.
	owned  bool
	vchunk []codec.Value
	bchunk []byte
	rchunk []codec.Record
}

// Sizes: the first slab of reused memory, and the chunks of owned mode (a
// record kept by the caller keeps its chunks alive, so they stay small).
const (
	slabSize     = 1024
	ownedValues  = 512 // 32 KiB
	ownedBytes   = 32 << 10
	ownedRecords = 64
)

// Reset empties the stack and makes the value and byte arenas reuse their
// memory from the start; it invalidates what DecodeReused returned before.
func (a *Arena) Reset() {
	a.Stack = a.Stack[:0]
	a.slab = 0
	if len(a.slabs) > 0 {
		a.slabs[0] = a.slabs[0][:0]
	}
	a.Bytes = a.reuse[:0]
}

// DecodeReused decodes line into rec in reused memory: it resets the arena,
// zeroes *rec and calls parse, then keeps the byte arena as large as it
// grew. The record is valid until the next Reset, DecodeReused or DecodeOwned.
func (a *Arena) DecodeReused(line []byte, rec *codec.Record, parse func(line []byte, rec *codec.Record) bool) bool {
	a.Reset()
	*rec = codec.Record{}
	ok := parse(line, rec)
	a.reuse = a.Bytes
	return ok
}

// DecodeOwned decodes line into a record that the arena never touches
// again, without copying values after the fact: line is copied into a
// byte chunk and parse gets the copy, so that strings alias it; the byte
// arena is the next len(line) bytes of the chunk, and the values (Alloc)
// and the Record come from chunks too. Unescaping and base64 decoding
// only shrink text; a byte arena that outgrows its room moves to memory of
// its own, which the record alone uses. Chunks are shared by successive
// records and abandoned, never reused, when full. It returns nil, and
// gives back the chunks' room, when parse fails.
func (a *Arena) DecodeOwned(line []byte, parse func(line []byte, rec *codec.Record) bool) *codec.Record {
	n := len(line)
	if cap(a.bchunk)-len(a.bchunk) < 2*n {
		a.bchunk = make([]byte, 0, max(ownedBytes, 2*n))
	}
	if len(a.rchunk) == cap(a.rchunk) {
		a.rchunk = make([]codec.Record, 0, ownedRecords)
	}
	l := len(a.bchunk)
	buf := append(a.bchunk, line...)
	vchunk := a.vchunk
	rec := a.rchunk[:len(a.rchunk)+1]
	r := &rec[len(rec)-1]

	a.Reset()
	a.Bytes = buf[l+n : l+n : l+2*n]
	a.owned = true
	*r = codec.Record{}
	ok := parse(buf[l:l+n:l+n], r)
	a.owned = false
	bytes := a.Bytes
	a.Bytes = a.reuse[:0]
	if !ok {
		a.vchunk = vchunk
		*r = codec.Record{}
		return nil
	}
	used := 2 * n
	if cap(bytes) == n { // still in the chunk
		used = n + len(bytes)
	}
	a.bchunk = buf[:l+used]
	a.rchunk = rec
	return r
}

// Push pushes a value of type t on the stack and returns it.
func (a *Arena) Push(t codec.Type) *codec.Value {
	a.Stack = append(a.Stack, codec.Value{Type: t})
	return &a.Stack[len(a.Stack)-1]
}

// Elems moves the values of the stack from start up into the value arena
// and returns them (Alloc), or returns nil if there are none: the elements
// of a container that ends, pushed next.
func (a *Arena) Elems(start int) []codec.Value {
	if len(a.Stack) > start {
		return a.Alloc(start)
	}
	return nil
}

// Alloc moves the values of the stack from start up into the value arena
// and returns them.
func (a *Arena) Alloc(start int) []codec.Value {
	n := len(a.Stack) - start
	if a.owned {
		if cap(a.vchunk)-len(a.vchunk) < n {
			a.vchunk = make([]codec.Value, 0, max(n, ownedValues))
		}
		l := len(a.vchunk)
		a.vchunk = append(a.vchunk, a.Stack[start:]...)
		a.Stack = a.Stack[:start]
		return a.vchunk[l : l+n : l+n]
	}
	if a.slab >= len(a.slabs) {
		a.slabs = append(a.slabs, make([]codec.Value, 0, max(slabSize, n)))
	}
	s := a.slabs[a.slab]
	if len(s)+n > cap(s) {
		a.slab++
		for a.slab < len(a.slabs) && cap(a.slabs[a.slab]) < n {
			a.slab++
		}
		if a.slab == len(a.slabs) {
			a.slabs = append(a.slabs, make([]codec.Value, 0, max(slabSize<<min(a.slab, 8), n)))
		}
		s = a.slabs[a.slab][:0]
	}
	l := len(s)
	s = s[:l+n]
	copy(s[l:], a.Stack[start:])
	a.slabs[a.slab] = s
	a.Stack = a.Stack[:start]
	return s[l : l+n : l+n]
}
