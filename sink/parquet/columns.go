package parquet

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

// A MismatchError says that a value does not fit the schema: an attribute
// or field the schema does not have (or one given twice), a type its slot
// does not hold, a number its column cannot hold exactly, or a record of
// the other kind of export.
type MismatchError struct {
	Path   string // attribute path, as in codec.DecodeError
	Reason string // "unknown_attribute", "duplicate_attribute", "unexpected_type", "number_out_of_column" or "unexpected_record"
	Msg    string
}

func (e *MismatchError) Error() string { return e.Path + ": " + e.Msg }

// arrowSchema returns the Arrow schema of s's rows.
func arrowSchema(s *Schema) *arrow.Schema {
	var fields []arrow.Field
	if s.Kind == KindIncremental {
		fields = append(fields,
			arrow.Field{Name: ColumnOp, Type: arrow.BinaryTypes.String},
			arrow.Field{Name: ColumnWriteTime, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}})
	}
	for _, sl := range s.Keys {
		fields = append(fields, arrow.Field{Name: sl.Name, Type: slotType(sl), Nullable: true})
	}
	if s.Kind == KindIncremental {
		if len(s.Attributes) > 0 {
			image := arrow.StructOf(slotFields(s.Attributes)...)
			fields = append(fields,
				arrow.Field{Name: ColumnNewImage, Type: image, Nullable: true},
				arrow.Field{Name: ColumnOldImage, Type: image, Nullable: true})
		}
	} else {
		fields = append(fields, slotFields(s.Attributes)...)
	}
	return arrow.NewSchema(fields, nil)
}

func slotFields(slots []*Slot) []arrow.Field {
	fields := make([]arrow.Field, len(slots))
	for i, sl := range slots {
		fields[i] = arrow.Field{Name: sl.Name, Type: slotType(sl), Nullable: true}
	}
	return fields
}

func slotType(sl *Slot) arrow.DataType {
	switch {
	case sl.As == AsJSON || len(sl.Types) == 0:
		return arrow.BinaryTypes.String
	case len(sl.Types) == 1:
		return typeType(sl.Types[0])
	}
	fields := make([]arrow.Field, len(sl.Types))
	for i, t := range sortedTypes(sl.Types) {
		fields[i] = arrow.Field{Name: childName(t.typeOf()), Type: typeType(t), Nullable: true}
	}
	return arrow.StructOf(fields...)
}

// listOf is a list of nullable elements named "element", as the Parquet
// schema's list groups name theirs (and as pqarrow's writer stores the
// Arrow schema of lists).
func listOf(t arrow.DataType) arrow.DataType {
	return arrow.ListOfField(arrow.Field{Name: "element", Type: t, Nullable: true})
}

// sortedTypes returns types in the order of codec.Type, the order of a
// mixed slot's children.
func sortedTypes(types []*Type) []*Type {
	var byType [codec.TypeBS + 1]*Type
	for _, t := range types {
		byType[t.typeOf()] = t
	}
	out := make([]*Type, 0, len(types))
	for _, t := range byType {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

func numberType(number string) arrow.DataType {
	switch number {
	case NumberInt64:
		return arrow.PrimitiveTypes.Int64
	case NumberDouble:
		return arrow.PrimitiveTypes.Float64
	case NumberString:
		return arrow.BinaryTypes.String
	}
	scale, _ := decimalScale(number)
	return &arrow.Decimal128Type{Precision: 38, Scale: int32(scale)}
}

func typeType(t *Type) arrow.DataType {
	switch t.typeOf() {
	case codec.TypeS:
		return arrow.BinaryTypes.String
	case codec.TypeN:
		return numberType(t.Number)
	case codec.TypeB:
		return arrow.BinaryTypes.Binary
	case codec.TypeBOOL, codec.TypeNULL:
		return arrow.FixedWidthTypes.Boolean
	case codec.TypeSS:
		return listOf(arrow.BinaryTypes.String)
	case codec.TypeNS:
		return listOf(numberType(t.Number))
	case codec.TypeBS:
		return listOf(arrow.BinaryTypes.Binary)
	case codec.TypeL:
		return listOf(slotType(t.Element))
	case codec.TypeM:
		return arrow.StructOf(slotFields(t.Fields)...)
	}
	panic("parquet: unchecked schema type " + t.Type)
}

// Kinds of number column.
const (
	numInt64 = iota
	numDecimal
	numString
	numDouble
)

func numberKind(number string) (kind, scale int) {
	switch number {
	case NumberInt64:
		return numInt64, 0
	case NumberDouble:
		return numDouble, 0
	case NumberString:
		return numString, 0
	}
	scale, _ = decimalScale(number)
	return numDecimal, scale
}

// A slotWriter shreds the values of one slot, an optional field, into the
// leaf columns under it (see column).
type slotWriter struct {
	def    int16     // definition level of a present value
	leaves []*column // every column under the slot, for its nulls
	// As JSON (json set), or of no type (json nil, a column of nulls):
	// text.
	text *column
	json bool
	// One type: single. Several: mixed, by type, each a field of the
	// slot's group.
	single *typeWriter
	mixed  [codec.TypeBS + 1]*typeWriter
}

// A typeWriter shreds the values of one type of a slot.
type typeWriter struct {
	ty     codec.Type
	def    int16 // definition level of a present value
	rep    int16 // of a list's elements: the list's repetition level
	leaves []*column
	col    *column // scalars, and the elements of sets
	num    int     // number kind of N and NS
	scale  int
	elem   *slotWriter   // L
	fields *fieldsWriter // M
}

// A fieldsWriter shreds named values into the slots of a group (or of
// the top level of a row).
type fieldsWriter struct {
	names []string
	slots []*slotWriter
	index map[string]int
	// guess holds, for each position in an item, the slot of the
	// attribute found there last: the items of a table mostly list their
	// attributes in one order, and comparing a name is cheaper than
	// hashing it.
	guess []int
	stamp []uint32
	gen   uint32
}

// A shape makes the writers of a schema and their leaf columns, in the
// order of the Parquet schema's leaves (depth first).
type shape struct {
	cols []*column
	mem  *int64 // where the columns count the bytes they hold
}

func (s *shape) leaf(kind leafKind, def, rep int16) *column {
	c := &column{kind: kind, maxDef: def, maxRep: rep, mem: s.mem}
	s.cols = append(s.cols, c)
	return c
}

// since returns the columns made since the first n.
func (s *shape) since(n int) []*column { return slices.Clone(s.cols[n:]) }

// fields makes the writer of slots, each a field present at level def.
func (s *shape) fields(slots []*Slot, def, rep int16) *fieldsWriter {
	f := &fieldsWriter{index: make(map[string]int, len(slots)), stamp: make([]uint32, len(slots)), guess: make([]int, len(slots))}
	for i, sl := range slots {
		f.names = append(f.names, sl.Name)
		f.slots = append(f.slots, s.slot(sl, def, rep))
		f.index[sl.Name] = i
	}
	return f
}

func (s *shape) slot(sl *Slot, def, rep int16) *slotWriter {
	n := len(s.cols)
	w := &slotWriter{def: def}
	switch {
	case sl.As == AsJSON || len(sl.Types) == 0:
		w.json = sl.As == AsJSON
		w.text = s.leaf(leafBytes, def, rep)
	case len(sl.Types) == 1:
		w.single = s.typed(sl.Types[0], def, rep)
	default:
		// A group of one optional field per type.
		for _, t := range sortedTypes(sl.Types) {
			w.mixed[t.typeOf()] = s.typed(t, def+1, rep)
		}
	}
	w.leaves = s.since(n)
	return w
}

// typed makes the writer of values of type t present at level def. A list
// (SS, NS, BS, L) is an optional group holding a repeated group holding an
// optional element: an empty list is at def, an element at def+2.
func (s *shape) typed(t *Type, def, rep int16) *typeWriter {
	n := len(s.cols)
	w := &typeWriter{ty: t.typeOf(), def: def}
	w.num, w.scale = numberKind(t.Number)
	switch w.ty {
	case codec.TypeS, codec.TypeB:
		w.col = s.leaf(leafBytes, def, rep)
	case codec.TypeN:
		w.col = s.leaf(numberLeaf(w.num), def, rep)
	case codec.TypeBOOL, codec.TypeNULL:
		w.col = s.leaf(leafBool, def, rep)
	case codec.TypeSS, codec.TypeBS:
		w.rep = rep + 1
		w.col = s.leaf(leafBytes, def+2, rep+1)
	case codec.TypeNS:
		w.rep = rep + 1
		w.col = s.leaf(numberLeaf(w.num), def+2, rep+1)
	case codec.TypeL:
		w.rep = rep + 1
		w.elem = s.slot(t.Element, def+2, rep+1)
	case codec.TypeM:
		w.fields = s.fields(t.Fields, def+1, rep)
	}
	w.leaves = s.since(n)
	return w
}

func numberLeaf(num int) leafKind {
	switch num {
	case numInt64:
		return leafInt64
	case numDouble:
		return leafDouble
	case numString:
		return leafBytes
	}
	return leafDecimal
}

// appender holds the state of shredding one row: a scratch buffer, the
// bytes appended so far (to size batches) and the path of the value being
// appended, for errors.
type appender struct {
	buf   []byte
	bytes int64
	path  []pathElem
}

type pathElem struct {
	name  string
	index int // for list elements; name is "" then
}

func (a *appender) pathString() string {
	b := make([]byte, 0, 64)
	for i, e := range a.path {
		if e.name == "" {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(e.index), 10)
			b = append(b, ']')
			continue
		}
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, e.name...)
	}
	return string(b)
}

func (a *appender) mismatch(reason, format string, args ...any) error {
	return &MismatchError{Path: a.pathString(), Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// nulls appends a null at level def to each of cols.
func nulls(cols []*column, def, rep int16) {
	for _, c := range cols {
		c.null(def, rep)
	}
}

// appendItem shreds the attributes of it into the slots of f, the first
// value of each column at repetition level rep; a slot it does not have
// gets a null. On error the columns are left part-way through the row.
func (a *appender) appendItem(f *fieldsWriter, it codec.Item, rep int16) error {
	f.gen++
	if f.gen == 0 {
		clear(f.stamp)
		f.gen = 1
	}
	for i := range it {
		v := &it[i]
		j := -1
		if i < len(f.guess) && f.names[f.guess[i]] == v.Name {
			j = f.guess[i]
		} else if k, ok := f.index[v.Name]; ok {
			j = k
			if i < len(f.guess) {
				f.guess[i] = k
			}
		} else {
			a.path = append(a.path, pathElem{name: v.Name})
			return a.mismatch("unknown_attribute", "not in the schema")
		}
		if f.stamp[j] == f.gen {
			a.path = append(a.path, pathElem{name: v.Name})
			return a.mismatch("duplicate_attribute", "twice in one item")
		}
		f.stamp[j] = f.gen
		a.path = append(a.path, pathElem{name: v.Name})
		if err := a.appendValue(f.slots[j], v, rep); err != nil {
			return err
		}
		a.path = a.path[:len(a.path)-1]
	}
	for j, s := range f.stamp {
		if s != f.gen {
			sl := f.slots[j]
			nulls(sl.leaves, sl.def-1, rep)
		}
	}
	return nil
}

func (a *appender) appendValue(w *slotWriter, v *codec.Value, rep int16) error {
	switch {
	case w.single != nil:
		if w.single.ty != v.Type {
			return a.mismatch("unexpected_type", "type %s, the schema has %s", v.Type, w.single.ty)
		}
		return a.appendTyped(w.single, v, rep)
	case w.json:
		a.buf = ddbjson.AppendValue(a.buf[:0], *v)
		a.bytes += int64(len(a.buf))
		value(w.text, rep, a.buf)
		return nil
	}
	t := w.mixed[v.Type]
	if t == nil {
		if w.text != nil {
			return a.mismatch("unexpected_type", "type %s, the schema has no type here", v.Type)
		}
		return a.mismatch("unexpected_type", "type %s, not one of the schema's types here", v.Type)
	}
	for _, o := range w.mixed {
		if o != nil && o != t {
			nulls(o.leaves, w.def, rep)
		}
	}
	return a.appendTyped(t, v, rep)
}

func (a *appender) appendTyped(t *typeWriter, v *codec.Value, rep int16) error {
	switch t.ty {
	case codec.TypeS, codec.TypeB:
		a.bytes += int64(len(v.Str))
		value(t.col, rep, v.Str)
	case codec.TypeN:
		return a.appendNumber(t, rep, v.Str)
	case codec.TypeBOOL:
		a.bytes++
		t.col.bool(rep, v.Bool)
	case codec.TypeNULL:
		a.bytes++
		t.col.bool(rep, true)
	case codec.TypeSS, codec.TypeBS:
		if len(v.Elems) == 0 {
			t.col.null(t.def, rep)
		}
		for i := range v.Elems {
			a.bytes += int64(len(v.Elems[i].Str))
			value(t.col, rep, v.Elems[i].Str)
			rep = t.rep
		}
	case codec.TypeNS:
		if len(v.Elems) == 0 {
			t.col.null(t.def, rep)
		}
		for i := range v.Elems {
			a.path = append(a.path, pathElem{index: i})
			if err := a.appendNumber(t, rep, v.Elems[i].Str); err != nil {
				return err
			}
			a.path = a.path[:len(a.path)-1]
			rep = t.rep
		}
	case codec.TypeL:
		if len(v.Elems) == 0 {
			nulls(t.leaves, t.def, rep)
		}
		for i := range v.Elems {
			a.path = append(a.path, pathElem{index: i})
			if err := a.appendValue(t.elem, &v.Elems[i], rep); err != nil {
				return err
			}
			a.path = a.path[:len(a.path)-1]
			rep = t.rep
		}
	case codec.TypeM:
		return a.appendItem(t.fields, codec.Item(v.Elems), rep)
	}
	return nil
}

func (a *appender) appendNumber(t *typeWriter, rep int16, s string) error {
	a.bytes += int64(len(s))
	c := t.col
	if t.num == numString {
		var ok bool
		a.buf, ok = codec.AppendPlainNumber(a.buf[:0], s)
		if !ok {
			return a.mismatch("number_out_of_column", "%q is not a number", s)
		}
		value(c, rep, a.buf)
		return nil
	}
	if n, ok := parseSmall(s); ok {
		switch t.num {
		case numInt64:
			if v, ok := n.int64(); ok {
				c.int64(rep, v)
				return nil
			}
		case numDecimal:
			if v, ok := n.decimal128(t.scale); ok {
				c.decimal(rep, v)
				return nil
			}
		}
	}
	var d decimal
	d, a.buf = parseDecimal(a.buf, s)
	if !d.ok {
		return a.mismatch("number_out_of_column", "%q is not a number", s)
	}
	switch t.num {
	case numInt64:
		n, ok := d.int64()
		if !ok {
			return a.mismatch("number_out_of_column", "number %s does not fit the column's int64", s)
		}
		c.int64(rep, n)
	case numDecimal:
		n, ok := d.decimal128(t.scale)
		if !ok {
			return a.mismatch("number_out_of_column", "number %s does not fit the column's decimal(38,%d)", s, t.scale)
		}
		c.decimal(rep, n)
	case numDouble:
		c.double(rep, d.float64())
	}
	return nil
}
