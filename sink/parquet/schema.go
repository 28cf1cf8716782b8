package parquet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
)

// SchemaVersion names the format of a schema file.
const SchemaVersion = "ddbexport.parquet-schema/v1"

// Kinds of export a schema describes.
const (
	KindFull        = "full"
	KindIncremental = "incremental"
)

// A Schema says how the items of one export become Parquet columns. It is
// what Infer returns, what `ddbexport schema --json` prints, and what a
// user may edit and hand back to `convert --schema`.
//
// In a full export each top-level attribute is a column: the Keys first, in
// their order, then the Attributes in theirs. In an incremental export the
// columns are op, write_time, the Keys, then new_image and old_image,
// structs of the Attributes.
type Schema struct {
	Version string `json:"schema"`
	Kind    string `json:"kind"`
	// Items counts the items (records) the schema was inferred from; 0
	// for a schema written by hand.
	Items int64 `json:"items,omitempty"`
	// Images counts the images (NewImage and OldImage) of an incremental
	// export's records that the attributes were inferred from.
	Images int64 `json:"images,omitempty"`
	// Keys are the table's key attributes, where known: the partition key
	// then the sort key.
	Keys []*Slot `json:"keys,omitempty"`
	// Attributes are the other attributes (all of an image's attributes,
	// in an incremental export).
	Attributes []*Slot `json:"attributes"`
}

// A Slot is a place that holds a value: an attribute, a field of a map, or
// the elements of a list. Its values may have one DynamoDB type or
// several.
//
// With one type the slot is a column of that type. With several it is a
// struct with one child per type, named by the type in lower case (price.n,
// price.s, …), of which exactly one is set for each value. With As set to
// "json" the value is written whole as DynamoDB JSON text instead. A slot
// with no type holds no value (a list that was always empty) and is a
// string column that stays null.
type Slot struct {
	Name  string  `json:"name,omitempty"`
	As    string  `json:"as,omitempty"`
	Types []*Type `json:"types,omitempty"`
	// Count is how many values the slot held in the inferred data: items
	// for an attribute, maps for a field, elements for a list's elements.
	Count int64 `json:"count,omitempty"`
}

// AsJSON is Slot.As for a value written as DynamoDB JSON text.
const AsJSON = "json"

// A Type is one DynamoDB type a slot holds and how it is written.
type Type struct {
	// Type is the DynamoDB type: S, N, B, BOOL, NULL, M, L, SS, NS or BS.
	Type string `json:"type"`
	// Number is the column type of an N or of an NS's elements: "int64",
	// "decimal(38,S)" for a scale S from 0 to 38, "string" (the exact
	// decimal text) or "double" (lossy, only on request).
	Number string `json:"number,omitempty"`
	// Element is the slot of an L's elements.
	Element *Slot `json:"element,omitempty"`
	// Fields are the fields of an M, a struct column.
	Fields []*Slot `json:"fields,omitempty"`
	// Dictionary dictionary-encodes an S column: inferred for columns of
	// few distinct values (at most 256 in the data).
	Dictionary bool `json:"dictionary,omitempty"`
	// Count is how many of the slot's values had this type.
	Count int64 `json:"count,omitempty"`
}

// Number column types.
const (
	NumberInt64  = "int64"
	NumberString = "string"
	NumberDouble = "double"
)

// NumberDecimal returns the Number of a decimal128(38, scale) column.
func NumberDecimal(scale int) string { return "decimal(38," + strconv.Itoa(scale) + ")" }

// decimalScale parses a Number made by NumberDecimal.
func decimalScale(number string) (int, bool) {
	s, ok := strings.CutPrefix(number, "decimal(38,")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ")")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 38 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// Columns of an incremental export's rows besides the keys.
const (
	ColumnOp        = "op"
	ColumnWriteTime = "write_time"
	ColumnNewImage  = "new_image"
	ColumnOldImage  = "old_image"
)

// ReadSchema reads and checks a schema file.
func ReadSchema(r io.Reader) (*Schema, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Schema
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if dec.More() {
		return nil, errors.New("schema: more than one JSON value")
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// WriteJSON writes s as an indented schema file.
func (s *Schema) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// MarshalCompact returns s as JSON on one line without the counts, as kept
// in the Parquet files' metadata.
func (s *Schema) MarshalCompact() []byte {
	c := s.withoutCounts()
	b, _ := json.Marshal(c)
	return b
}

func (s *Schema) withoutCounts() *Schema {
	c := *s
	c.Items, c.Images = 0, 0
	strip := func(slots []*Slot) []*Slot {
		out := make([]*Slot, len(slots))
		for i, sl := range slots {
			out[i] = sl.withoutCounts()
		}
		return out
	}
	c.Keys, c.Attributes = strip(s.Keys), strip(s.Attributes)
	return &c
}

func (sl *Slot) withoutCounts() *Slot {
	if sl == nil {
		return nil
	}
	c := *sl
	c.Count = 0
	c.Types = make([]*Type, len(sl.Types))
	for i, t := range sl.Types {
		tc := *t
		tc.Count = 0
		tc.Element = t.Element.withoutCounts()
		tc.Fields = make([]*Slot, len(t.Fields))
		for j, f := range t.Fields {
			tc.Fields[j] = f.withoutCounts()
		}
		if len(tc.Fields) == 0 {
			tc.Fields = nil
		}
		c.Types[i] = &tc
	}
	return &c
}

// Equal reports whether a and b write the same columns (counts aside).
func (s *Schema) Equal(o *Schema) bool {
	return bytes.Equal(s.MarshalCompact(), o.MarshalCompact())
}

// Warnings lists what a query engine may trip over in s, though Parquet
// takes it: names of one struct (or of the top level) that differ only in
// case, which case-insensitive engines (Spark, Athena, Hive) cannot tell
// apart.
func (s *Schema) Warnings() []string {
	var warns []string
	var fields func(path string, slots []*Slot)
	var slot func(path string, sl *Slot)
	fields = func(path string, slots []*Slot) {
		seen := map[string]string{}
		for _, sl := range slots {
			k := strings.ToLower(sl.Name)
			if other, ok := seen[k]; ok {
				where := "the top level"
				if path != "" {
					where = path
				}
				warns = append(warns, fmt.Sprintf("%s has attributes %q and %q, which differ only in case: case-insensitive engines (Spark, Athena) cannot tell their columns apart", where, other, sl.Name))
			} else {
				seen[k] = sl.Name
			}
			p := sl.Name
			if path != "" {
				p = path + "." + sl.Name
			}
			slot(p, sl)
		}
	}
	slot = func(path string, sl *Slot) {
		for _, t := range sl.Types {
			if t.Element != nil {
				slot(path+"[]", t.Element)
			}
			fields(path, t.Fields)
		}
	}
	if s.Kind == KindFull {
		fields("", slices.Concat(s.Keys, s.Attributes))
	} else {
		fields("", s.Keys)
		fields("", s.Attributes)
	}
	return warns
}

// Check reports the first rule s breaks: a known version and kind, named
// and unique attributes, known types each at most once per slot, number
// columns and nested shapes that can be written.
func (s *Schema) Check() error {
	if s.Version != SchemaVersion {
		return fmt.Errorf("schema: %q is %q, want %q", "schema", s.Version, SchemaVersion)
	}
	if s.Kind != KindFull && s.Kind != KindIncremental {
		return fmt.Errorf("schema: kind %q, want %q or %q", s.Kind, KindFull, KindIncremental)
	}
	// In a full export keys and attributes are columns side by side; in
	// an incremental one the keys are also attributes of the images.
	keys, attrs := map[string]bool{}, map[string]bool{}
	for i, sl := range slices.Concat(s.Keys, s.Attributes) {
		if sl == nil {
			return errors.New("schema: an attribute is null")
		}
		if sl.Name == "" {
			return errors.New("schema: an attribute has no name")
		}
		seen := attrs
		if i < len(s.Keys) {
			seen = keys
		}
		if seen[sl.Name] || (s.Kind == KindFull && keys[sl.Name] && i >= len(s.Keys)) {
			return fmt.Errorf("schema: attribute %q appears twice", sl.Name)
		}
		seen[sl.Name] = true
	}
	for _, sl := range s.Keys {
		if err := sl.check(sl.Name, true); err != nil {
			return err
		}
	}
	for _, sl := range s.Attributes {
		if err := sl.check(sl.Name, true); err != nil {
			return err
		}
	}
	if s.Kind == KindIncremental {
		for _, k := range s.Keys {
			switch k.Name {
			case ColumnOp, ColumnWriteTime, ColumnNewImage, ColumnOldImage:
				return fmt.Errorf("schema: key attribute %q has the name of a column of incremental rows; rename the column in a full export instead", k.Name)
			}
		}
	}
	return nil
}

func (sl *Slot) check(path string, named bool) error {
	if sl == nil {
		return fmt.Errorf("schema: %s: a slot is null", path)
	}
	if named && sl.Name == "" {
		return fmt.Errorf("schema: %s: a field has no name", path)
	}
	switch sl.As {
	case "":
	case AsJSON:
		if len(sl.Types) > 0 {
			return fmt.Errorf("schema: %s: \"as\": \"json\" takes no types", path)
		}
		return nil
	default:
		return fmt.Errorf("schema: %s: \"as\": %q, want \"json\" or nothing", path, sl.As)
	}
	var seen [codec.TypeBS + 1]bool
	for _, t := range sl.Types {
		if t == nil {
			return fmt.Errorf("schema: %s: a type is null", path)
		}
		ty, ok := codec.ParseType(t.Type)
		if !ok {
			return fmt.Errorf("schema: %s: unknown type %q", path, t.Type)
		}
		if seen[ty] {
			return fmt.Errorf("schema: %s: type %s appears twice", path, t.Type)
		}
		seen[ty] = true
		if (ty == codec.TypeN || ty == codec.TypeNS) != (t.Number != "") {
			if t.Number == "" {
				return fmt.Errorf("schema: %s: type %s needs a \"number\" column type", path, t.Type)
			}
			return fmt.Errorf("schema: %s: type %s takes no \"number\"", path, t.Type)
		}
		if t.Number != "" {
			if _, ok := decimalScale(t.Number); !ok && t.Number != NumberInt64 && t.Number != NumberString && t.Number != NumberDouble {
				return fmt.Errorf("schema: %s: number %q, want int64, decimal(38,S) with S from 0 to 38, string or double", path, t.Number)
			}
		}
		if (ty == codec.TypeL) != (t.Element != nil) {
			if t.Element == nil {
				return fmt.Errorf("schema: %s: type L needs an \"element\" slot", path)
			}
			return fmt.Errorf("schema: %s: type %s takes no \"element\"", path, t.Type)
		}
		if t.Element != nil {
			if err := t.Element.check(path+"[]", false); err != nil {
				return err
			}
		}
		if t.Dictionary && ty != codec.TypeS {
			return fmt.Errorf("schema: %s: \"dictionary\" is for type S only", path)
		}
		if ty != codec.TypeM && len(t.Fields) > 0 {
			return fmt.Errorf("schema: %s: type %s takes no \"fields\"", path, t.Type)
		}
		if ty == codec.TypeM && len(t.Fields) == 0 {
			return fmt.Errorf("schema: %s: type M needs at least one field (a Parquet struct cannot be empty); write the map as \"as\": \"json\" instead", path)
		}
		names := map[string]bool{}
		for _, f := range t.Fields {
			if f == nil {
				return fmt.Errorf("schema: %s: a field is null", path)
			}
			if names[f.Name] {
				return fmt.Errorf("schema: %s: field %q appears twice", path, f.Name)
			}
			names[f.Name] = true
			if err := f.check(path+"."+f.Name, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeOf returns the DynamoDB type of a checked Type.
func (t *Type) typeOf() codec.Type {
	ty, _ := codec.ParseType(t.Type)
	return ty
}

// childName is the name of a mixed slot's child for type t.
func childName(t codec.Type) string { return strings.ToLower(t.String()) }
