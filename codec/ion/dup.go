package ion

import (
	"hash/maphash"

	"github.com/ddbexport/ddbexport/codec"
)

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

// dupIn returns the index of the first value in vs whose Name (byName) or
// Str equals an earlier one's, or -1.
func (p *parser) dupIn(vs []codec.Value, byName bool) int {
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
	t := &p.dups
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
