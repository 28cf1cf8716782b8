package parquet

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

// A MismatchError says that a value does not fit the schema: an attribute
// or field the schema does not have, a type its slot does not hold, or a
// number its column cannot hold exactly.
type MismatchError struct {
	Path   string // attribute path, as in codec.DecodeError
	Reason string // "unknown_attribute", "unexpected_type" or "number_out_of_column"
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
		return arrow.ListOf(arrow.BinaryTypes.String)
	case codec.TypeNS:
		return arrow.ListOf(numberType(t.Number))
	case codec.TypeBS:
		return arrow.ListOf(arrow.BinaryTypes.Binary)
	case codec.TypeL:
		return arrow.ListOf(slotType(t.Element))
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

// A slotWriter appends the values of one slot to its Arrow builder.
type slotWriter struct {
	json bool
	b    array.Builder
	// One type: single. Several: mixed, by type, each a child of the
	// struct builder b.
	single *typeWriter
	mixed  [codec.TypeBS + 1]*typeWriter
}

type typeWriter struct {
	ty     codec.Type
	b      array.Builder
	num    int // number kind of N and NS
	scale  int
	elem   *slotWriter // L elements
	vb     array.Builder
	fields *fieldsWriter // M
}

// A fieldsWriter appends named values to the slots of a struct (or of the
// top level of a row).
type fieldsWriter struct {
	names []string
	slots []*slotWriter
	index map[string]int
	// guess holds, for each position in an item, the slot of the
	// attribute found there last: the items of a table mostly list their
	// attributes in one order, and comparing a name is cheaper than
	// hashing it.
	guess  []int
	stamp  []uint32
	gen    uint32
	prefix string
}

func newFieldsWriter(slots []*Slot, builders func(i int) array.Builder) *fieldsWriter {
	f := &fieldsWriter{index: make(map[string]int, len(slots)), stamp: make([]uint32, len(slots)), guess: make([]int, len(slots))}
	for i, sl := range slots {
		f.names = append(f.names, sl.Name)
		f.slots = append(f.slots, newSlotWriter(sl, builders(i)))
		f.index[sl.Name] = i
	}
	return f
}

func newSlotWriter(sl *Slot, b array.Builder) *slotWriter {
	w := &slotWriter{b: b}
	switch {
	case sl.As == AsJSON || len(sl.Types) == 0:
		w.json = sl.As == AsJSON
	case len(sl.Types) == 1:
		w.single = newTypeWriter(sl.Types[0], b)
	default:
		sb := b.(*array.StructBuilder)
		for i, t := range sortedTypes(sl.Types) {
			w.mixed[t.typeOf()] = newTypeWriter(t, sb.FieldBuilder(i))
		}
	}
	return w
}

func newTypeWriter(t *Type, b array.Builder) *typeWriter {
	w := &typeWriter{ty: t.typeOf(), b: b}
	w.num, w.scale = numberKind(t.Number)
	switch w.ty {
	case codec.TypeSS, codec.TypeNS, codec.TypeBS:
		w.vb = b.(*array.ListBuilder).ValueBuilder()
	case codec.TypeL:
		w.vb = b.(*array.ListBuilder).ValueBuilder()
		w.elem = newSlotWriter(t.Element, w.vb)
	case codec.TypeM:
		sb := b.(*array.StructBuilder)
		w.fields = newFieldsWriter(t.Fields, sb.FieldBuilder)
	}
	return w
}

// appender holds the state of appending one row: a scratch buffer, the
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

// appendItem appends the attributes of it to the slots of f; a slot it
// does not have gets a null. On error the builders are left part-way.
func (a *appender) appendItem(f *fieldsWriter, it codec.Item) error {
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
		f.stamp[j] = f.gen
		a.path = append(a.path, pathElem{name: v.Name})
		if err := a.appendValue(f.slots[j], v); err != nil {
			return err
		}
		a.path = a.path[:len(a.path)-1]
	}
	for j, s := range f.stamp {
		if s != f.gen {
			f.slots[j].b.AppendNull()
		}
	}
	return nil
}

func (a *appender) appendValue(w *slotWriter, v *codec.Value) error {
	switch {
	case w.single != nil:
		if w.single.ty != v.Type {
			return a.mismatch("unexpected_type", "type %s, the schema has %s", v.Type, w.single.ty)
		}
		return a.appendTyped(w.single, v)
	case w.json:
		a.buf = ddbjson.AppendValue(a.buf[:0], *v)
		a.bytes += int64(len(a.buf))
		w.b.(*array.StringBuilder).BinaryBuilder.Append(a.buf)
		return nil
	}
	t := w.mixed[v.Type]
	if t == nil {
		if w.b.Type().ID() == arrow.STRING {
			return a.mismatch("unexpected_type", "type %s, the schema has no type here", v.Type)
		}
		return a.mismatch("unexpected_type", "type %s, not one of the schema's types here", v.Type)
	}
	w.b.(*array.StructBuilder).Append(true)
	for _, o := range w.mixed {
		if o != nil && o != t {
			o.b.AppendNull()
		}
	}
	return a.appendTyped(t, v)
}

func (a *appender) appendTyped(t *typeWriter, v *codec.Value) error {
	switch t.ty {
	case codec.TypeS:
		a.bytes += int64(len(v.Str))
		t.b.(*array.StringBuilder).Append(v.Str)
	case codec.TypeB:
		a.bytes += int64(len(v.Str))
		t.b.(*array.BinaryBuilder).AppendString(v.Str)
	case codec.TypeN:
		return a.appendNumber(t, t.b, v.Str)
	case codec.TypeBOOL:
		a.bytes++
		t.b.(*array.BooleanBuilder).Append(v.Bool)
	case codec.TypeNULL:
		a.bytes++
		t.b.(*array.BooleanBuilder).Append(true)
	case codec.TypeSS:
		t.b.(*array.ListBuilder).Append(true)
		vb := t.vb.(*array.StringBuilder)
		for i := range v.Elems {
			a.bytes += int64(len(v.Elems[i].Str))
			vb.Append(v.Elems[i].Str)
		}
	case codec.TypeBS:
		t.b.(*array.ListBuilder).Append(true)
		vb := t.vb.(*array.BinaryBuilder)
		for i := range v.Elems {
			a.bytes += int64(len(v.Elems[i].Str))
			vb.AppendString(v.Elems[i].Str)
		}
	case codec.TypeNS:
		t.b.(*array.ListBuilder).Append(true)
		for i := range v.Elems {
			a.path = append(a.path, pathElem{index: i})
			if err := a.appendNumber(t, t.vb, v.Elems[i].Str); err != nil {
				return err
			}
			a.path = a.path[:len(a.path)-1]
		}
	case codec.TypeL:
		t.b.(*array.ListBuilder).Append(true)
		for i := range v.Elems {
			a.path = append(a.path, pathElem{index: i})
			if err := a.appendValue(t.elem, &v.Elems[i]); err != nil {
				return err
			}
			a.path = a.path[:len(a.path)-1]
		}
	case codec.TypeM:
		t.b.(*array.StructBuilder).Append(true)
		return a.appendItem(t.fields, codec.Item(v.Elems))
	}
	return nil
}

func (a *appender) appendNumber(t *typeWriter, b array.Builder, s string) error {
	a.bytes += int64(len(s))
	if t.num == numString {
		var ok bool
		a.buf, ok = codec.AppendPlainNumber(a.buf[:0], s)
		if !ok {
			return a.mismatch("number_out_of_column", "%q is not a number", s)
		}
		b.(*array.StringBuilder).BinaryBuilder.Append(a.buf)
		return nil
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
		b.(*array.Int64Builder).Append(n)
	case numDecimal:
		n, ok := d.decimal128(t.scale)
		if !ok {
			return a.mismatch("number_out_of_column", "number %s does not fit the column's decimal(38,%d)", s, t.scale)
		}
		b.(*array.Decimal128Builder).Append(n)
	case numDouble:
		b.(*array.Float64Builder).Append(d.float64())
	}
	return nil
}
