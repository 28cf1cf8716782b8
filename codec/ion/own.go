package ion

import (
	"unsafe"

	"github.com/ddbexport/ddbexport/codec"
)

// own returns a deep copy of rec, which may alias the line and the arenas,
// made of three allocations: the Record, one slice of all its Values, and
// one block of all its strings' bytes.
func (p *parser) own(rec *codec.Record) *codec.Record {
	var c copier
	c.count(rec.Item)
	c.count(rec.Keys)
	c.count(rec.OldImage)
	c.count(rec.NewImage)
	c.vals = make([]codec.Value, c.nv)
	if c.nb > 0 {
		c.bytes = make([]byte, c.nb)
	}
	out := &codec.Record{WriteTimestampMicros: rec.WriteTimestampMicros}
	out.Item = c.items(rec.Item)
	out.Keys = c.items(rec.Keys)
	out.OldImage = c.items(rec.OldImage)
	out.NewImage = c.items(rec.NewImage)
	return out
}

type copier struct {
	nv, nb int
	vals   []codec.Value
	bytes  []byte
}

func (c *copier) count(vs []codec.Value) {
	c.nv += len(vs)
	for k := range vs {
		v := &vs[k]
		c.nb += len(v.Name) + len(v.Str)
		if v.Elems != nil {
			c.count(v.Elems)
		}
	}
}

func (c *copier) str(s string) string {
	if len(s) == 0 {
		return ""
	}
	n := copy(c.bytes, s)
	out := unsafe.String(&c.bytes[0], n)
	c.bytes = c.bytes[n:]
	return out
}

// items copies vs into the next len(vs) values, keeping nil as nil and an
// empty slice non-nil.
func (c *copier) items(vs []codec.Value) []codec.Value {
	if vs == nil {
		return nil
	}
	n := len(vs)
	out := c.vals[:n:n]
	c.vals = c.vals[n:]
	for k := range vs {
		v := &vs[k]
		o := &out[k]
		o.Type = v.Type
		o.Bool = v.Bool
		o.Name = c.str(v.Name)
		o.Str = c.str(v.Str)
		if v.Elems != nil {
			o.Elems = c.items(v.Elems)
		}
	}
	return out
}
