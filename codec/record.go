package codec

import (
	"time"
	"unsafe"
)

// Kind tells which record shape a data file holds.
type Kind uint8

const (
	// KindAny accepts either shape, record by record.
	KindAny Kind = iota
	// KindFull is a full export's record: {"Item":{…}}.
	KindFull
	// KindChange is an incremental export's record: Metadata, Keys, and a
	// NewImage and/or OldImage.
	KindChange
)

func (k Kind) String() string {
	switch k {
	case KindFull:
		return "full"
	case KindChange:
		return "change"
	}
	return "any"
}

// A Record is one line of an export data file.
//
// For a full export only Item is set. For an incremental export Item is nil
// and Keys, WriteTimestampMicros and at least one image are set; an absent
// image is nil (a present image is never nil, even if empty).
type Record struct {
	Item Item

	// WriteTimestampMicros is Metadata.WriteTimestampMicros: when the change
	// was written, in microseconds since the Unix epoch.
	WriteTimestampMicros int64
	Keys                 Item
	OldImage             Item
	NewImage             Item
}

// IsChange reports whether r is an incremental export's record.
func (r *Record) IsChange() bool { return r.Item == nil && r.Keys != nil }

// WriteTime returns WriteTimestampMicros as a time in UTC.
func (r *Record) WriteTime() time.Time { return time.UnixMicro(r.WriteTimestampMicros).UTC() }

// Op is the change an incremental record describes.
type Op uint8

const (
	OpNone   Op = iota // not a change record
	OpInsert           // NewImage only: the item did not exist at the window's start
	OpModify           // both images
	OpRemove           // no NewImage: the item was deleted
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "INSERT"
	case OpModify:
		return "MODIFY"
	case OpRemove:
		return "REMOVE"
	}
	return ""
}

// Op derives the change from which images are present. With the
// NEW_IMAGE view an update and an insert look alike (OldImage is never
// written), so both are OpInsert there; a record with no NewImage is a
// removal in either view.
func (r *Record) Op() Op {
	switch {
	case !r.IsChange():
		return OpNone
	case r.NewImage == nil:
		return OpRemove
	case r.OldImage == nil:
		return OpInsert
	}
	return OpModify
}

// Clone returns a deep copy of r that shares no memory with it, made of
// three allocations: the Record, one slice of all its Values and one block
// of all its strings' bytes. Decoders use it to hand out records they
// decoded into reused memory.
func (r *Record) Clone() *Record {
	var c copier
	c.count(r.Item)
	c.count(r.Keys)
	c.count(r.OldImage)
	c.count(r.NewImage)
	c.vals = make([]Value, c.nv)
	if c.nb > 0 {
		c.bytes = make([]byte, c.nb)
	}
	return &Record{
		WriteTimestampMicros: r.WriteTimestampMicros,
		Item:                 c.items(r.Item),
		Keys:                 c.items(r.Keys),
		OldImage:             c.items(r.OldImage),
		NewImage:             c.items(r.NewImage),
	}
}

// A copier lays a record's values and strings out in two blocks.
type copier struct {
	nv, nb int
	vals   []Value
	bytes  []byte
}

func (c *copier) count(vs []Value) {
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
func (c *copier) items(vs []Value) []Value {
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
