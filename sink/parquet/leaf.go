package parquet

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Rows are shredded (the record shredding of Dremel, as Parquet stores
// nested data) straight into the leaf columns of the file's Parquet
// schema: for each leaf, its definition levels (how many of the optional
// and repeated fields on its path are present), its repetition levels
// (at which list a value starts a new element; 0 starts a row) and its
// values. A batch of rows is then written column by column into the
// current row group's column chunks, which encode and compress its pages.
// There are no Arrow arrays in between: building them, and pqarrow's
// walk over them to make the same levels, cost a quarter of what writing
// took besides compression.

// leafKind is the physical type of a leaf column.
type leafKind uint8

const (
	leafBytes   leafKind = iota // BYTE_ARRAY: S, B, JSON, numbers as text
	leafInt64                   // INT64: integral numbers, write_time
	leafDouble                  // DOUBLE
	leafBool                    // BOOLEAN: BOOL, NULL
	leafDecimal                 // FIXED_LEN_BYTE_ARRAY(16): decimal(38, s)
)

// physical returns the Parquet type of a leaf of kind k.
func (k leafKind) physical() pq.Type {
	switch k {
	case leafInt64:
		return pq.Types.Int64
	case leafDouble:
		return pq.Types.Double
	case leafBool:
		return pq.Types.Boolean
	case leafDecimal:
		return pq.Types.FixedLenByteArray
	}
	return pq.Types.ByteArray
}

// decimalWidth is the byte width of a decimal(38, s) value in Parquet: a
// big-endian two's complement integer, as pqarrow writes Arrow's
// decimal128.
const decimalWidth = 16

// A column holds the levels and values of one leaf for the rows of a
// batch. A present value is at maxDef; a null at a lower level says which
// field on the path is missing.
type column struct {
	kind           leafKind
	maxDef, maxRep int16
	def, rep       []int16 // rep only if maxRep > 0; def only if maxDef > 0
	data           []byte  // byte-array values back to back; decimals
	ends           []int   // the end of each byte-array value in data
	i64            []int64
	f64            []float64
	bools          []bool
	// scratch for write
	vals []pq.ByteArray
	flba []pq.FixedLenByteArray
	// mem counts, for the rows that hold the column, the bytes appended
	// to it: 2 a level, the values, and the ends and scratch slices (32
	// bytes a byte-array value, 24 a decimal).
	mem *int64
}

func (c *column) levels(def, rep int16) {
	if c.maxDef > 0 {
		c.def = append(grow(c.def, 1), def)
		*c.mem += 2
	}
	if c.maxRep > 0 {
		c.rep = append(grow(c.rep, 1), rep)
		*c.mem += 2
	}
}

// null appends a null, at definition level def.
func (c *column) null(def, rep int16) { c.levels(def, rep) }

// value appends a byte-array value (text or bytes).
func value[T string | []byte](c *column, rep int16, b T) {
	c.levels(c.maxDef, rep)
	c.data = append(grow(c.data, len(b)), b...)
	c.ends = append(grow(c.ends, 1), len(c.data))
	*c.mem += int64(len(b)) + 32
}

func (c *column) int64(rep int16, n int64) {
	c.levels(c.maxDef, rep)
	c.i64 = append(grow(c.i64, 1), n)
	*c.mem += 8
}

func (c *column) double(rep int16, f float64) {
	c.levels(c.maxDef, rep)
	c.f64 = append(grow(c.f64, 1), f)
	*c.mem += 8
}

func (c *column) bool(rep int16, b bool) {
	c.levels(c.maxDef, rep)
	c.bools = append(grow(c.bools, 1), b)
	*c.mem++
}

func (c *column) decimal(rep int16, n decimal128.Num) {
	c.levels(c.maxDef, rep)
	c.data = binary.BigEndian.AppendUint64(grow(c.data, decimalWidth), uint64(n.HighBits()))
	c.data = binary.BigEndian.AppendUint64(c.data, n.LowBits())
	*c.mem += decimalWidth + 24
}

// grow returns s with room for n more elements. Where it must grow, it
// doubles: append grows large slices by a quarter, which copies a column
// several times over before it holds a batch. A column keeps its memory
// from one batch to the next.
func grow[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	ns := make([]T, len(s), max(2*cap(s), len(s)+n, 64))
	copy(ns, s)
	return ns
}

// appendColumn appends the rows of s, a column of the same leaf.
func (c *column) appendColumn(s *column) {
	c.def = append(grow(c.def, len(s.def)), s.def...)
	c.rep = append(grow(c.rep, len(s.rep)), s.rep...)
	base := len(c.data)
	c.data = append(grow(c.data, len(s.data)), s.data...)
	c.ends = grow(c.ends, len(s.ends))
	for _, end := range s.ends {
		c.ends = append(c.ends, base+end)
	}
	c.i64 = append(grow(c.i64, len(s.i64)), s.i64...)
	c.f64 = append(grow(c.f64, len(s.f64)), s.f64...)
	c.bools = append(grow(c.bools, len(s.bools)), s.bools...)
}

// reset empties the column for the next batch, keeping its memory.
func (c *column) reset() {
	c.def, c.rep, c.data, c.ends = c.def[:0], c.rep[:0], c.data[:0], c.ends[:0]
	c.i64, c.f64, c.bools = c.i64[:0], c.f64[:0], c.bools[:0]
}

// write writes the batch into cw, the column's chunk in the current row
// group, and resets the column.
func (c *column) write(cw file.ColumnChunkWriter) error {
	def, rep := c.def, c.rep
	if c.maxDef == 0 {
		def = nil
	}
	if c.maxRep == 0 {
		rep = nil
	}
	var err error
	switch w := cw.(type) {
	case *file.ByteArrayColumnChunkWriter:
		c.vals = grow(c.vals[:0], len(c.ends))
		data := c.data
		if data == nil {
			// Only empty values: a nil one would be no value at all to
			// the statistics, which then have no min and max.
			data = []byte{}
		}
		start := 0
		for _, end := range c.ends {
			c.vals = append(c.vals, data[start:end:end])
			start = end
		}
		_, err = w.WriteBatch(c.vals, def, rep)
		clear(c.vals) // no references into data left behind
	case *file.Int64ColumnChunkWriter:
		_, err = w.WriteBatch(c.i64, def, rep)
	case *file.Float64ColumnChunkWriter:
		_, err = w.WriteBatch(c.f64, def, rep)
	case *file.BooleanColumnChunkWriter:
		_, err = w.WriteBatch(c.bools, def, rep)
	case *file.FixedLenByteArrayColumnChunkWriter:
		c.flba = grow(c.flba[:0], len(c.data)/decimalWidth)
		for i := 0; i < len(c.data); i += decimalWidth {
			c.flba = append(c.flba, c.data[i:i+decimalWidth:i+decimalWidth])
		}
		_, err = w.WriteBatch(c.flba, def, rep)
		clear(c.flba)
	default:
		err = fmt.Errorf("parquet: no %T for a column of %v", cw, c.kind.physical())
	}
	c.reset()
	return err
}
