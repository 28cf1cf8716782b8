package parquet_test

// This file is the tests' Parquet reader: it reads the Writer's files with
// github.com/parquet-go/parquet-go, a Parquet implementation independent
// of the Arrow one the Writer uses, and rebuilds the export's records from
// the raw column values (repetition and definition levels), by the schema
// kept in each file's metadata. The rebuild rules are the inverse of the
// mapping in doc.go; anything unexpected in the file (a physical or
// logical type, a level, a mixed struct with no or two children set, a
// NULL column holding false) fails the read.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path"
	"slices"
	"strings"
	"testing"

	pq "github.com/apache/arrow-go/v18/parquet"
	pqgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
)

// readFile is what one Parquet file holds.
type readFile struct {
	Schema    *parquet.Schema // from the file's metadata
	Source    parquet.Source  // from the file's metadata
	Records   []*codec.Record // in file order
	RowGroups int
	// Doubles holds, for a schema with double columns, nothing more: the
	// rebuilt numbers are the doubles' shortest decimal text.
}

// readParquet reads every row of the Parquet file b.
func readParquet(b []byte) (*readFile, error) {
	f, err := pqgo.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	raw, ok := f.Lookup(parquet.MetaSchema)
	if !ok {
		return nil, fmt.Errorf("no %s metadata", parquet.MetaSchema)
	}
	var s parquet.Schema
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s metadata: %w", parquet.MetaSchema, err)
	}
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("%s metadata: %w", parquet.MetaSchema, err)
	}
	out := &readFile{Schema: &s, RowGroups: len(f.RowGroups())}
	if src, ok := f.Lookup(parquet.MetaSource); ok {
		if err := json.Unmarshal([]byte(src), &out.Source); err != nil {
			return nil, fmt.Errorf("%s metadata: %w", parquet.MetaSource, err)
		}
	}
	root := buildNode(f.Root(), 0, 0)
	rb := &rebuilder{schema: &s, root: root}
	if err := rb.bindTop(); err != nil {
		return nil, err
	}
	var total int64
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]pqgo.Row, 64)
		st := newChunkStats(len(rg.ColumnChunks()))
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				st.add(f.Schema(), row)
				rec, err := rb.record(row)
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("row %d: %w", total, err)
				}
				out.Records = append(out.Records, rec)
				total++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := st.check(rg); err != nil {
			return nil, fmt.Errorf("row group %d: %w", len(out.Records), err)
		}
	}
	if total != f.NumRows() {
		return nil, fmt.Errorf("read %d rows, the footer says %d", total, f.NumRows())
	}
	return out, nil
}

// A node is one node of the file's Parquet schema with its levels: def and
// rep count the optional and repeated nodes from the root down to and
// including it.
type node struct {
	name     string
	col      *pqgo.Column
	def, rep int
	leaves   []int // leaf column indexes under the node, in order
	kids     []*node
}

func buildNode(c *pqgo.Column, def, rep int) *node {
	switch {
	case c.Optional():
		def++
	case c.Repeated():
		def++
		rep++
	}
	n := &node{name: c.Name(), col: c, def: def, rep: rep}
	if c.Leaf() {
		n.leaves = []int{c.Index()}
		return n
	}
	for _, k := range c.Columns() {
		kn := buildNode(k, def, rep)
		n.kids = append(n.kids, kn)
		n.leaves = append(n.leaves, kn.leaves...)
	}
	return n
}

func (n *node) kid(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *node) names() []string {
	var out []string
	for _, k := range n.kids {
		out = append(out, k.name)
	}
	return out
}

// A rebuilder turns rows back into records.
type rebuilder struct {
	schema *parquet.Schema
	root   *node
	// The current row's values by leaf column, and the next to read.
	cols [][]pqgo.Value
	pos  []int
}

// bindTop checks that the file's top-level columns are the schema's, in
// order.
func (rb *rebuilder) bindTop() error {
	var want []string
	s := rb.schema
	if s.Kind == parquet.KindIncremental {
		want = append(want, parquet.ColumnOp, parquet.ColumnWriteTime)
	}
	for _, k := range s.Keys {
		want = append(want, k.Name)
	}
	if s.Kind == parquet.KindIncremental {
		if len(s.Attributes) > 0 {
			want = append(want, parquet.ColumnNewImage, parquet.ColumnOldImage)
		}
	} else {
		for _, a := range s.Attributes {
			want = append(want, a.Name)
		}
	}
	if got := rb.root.names(); !slices.Equal(got, want) {
		return fmt.Errorf("top-level columns %q, want %q", got, want)
	}
	ncols := len(rb.root.leaves)
	rb.cols = make([][]pqgo.Value, ncols)
	rb.pos = make([]int, ncols)
	return nil
}

func (rb *rebuilder) record(row pqgo.Row) (*codec.Record, error) {
	for i := range rb.cols {
		rb.cols[i], rb.pos[i] = rb.cols[i][:0], 0
	}
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(rb.cols) {
			return nil, fmt.Errorf("value of column %d", c)
		}
		rb.cols[c] = append(rb.cols[c], v)
	}
	rec, err := rb.rebuild()
	if err != nil {
		return nil, err
	}
	for i, vs := range rb.cols {
		if rb.pos[i] != len(vs) {
			return nil, fmt.Errorf("column %d: %d values left over", i, len(vs)-rb.pos[i])
		}
	}
	return rec, nil
}

func (rb *rebuilder) rebuild() (*codec.Record, error) {
	s := rb.schema
	kids := rb.root.kids
	if s.Kind == parquet.KindFull {
		it, err := rb.fields(slices.Concat(s.Keys, s.Attributes), kids, "Item")
		if err != nil {
			return nil, err
		}
		return &codec.Record{Item: it}, nil
	}
	rec := &codec.Record{}
	op, err := rb.leaf(kids[0], false)
	if err != nil {
		return nil, err
	}
	if err := wantLogical(kids[0], "STRING"); err != nil {
		return nil, err
	}
	wt, err := rb.leaf(kids[1], false)
	if err != nil {
		return nil, err
	}
	if err := checkTimestamp(kids[1]); err != nil {
		return nil, err
	}
	rec.WriteTimestampMicros = wt.Int64()
	rec.Keys, err = rb.fields(s.Keys, kids[2:2+len(s.Keys)], "Keys")
	if err != nil {
		return nil, err
	}
	if rec.Keys == nil {
		rec.Keys = codec.Item{}
	}
	if len(s.Attributes) > 0 {
		for i, im := range []*codec.Item{&rec.NewImage, &rec.OldImage} {
			n := kids[2+len(s.Keys)+i]
			if !rb.present(n) {
				rb.skip(n)
				continue
			}
			it, err := rb.fields(s.Attributes, n.kids, n.name)
			if err != nil {
				return nil, err
			}
			if it == nil {
				it = codec.Item{}
			}
			*im = it
		}
	}
	if got := string(op.ByteArray()); got != rec.Op().String() {
		// With no image columns, op is all that tells the images.
		if len(s.Attributes) == 0 && got == "INSERT" {
			rec.NewImage = codec.Item{}
		} else if len(s.Attributes) == 0 && got == "MODIFY" {
			rec.NewImage, rec.OldImage = codec.Item{}, codec.Item{}
		} else {
			return nil, fmt.Errorf("op %q, the images say %s", got, rec.Op())
		}
	}
	return rec, nil
}

// fields rebuilds the named values of slots from the struct children
// kids; a null child is a missing attribute.
func (rb *rebuilder) fields(slots []*parquet.Slot, kids []*node, where string) (codec.Item, error) {
	if len(slots) != len(kids) {
		return nil, fmt.Errorf("%s: %d columns for %d slots", where, len(kids), len(slots))
	}
	var it codec.Item
	for i, sl := range slots {
		n := kids[i]
		if n.name != sl.Name {
			return nil, fmt.Errorf("%s: column %q for slot %q", where, n.name, sl.Name)
		}
		v, ok, err := rb.slot(sl, n, where+"."+sl.Name)
		if err != nil {
			return nil, err
		}
		if ok {
			it = append(it, v.Named(sl.Name))
		}
	}
	return it, nil
}

// present reports whether the optional node n holds a value in the row
// at the current position.
func (rb *rebuilder) present(n *node) bool {
	c := n.leaves[0]
	return rb.cols[c][rb.pos[c]].DefinitionLevel() >= n.def
}

// skip consumes the one value each leaf under n has for n's null (or
// empty list).
func (rb *rebuilder) skip(n *node) {
	for _, c := range n.leaves {
		rb.pos[c]++
	}
}

// leaf consumes the value of the leaf node n; null is an error unless
// nullable.
func (rb *rebuilder) leaf(n *node, nullable bool) (pqgo.Value, error) {
	if !n.col.Leaf() {
		return pqgo.Value{}, fmt.Errorf("%s: a group, want a leaf", n.name)
	}
	c := n.leaves[0]
	if rb.pos[c] >= len(rb.cols[c]) {
		return pqgo.Value{}, fmt.Errorf("%s: no value left", n.name)
	}
	v := rb.cols[c][rb.pos[c]]
	rb.pos[c]++
	if v.DefinitionLevel() < n.def {
		if !nullable {
			return v, fmt.Errorf("%s: null", n.name)
		}
	} else if v.IsNull() {
		return v, fmt.Errorf("%s: null value at full definition level", n.name)
	}
	return v, nil
}

// slot rebuilds the value of slot sl from its column n, if not null.
func (rb *rebuilder) slot(sl *parquet.Slot, n *node, where string) (codec.Value, bool, error) {
	if n.rep > 0 && rb.pos[n.leaves[0]] >= len(rb.cols[n.leaves[0]]) {
		return codec.Value{}, false, fmt.Errorf("%s: no value left", where)
	}
	if !n.col.Optional() {
		return codec.Value{}, false, fmt.Errorf("%s: not an optional column", where)
	}
	if !rb.present(n) {
		rb.skip(n)
		return codec.Value{}, false, nil
	}
	switch {
	case sl.As == parquet.AsJSON:
		v, err := rb.leaf(n, false)
		if err != nil {
			return codec.Value{}, false, err
		}
		if err := wantLogical(n, "STRING"); err != nil {
			return codec.Value{}, false, fmt.Errorf("%s: %w", where, err)
		}
		val, err := parseDynamoDBJSON(v.ByteArray())
		if err != nil {
			return codec.Value{}, false, fmt.Errorf("%s: %w", where, err)
		}
		return val, true, nil
	case len(sl.Types) == 0:
		return codec.Value{}, false, fmt.Errorf("%s: a value in a slot with no type", where)
	case len(sl.Types) == 1:
		v, err := rb.typed(sl.Types[0], n, where)
		return v, err == nil, err
	}
	// Mixed: a struct with one child per type, exactly one set.
	var want []string
	byName := map[string]*parquet.Type{}
	for _, t := range sl.Types {
		name := strings.ToLower(t.Type)
		byName[name] = t
		want = append(want, name)
	}
	slices.SortFunc(want, func(a, b string) int { return typeOrder(a) - typeOrder(b) })
	if got := n.names(); !slices.Equal(got, want) {
		return codec.Value{}, false, fmt.Errorf("%s: mixed children %q, want %q", where, got, want)
	}
	var out codec.Value
	set := 0
	for _, k := range n.kids {
		if !k.col.Optional() {
			return codec.Value{}, false, fmt.Errorf("%s.%s: not optional", where, k.name)
		}
		if !rb.present(k) {
			rb.skip(k)
			continue
		}
		v, err := rb.typed(byName[k.name], k, where+"."+k.name)
		if err != nil {
			return codec.Value{}, false, err
		}
		out = v
		set++
	}
	if set != 1 {
		return codec.Value{}, false, fmt.Errorf("%s: %d children of a mixed slot set, want 1", where, set)
	}
	return out, true, nil
}

// typeOrder is the order of mixed children: codec.Type's.
func typeOrder(name string) int {
	t, _ := codec.ParseType(strings.ToUpper(name))
	return int(t)
}

// typed rebuilds a value of type t from the present node n.
func (rb *rebuilder) typed(t *parquet.Type, n *node, where string) (codec.Value, error) {
	ty, _ := codec.ParseType(t.Type)
	switch ty {
	case codec.TypeS, codec.TypeB, codec.TypeBOOL, codec.TypeNULL, codec.TypeN:
		v, err := rb.leaf(n, false)
		if err != nil {
			return codec.Value{}, fmt.Errorf("%s: %w", where, err)
		}
		val, err := scalar(ty, t.Number, n, v)
		if err != nil {
			return codec.Value{}, fmt.Errorf("%s: %w", where, err)
		}
		return val, nil
	case codec.TypeSS, codec.TypeNS, codec.TypeBS, codec.TypeL:
		elems, err := rb.list(n, where, func(en *node, i int) (codec.Value, error) {
			w := fmt.Sprintf("%s[%d]", where, i)
			if ty == codec.TypeL {
				v, ok, err := rb.slot(t.Element, en, w)
				if err == nil && !ok {
					err = fmt.Errorf("%s: null list element", w)
				}
				return v, err
			}
			v, err := rb.leaf(en, false)
			if err != nil {
				return codec.Value{}, fmt.Errorf("%s: %w", w, err)
			}
			val, err := scalar(ty.ElemType(), t.Number, en, v)
			if err != nil {
				return codec.Value{}, fmt.Errorf("%s: %w", w, err)
			}
			return val, nil
		})
		if err != nil {
			return codec.Value{}, err
		}
		if ty.IsSet() && len(elems) == 0 {
			return codec.Value{}, fmt.Errorf("%s: empty set", where)
		}
		return codec.Value{Type: ty, Elems: elems}, nil
	case codec.TypeM:
		if n.col.Leaf() {
			return codec.Value{}, fmt.Errorf("%s: a leaf, want a struct", where)
		}
		it, err := rb.fields(t.Fields, n.kids, where)
		if err != nil {
			return codec.Value{}, err
		}
		if it == nil {
			it = codec.Item{}
		}
		return codec.M(it...), nil
	}
	return codec.Value{}, fmt.Errorf("%s: type %q", where, t.Type)
}

// list rebuilds the elements of the present LIST node n (three-level
// form: n { repeated list { element } }).
func (rb *rebuilder) list(n *node, where string, elem func(en *node, i int) (codec.Value, error)) ([]codec.Value, error) {
	if err := wantLogical(n, "LIST"); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if len(n.kids) != 1 || !n.kids[0].col.Repeated() || len(n.kids[0].kids) != 1 {
		return nil, fmt.Errorf("%s: not a three-level list", where)
	}
	rn := n.kids[0]
	en := rn.kids[0]
	c := n.leaves[0]
	if rb.cols[c][rb.pos[c]].DefinitionLevel() < rn.def {
		rb.skip(n) // an empty list
		return []codec.Value{}, nil
	}
	elems := []codec.Value{}
	for i := 0; ; i++ {
		v, err := elem(en, i)
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		if rb.pos[c] >= len(rb.cols[c]) || rb.cols[c][rb.pos[c]].RepetitionLevel() != rn.rep {
			return elems, nil
		}
	}
}

// scalar rebuilds a value of type ty from the leaf value v of node n.
func scalar(ty codec.Type, number string, n *node, v pqgo.Value) (codec.Value, error) {
	kind := n.col.Type().Kind()
	switch ty {
	case codec.TypeS:
		if kind != pqgo.ByteArray {
			return codec.Value{}, fmt.Errorf("S in a %v column", kind)
		}
		if err := wantLogical(n, "STRING"); err != nil {
			return codec.Value{}, err
		}
		return codec.S(string(v.ByteArray())), nil
	case codec.TypeB:
		if kind != pqgo.ByteArray {
			return codec.Value{}, fmt.Errorf("B in a %v column", kind)
		}
		if err := wantLogical(n, ""); err != nil {
			return codec.Value{}, err
		}
		return codec.B(v.ByteArray()), nil
	case codec.TypeBOOL, codec.TypeNULL:
		if kind != pqgo.Boolean {
			return codec.Value{}, fmt.Errorf("%s in a %v column", ty, kind)
		}
		if ty == codec.TypeNULL {
			if !v.Boolean() {
				return codec.Value{}, errors.New("NULL column holds false")
			}
			return codec.Null(), nil
		}
		return codec.Bool(v.Boolean()), nil
	case codec.TypeN:
		s, err := numberText(number, n, v)
		if err != nil {
			return codec.Value{}, err
		}
		return codec.N(s), nil
	}
	return codec.Value{}, fmt.Errorf("scalar of type %s", ty)
}

// numberText rebuilds a number's decimal text from its column value.
func numberText(number string, n *node, v pqgo.Value) (string, error) {
	kind := n.col.Type().Kind()
	lt := logical(n)
	switch {
	case number == parquet.NumberInt64:
		if kind != pqgo.Int64 {
			return "", fmt.Errorf("int64 number in a %v column", kind)
		}
		if lt != "" && lt != "INT(64,true)" {
			return "", fmt.Errorf("int64 number with logical type %s", lt)
		}
		return fmt.Sprint(v.Int64()), nil
	case number == parquet.NumberString:
		if kind != pqgo.ByteArray || lt != "STRING" {
			return "", fmt.Errorf("string number in a %v %s column", kind, lt)
		}
		s := string(v.ByteArray())
		if err := codec.CheckNumber(s); err != nil {
			return "", err
		}
		return s, nil
	case number == parquet.NumberDouble:
		if kind != pqgo.Double {
			return "", fmt.Errorf("double number in a %v column", kind)
		}
		return fmt.Sprint(v.Double()), nil
	}
	var scale int
	if _, err := fmt.Sscanf(number, "decimal(38,%d)", &scale); err != nil {
		return "", fmt.Errorf("number %q", number)
	}
	if want := fmt.Sprintf("DECIMAL(38,%d)", scale); lt != want {
		return "", fmt.Errorf("decimal number with logical type %q, want %s", lt, want)
	}
	var unscaled *big.Int
	switch kind {
	case pqgo.FixedLenByteArray, pqgo.ByteArray:
		unscaled = bigFromTwos(v.ByteArray())
	case pqgo.Int32:
		unscaled = big.NewInt(int64(v.Int32()))
	case pqgo.Int64:
		unscaled = big.NewInt(v.Int64())
	default:
		return "", fmt.Errorf("decimal in a %v column", kind)
	}
	return decimalText(unscaled, scale), nil
}

// bigFromTwos reads a big-endian two's complement integer.
func bigFromTwos(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// decimalText writes unscaled × 10^-scale as plain decimal text.
func decimalText(unscaled *big.Int, scale int) string {
	neg := unscaled.Sign() < 0
	digits := new(big.Int).Abs(unscaled).String()
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func logical(n *node) string {
	lt := n.col.Type().LogicalType()
	if lt == nil || lt.Value == nil {
		return ""
	}
	return lt.String()
}

func wantLogical(n *node, want string) error {
	var got string
	if n.col.Leaf() {
		got = logical(n)
	} else if lt := groupLogical(n); lt != nil {
		got = lt.String()
	}
	if got != want {
		return fmt.Errorf("%s: logical type %q, want %q", n.name, got, want)
	}
	return nil
}

// groupLogical returns the logical type of a group node (LIST).
func groupLogical(n *node) *format.LogicalType {
	lt := n.col.Type().LogicalType()
	if lt == nil || lt.Value == nil {
		return nil
	}
	return lt
}

func checkTimestamp(n *node) error {
	lt := n.col.Type().LogicalType()
	ts, ok := lt.Value.(*format.TimestampType)
	if n.col.Type().Kind() != pqgo.Int64 || !ok || !ts.IsAdjustedToUTC {
		return fmt.Errorf("%s: %v %v, want a UTC timestamp", n.name, n.col.Type().Kind(), lt)
	}
	if _, ok := ts.Unit.Value.(*format.MicroSeconds); !ok {
		return fmt.Errorf("%s: unit %v, want microseconds", n.name, &ts.Unit)
	}
	return nil
}

// parseDynamoDBJSON decodes one value's DynamoDB JSON text with the
// project's decoder.
func parseDynamoDBJSON(text []byte) (codec.Value, error) {
	line := append(append([]byte(`{"Item":{"x":`), text...), "}}"...)
	r, err := ddbjson.DecodeRecord(line, codec.KindFull)
	if err != nil {
		return codec.Value{}, fmt.Errorf("DynamoDB JSON %.200q: %w", text, err)
	}
	if len(r.Item) != 1 {
		return codec.Value{}, fmt.Errorf("DynamoDB JSON %.200q: %d values", text, len(r.Item))
	}
	v := r.Item[0]
	v.Name = ""
	return v, nil
}

// output is a complete output folder read back.
type output struct {
	Manifest *parquet.Manifest
	Schema   *parquet.Schema // _schema.json
	Files    map[string]*readFile
	Records  []*codec.Record // every file's, in manifest order
	Keys     []string        // every key of the folder
}

// readOutput reads a complete output folder: _SUCCESS, the manifest, the
// schema, and every file the manifest lists, checking that the files'
// metadata is the schema, that the files are exactly the manifest's
// *.parquet files, and that the row counts agree.
func readOutput(t testing.TB, st store.Store, prefix string) *output {
	t.Helper()
	ctx := context.Background()
	out := &output{Files: map[string]*readFile{}}
	var parquetNames []string
	for o, err := range st.List(ctx, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(o.Key, prefix)
		out.Keys = append(out.Keys, name)
		if strings.HasSuffix(name, ".parquet") {
			parquetNames = append(parquetNames, name)
		}
		if strings.HasPrefix(path.Base(name), ".ddbexport-tmp") {
			t.Errorf("temporary file %s left in a complete output", name)
		}
	}
	if !slices.Contains(out.Keys, parquet.SuccessName) {
		t.Fatalf("no %s in %q", parquet.SuccessName, out.Keys)
	}
	for _, k := range out.Keys {
		if strings.HasPrefix(k, "_parts/") {
			t.Errorf("%s left in a complete output", k)
		}
	}
	raw, err := store.ReadAll(ctx, st, prefix+parquet.ManifestName, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var m parquet.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out.Manifest = &m
	if m.Version != parquet.ManifestVersion {
		t.Errorf("manifest format %q", m.Version)
	}
	raw, err = store.ReadAll(ctx, st, prefix+parquet.SchemaName, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	out.Schema, err = parquet.ReadSchema(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	var rows int64
	for _, mf := range m.Files {
		listed = append(listed, mf.Path)
		b, err := store.ReadAll(ctx, st, prefix+mf.Path, 1<<40)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != mf.Bytes {
			t.Errorf("%s: %d bytes, the manifest says %d", mf.Path, len(b), mf.Bytes)
		}
		rf, err := readParquet(b)
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		if !rf.Schema.Equal(out.Schema) {
			t.Errorf("%s: the metadata's schema differs from %s", mf.Path, parquet.SchemaName)
		}
		if rf.Source != m.Source {
			t.Errorf("%s: the metadata's source %+v, the manifest's %+v", mf.Path, rf.Source, m.Source)
		}
		if int64(len(rf.Records)) != mf.Rows {
			t.Errorf("%s: %d rows, the manifest says %d", mf.Path, len(rf.Records), mf.Rows)
		}
		var inRows int64
		for _, in := range mf.Inputs {
			inRows += in.Rows
		}
		if inRows != mf.Rows {
			t.Errorf("%s: inputs hold %d rows, the file %d", mf.Path, inRows, mf.Rows)
		}
		rows += mf.Rows
		out.Files[mf.Path] = rf
		out.Records = append(out.Records, rf.Records...)
	}
	if rows != m.Rows {
		t.Errorf("manifest: files hold %d rows, rows is %d", rows, m.Rows)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, parquetNames) {
		t.Errorf("manifest lists %q, the folder holds %q", listed, parquetNames)
	}
	checkInputs(t, &m)
	return out
}

// checkInputs checks that each input's parts are 0 to n, each in one
// file, the last one alone marked Last. (Part k+1 may be in a file of a
// lower number than part k: a file is numbered when its first rows are
// encoded, not when a partition takes it.)
func checkInputs(t testing.TB, m *parquet.Manifest) {
	t.Helper()
	type part struct {
		file string
		in   parquet.Input
	}
	by := map[string][]part{}
	for _, f := range m.Files {
		for _, in := range f.Inputs {
			by[in.File] = append(by[in.File], part{f.Path, in})
		}
	}
	for file, parts := range by {
		slices.SortFunc(parts, func(a, b part) int { return a.in.Part - b.in.Part })
		for i, p := range parts {
			if p.in.Part != i {
				t.Errorf("input %s: parts %v", file, parts)
				break
			}
			if p.in.Last != (i == len(parts)-1) {
				t.Errorf("input %s: part %d of %d has Last %t", file, i, len(parts), p.in.Last)
			}
			if i > 0 && p.file == parts[i-1].file {
				t.Errorf("input %s: parts %d and %d both in %s", file, i-1, i, p.file)
			}
		}
	}
}

// be128 is for tests of the decimal reading itself.
func be128(hi int64, lo uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, uint64(hi))
	binary.BigEndian.PutUint64(b[8:], lo)
	return b
}

// chunkStats are the least and greatest value and the nulls of each
// column of a row group, as read, to check the statistics the writer
// kept in each column chunk's metadata: query engines skip row groups by
// them, so a wrong min or max loses rows.
type chunkStats struct {
	min, max []pqgo.Value
	seen     []bool
	nulls    []int64
}

func newChunkStats(n int) *chunkStats {
	return &chunkStats{min: make([]pqgo.Value, n), max: make([]pqgo.Value, n), seen: make([]bool, n), nulls: make([]int64, n)}
}

func (s *chunkStats) add(sc *pqgo.Schema, row pqgo.Row) {
	for _, v := range row {
		c := v.Column()
		if v.IsNull() {
			s.nulls[c]++
			continue
		}
		v = v.Clone()
		if !s.seen[c] {
			s.min[c], s.max[c], s.seen[c] = v, v, true
			continue
		}
		if compareValues(v, s.min[c]) < 0 {
			s.min[c] = v
		}
		if compareValues(v, s.max[c]) > 0 {
			s.max[c] = v
		}
	}
}

// compareValues orders values of one column as Parquet's statistics do:
// numbers (int64, double, and decimals, stored as big-endian two's
// complement) by value, bytes unsigned.
func compareValues(a, b pqgo.Value) int {
	switch a.Kind() {
	case pqgo.Boolean:
		return cmpBool(a.Boolean(), b.Boolean())
	case pqgo.Int64:
		return cmp.Compare(a.Int64(), b.Int64())
	case pqgo.Double:
		return cmp.Compare(a.Double(), b.Double())
	case pqgo.FixedLenByteArray:
		x, y := new(big.Int).SetBytes(a.ByteArray()), new(big.Int).SetBytes(b.ByteArray())
		for _, z := range []struct {
			n *big.Int
			b []byte
		}{{x, a.ByteArray()}, {y, b.ByteArray()}} {
			if len(z.b) > 0 && z.b[0]&0x80 != 0 {
				z.n.Sub(z.n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(z.b))))
			}
		}
		return x.Cmp(y)
	}
	return bytes.Compare(a.ByteArray(), b.ByteArray())
}

// short prints v, cut to 40 bytes.
func short(v pqgo.Value) string {
	t := v.String()
	if len(t) > 40 {
		t = t[:40] + "…"
	}
	return fmt.Sprintf("%q", t)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func (s *chunkStats) check(rg pqgo.RowGroup) error {
	for c, cc := range rg.ColumnChunks() {
		fc, ok := cc.(*pqgo.FileColumnChunk)
		if !ok {
			return fmt.Errorf("column %d: a %T, not a file's column chunk", c, cc)
		}
		if got := fc.NullCount(); got != s.nulls[c] {
			return fmt.Errorf("column %d: statistics count %d nulls, %d read", c, got, s.nulls[c])
		}
		min, max, _ := fc.Bounds()
		for _, b := range []struct {
			name       string
			stat, read pqgo.Value
		}{{"min", min, s.min[c]}, {"max", max, s.max[c]}} {
			switch {
			case !s.seen[c] && !b.stat.IsNull():
				return fmt.Errorf("column %d: statistics have a %s, %s, and the column only nulls", c, b.name, short(b.stat))
			case !s.seen[c]:
			case b.stat.IsNull() && len(b.read.ByteArray()) > int(pq.DefaultMaxStatsSize):
				// Left out: longer than the writer keeps.
			case b.stat.IsNull():
				return fmt.Errorf("column %d: no %s in the statistics, and %s read", c, b.name, short(b.read))
			case compareValues(b.stat, b.read) != 0:
				return fmt.Errorf("column %d: statistics say %s %s, %s read", c, b.name, short(b.stat), short(b.read))
			}
		}
	}
	return nil
}
