package parquet

import (
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
)

// Ways to write numbers (InferOptions.Numbers).
const (
	// NumbersAuto writes a slot's numbers as int64 where all are integers
	// that fit, else as decimal128(38, S) where all fit a common scale S,
	// else as exact decimal strings. It never loses a digit.
	NumbersAuto = "auto"
	// NumbersDecimal is NumbersAuto without int64.
	NumbersDecimal = "decimal"
	// NumbersString writes every number as its exact decimal text.
	NumbersString = "string"
	// NumbersDouble writes every number as a float64, which rounds most
	// numbers of more than 15 digits: only on request.
	NumbersDouble = "double"
)

// Ways to write a slot whose values have several types (InferOptions.Mixed).
const (
	// MixedColumns makes a struct with one child per type (the default).
	MixedColumns = "columns"
	// MixedJSON writes such values as DynamoDB JSON text.
	MixedJSON = "json"
)

// Defaults of InferOptions.
const (
	DefaultMaxFields  = 1000
	DefaultMaxColumns = 10000
)

// InferOptions say how inferred types become columns.
type InferOptions struct {
	Numbers string // NumbersAuto if empty
	Mixed   string // MixedColumns if empty
	// Keys are the table's key attributes (partition key, then sort key)
	// where the user knows them: their columns come first.
	Keys []string
	// MaxFields is the largest number of distinct fields of a map that
	// becomes a struct; a map with more (a map used as a dictionary) is
	// written as DynamoDB JSON. DefaultMaxFields if 0.
	MaxFields int
	// MaxColumns bounds the distinct top-level attributes; an export with
	// more cannot be written with an inferred schema. DefaultMaxColumns if
	// 0.
	MaxColumns int
}

func (o *InferOptions) maxFields() int {
	if o.MaxFields <= 0 {
		return DefaultMaxFields
	}
	return o.MaxFields
}

func (o *InferOptions) maxColumns() int {
	if o.MaxColumns <= 0 {
		return DefaultMaxColumns
	}
	return o.MaxColumns
}

// An Inferrer learns the types of an export's attributes from its records,
// in memory bounded by InferOptions.MaxFields and MaxColumns, not by the
// number of items. It is not safe for concurrent use: give each worker one
// and Merge them.
type Inferrer struct {
	opt     InferOptions
	records int64
	full    int64 // full export records
	change  int64 // incremental records
	images  int64 // their images
	keys    fieldStats
	attrs   fieldStats
	buf     []byte
}

// NewInferrer returns an empty Inferrer.
func NewInferrer(opt InferOptions) *Inferrer {
	return &Inferrer{opt: opt, keys: newFieldStats(opt.maxColumns()), attrs: newFieldStats(opt.maxColumns())}
}

// fieldStats are the slots of named values: top-level attributes or the
// fields of maps.
type fieldStats struct {
	m        map[string]*slotStats
	max      int
	overflow bool // more distinct names than max were seen; m is dropped
}

func newFieldStats(max int) fieldStats { return fieldStats{m: map[string]*slotStats{}, max: max} }

func (f *fieldStats) slot(name string) *slotStats {
	if f.overflow {
		return nil
	}
	s := f.m[name]
	if s == nil {
		if len(f.m) >= f.max {
			f.overflow, f.m = true, nil
			return nil
		}
		s = new(slotStats)
		f.m[strings.Clone(name)] = s
	}
	return s
}

type slotStats struct {
	count int64
	types [codec.TypeBS + 1]*typeStats
}

type typeStats struct {
	count int64
	// distinct holds hashes of the first strings of an S slot, up to
	// maxDictionary; nil once more were seen (or for other types).
	distinct map[uint64]struct{}
	many     bool
	num      numStats    // N, and NS elements
	elem     *slotStats  // L elements
	fields   *fieldStats // M fields
}

// numStats sums up the numbers of one slot.
type numStats struct {
	count    int64
	frac     bool // some number has digits after the point
	big      bool // some integer does not fit an int64
	maxScale int  // most digits after the point
	maxInt   int  // most digits before the point
}

// Add learns the types of one record.
func (in *Inferrer) Add(r *codec.Record) {
	in.records++
	if r.IsChange() {
		in.change++
		in.addItem(&in.keys, r.Keys)
		for _, im := range [2]codec.Item{r.NewImage, r.OldImage} {
			if im != nil {
				in.images++
				in.addItem(&in.attrs, im)
			}
		}
		return
	}
	in.full++
	in.addItem(&in.attrs, r.Item)
}

func (in *Inferrer) addItem(f *fieldStats, it codec.Item) {
	for i := range it {
		if s := f.slot(it[i].Name); s != nil {
			in.addValue(s, &it[i])
		}
	}
}

func (in *Inferrer) addValue(s *slotStats, v *codec.Value) {
	s.count++
	t := s.types[v.Type]
	if t == nil {
		t = new(typeStats)
		s.types[v.Type] = t
	}
	t.count++
	switch v.Type {
	case codec.TypeS:
		t.addString(v.Str)
	case codec.TypeN:
		in.addNumber(&t.num, v.Str)
	case codec.TypeNS:
		for i := range v.Elems {
			in.addNumber(&t.num, v.Elems[i].Str)
		}
	case codec.TypeL:
		if t.elem == nil {
			t.elem = new(slotStats)
		}
		for i := range v.Elems {
			in.addValue(t.elem, &v.Elems[i])
		}
	case codec.TypeM:
		if t.fields == nil {
			f := newFieldStats(in.opt.maxFields())
			t.fields = &f
		}
		in.addItem(t.fields, codec.Item(v.Elems))
	}
}

// maxDictionary is the most distinct values of a string column that is
// dictionary-encoded. Dictionaries pay for few distinct values (statuses,
// countries, enums), and cost time without shrinking the file for many
// (names, text, ids): zstd finds the repeats there anyway.
const maxDictionary = 256

var seed = maphash.MakeSeed()

func (t *typeStats) addString(s string) {
	if t.many {
		return
	}
	if t.distinct == nil {
		t.distinct = make(map[uint64]struct{}, 8)
	}
	t.distinct[maphash.String(seed, s)] = struct{}{}
	if len(t.distinct) > maxDictionary {
		t.many, t.distinct = true, nil
	}
}

func (in *Inferrer) addNumber(n *numStats, s string) {
	n.count++
	var d decimal
	d, in.buf = parseDecimal(in.buf[:0], s)
	if !d.ok {
		// The decoders let no invalid number through; keep it exact.
		n.frac, n.maxScale = true, 1<<20
		return
	}
	if sc := d.scale(); sc > 0 {
		n.frac = true
		n.maxScale = max(n.maxScale, sc)
	}
	n.maxInt = max(n.maxInt, d.intDigits())
	if !n.big && !n.frac {
		if _, ok := d.int64(); !ok {
			n.big = true
		}
	}
}

// Merge adds what o learned to in.
func (in *Inferrer) Merge(o *Inferrer) {
	in.records += o.records
	in.full += o.full
	in.change += o.change
	in.images += o.images
	in.keys.merge(&o.keys)
	in.attrs.merge(&o.attrs)
}

func (f *fieldStats) merge(o *fieldStats) {
	if o.overflow {
		f.overflow, f.m = true, nil
	}
	if f.overflow {
		return
	}
	for name, os := range o.m {
		s := f.slot(name)
		if s == nil {
			return
		}
		s.merge(os)
	}
}

func (s *slotStats) merge(o *slotStats) {
	s.count += o.count
	for ty, ot := range o.types {
		if ot == nil {
			continue
		}
		t := s.types[ty]
		if t == nil {
			t = new(typeStats)
			s.types[ty] = t
		}
		t.count += ot.count
		t.num.merge(&ot.num)
		if ot.many {
			t.many, t.distinct = true, nil
		}
		for h := range ot.distinct {
			if t.many {
				break
			}
			if t.distinct == nil {
				t.distinct = make(map[uint64]struct{}, len(ot.distinct))
			}
			t.distinct[h] = struct{}{}
			if len(t.distinct) > maxDictionary {
				t.many, t.distinct = true, nil
			}
		}
		if ot.elem != nil {
			if t.elem == nil {
				t.elem = new(slotStats)
			}
			t.elem.merge(ot.elem)
		}
		if ot.fields != nil {
			if t.fields == nil {
				f := newFieldStats(ot.fields.max)
				t.fields = &f
			}
			t.fields.merge(ot.fields)
		}
	}
}

func (n *numStats) merge(o *numStats) {
	n.count += o.count
	n.frac = n.frac || o.frac
	n.big = n.big || o.big
	n.maxScale = max(n.maxScale, o.maxScale)
	n.maxInt = max(n.maxInt, o.maxInt)
}

// Records returns the number of records added.
func (in *Inferrer) Records() int64 { return in.records }

// Schema returns the schema that writes every record added so far.
func (in *Inferrer) Schema() (*Schema, error) {
	switch in.opt.Numbers {
	case "", NumbersAuto, NumbersDecimal, NumbersString, NumbersDouble:
	default:
		return nil, fmt.Errorf("numbers %q: want auto, decimal, string or double", in.opt.Numbers)
	}
	switch in.opt.Mixed {
	case "", MixedColumns, MixedJSON:
	default:
		return nil, fmt.Errorf("mixed %q: want columns or json", in.opt.Mixed)
	}
	if in.full > 0 && in.change > 0 {
		return nil, errors.New("the export mixes full and incremental records")
	}
	if in.keys.overflow || in.attrs.overflow {
		return nil, fmt.Errorf("more than %d distinct top-level attributes: too many columns to infer; give a schema file", in.opt.maxColumns())
	}
	s := &Schema{Version: SchemaVersion, Kind: KindFull, Items: in.records}
	attrs := in.slots(&in.attrs)
	if in.change > 0 {
		s.Kind = KindIncremental
		s.Images = in.images
		s.Keys = in.slots(&in.keys)
		order := func(slots []*Slot) []*Slot {
			var first []*Slot
			for _, k := range in.opt.Keys {
				if i := slices.IndexFunc(slots, func(s *Slot) bool { return s.Name == k }); i >= 0 {
					first = append(first, slots[i])
					slots = slices.Delete(slots, i, i+1)
				}
			}
			return append(first, slots...)
		}
		s.Keys = order(s.Keys)
		s.Attributes = attrs
	} else {
		for _, k := range in.opt.Keys {
			i := slices.IndexFunc(attrs, func(s *Slot) bool { return s.Name == k })
			if i < 0 {
				if in.records == 0 {
					continue
				}
				return nil, fmt.Errorf("key attribute %q is in no item", k)
			}
			s.Keys = append(s.Keys, attrs[i])
			attrs = slices.Delete(attrs, i, i+1)
		}
		s.Attributes = attrs
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// slots decides the slots of named values, sorted by name.
func (in *Inferrer) slots(f *fieldStats) []*Slot {
	names := slices.Sorted(maps.Keys(f.m))
	out := make([]*Slot, 0, len(names))
	for _, name := range names {
		sl := in.slot(f.m[name])
		sl.Name = name
		out = append(out, sl)
	}
	return out
}

// slot decides how a slot's values are written.
func (in *Inferrer) slot(s *slotStats) *Slot {
	sl := &Slot{Count: s.count}
	json := false
	for ty, t := range s.types {
		if t == nil {
			continue
		}
		typ := &Type{Type: codec.Type(ty).String(), Count: t.count}
		switch codec.Type(ty) {
		case codec.TypeS:
			typ.Dictionary = !t.many && t.count > 0
		case codec.TypeN, codec.TypeNS:
			typ.Number = in.number(&t.num)
		case codec.TypeL:
			typ.Element = in.slot(cmpOr(t.elem, new(slotStats)))
		case codec.TypeM:
			if t.fields == nil || t.fields.overflow || len(t.fields.m) == 0 {
				// A dictionary-like map, or one always empty: no struct.
				json = true
				break
			}
			typ.Fields = in.slots(t.fields)
		}
		sl.Types = append(sl.Types, typ)
	}
	if json || (len(sl.Types) > 1 && in.opt.Mixed == MixedJSON) {
		sl.As, sl.Types = AsJSON, nil
	}
	return sl
}

func cmpOr[T any](p, def *T) *T {
	if p == nil {
		return def
	}
	return p
}

// number decides the column type of a slot's numbers.
func (in *Inferrer) number(n *numStats) string {
	switch in.opt.Numbers {
	case NumbersString:
		return NumberString
	case NumbersDouble:
		return NumberDouble
	}
	if in.opt.Numbers != NumbersDecimal && !n.frac && !n.big {
		return NumberInt64
	}
	if n.maxInt+n.maxScale <= 38 {
		return NumberDecimal(n.maxScale)
	}
	return NumberString
}
