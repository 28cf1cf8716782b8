// Package dupcheck finds duplicates among the members of a map (by name)
// and the elements of a set (by value) without allocating in the steady
// state: pairwise for small containers, a reused open-addressing hash
// table for large ones. The format decoders share it.
package dupcheck

import (
	"hash/maphash"
	"unsafe"

	"github.com/ddbexport/ddbexport/codec"
)

// A Checker is reusable scratch state; the zero value is ready. It is not
// safe for concurrent use.
type Checker struct {
	table   dupTable
	scratch []byte
	offs    []int
	canon   []codec.Value
}

// Names returns the index of the first value in vs whose Name equals an
// earlier one's, or -1.
func (c *Checker) Names(vs []codec.Value) int { return c.in(vs, true) }

// Strings returns the index of the first value in vs whose Str (a string,
// or a binary's bytes) equals an earlier one's, or -1.
func (c *Checker) Strings(vs []codec.Value) int { return c.in(vs, false) }

// smallDup is the size up to which duplicates are looked for pairwise;
// larger maps and sets use the hash table.
const smallDup = 8

// A dupTable is an open-addressing hash set of indexes, reused without
// clearing: a slot belongs to the current use only if it carries the
// current generation.
type dupTable struct {
	slots []uint64 // generation<<32 | index
	gen   uint32
	mask  int
	seed  maphash.Seed
}

func (t *dupTable) begin(n int) {
	size := 64
	for size < 2*n {
		size <<= 1
	}
	if len(t.slots) < size {
		t.slots = make([]uint64, size)
		t.gen = 0
		if t.seed == (maphash.Seed{}) {
			t.seed = maphash.MakeSeed()
		}
	}
	t.mask = size - 1
	t.gen++
	if t.gen == 0 {
		clear(t.slots)
		t.gen = 1
	}
}

// key returns the Name (byName) or Str of v.
func key(v *codec.Value, byName bool) string {
	if byName {
		return v.Name
	}
	return v.Str
}

// in returns the index of the first value in vs whose Name (byName) or Str
// equals an earlier one's, or -1.
func (c *Checker) in(vs []codec.Value, byName bool) int {
	if len(vs) <= smallDup {
		for k := 1; k < len(vs); k++ {
			s := key(&vs[k], byName)
			for j := range k {
				if key(&vs[j], byName) == s {
					return k
				}
			}
		}
		return -1
	}
	t := &c.table
	t.begin(len(vs))
	tag := uint64(t.gen) << 32
	for k := range vs {
		s := key(&vs[k], byName)
		h := int(maphash.String(t.seed, s))
		for {
			slot := t.slots[h&t.mask]
			if slot&^0xffffffff != tag {
				t.slots[h&t.mask] = tag | uint64(k)
				break
			}
			if key(&vs[slot&0xffffffff], byName) == s {
				return k
			}
			h++
		}
	}
	return -1
}

// plainIntegers reports whether every number in vs is written in its one
// canonical integer form (0 or -?[1-9][0-9]*), so that equal values have
// equal texts.
func plainIntegers(vs []codec.Value) bool {
	for k := range vs {
		s := vs[k].Str
		if s == "0" {
			continue
		}
		j := 0
		if len(s) > 0 && s[0] == '-' {
			j = 1
		}
		if j >= len(s) || s[j] == '0' {
			return false
		}
		for ; j < len(s); j++ {
			if s[j] < '0' || s[j] > '9' {
				return false
			}
		}
	}
	return true
}

// Numbers returns the index of the first number in vs equal by value to an
// earlier one, or -1. Numbers all written in their one canonical integer
// form are compared as text; others through their canonical forms.
func (c *Checker) Numbers(vs []codec.Value) int {
	if plainIntegers(vs) {
		return c.in(vs, false)
	}
	c.scratch = c.scratch[:0]
	c.offs = append(c.offs[:0], 0)
	for k := range vs {
		c.scratch, _ = codec.AppendCanonicalNumber(c.scratch, vs[k].Str)
		c.offs = append(c.offs, len(c.scratch))
	}
	// Canonical forms are compared through a view of the scratch bytes; the
	// strings die before the scratch buffer is reused.
	view := c.canon[:0]
	for k := range vs {
		view = append(view, codec.Value{Str: unsafe.String(unsafe.SliceData(c.scratch[c.offs[k]:]), c.offs[k+1]-c.offs[k])})
	}
	c.canon = view
	return c.in(view, false)
}
