// Package codectest holds the test helpers of the format decoders
// (codec/ddbjson, codec/ion): shorthands for expected values, exact
// comparison of records, and checks every decoder must pass on a good or
// a bad input. Only tests import it.
package codectest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

// B returns a binary value of the bytes of s.
func B(s string) codec.Value { return codec.B([]byte(s)) }

// BS returns a binary set of the bytes of elems.
func BS(elems ...string) codec.Value {
	v := codec.Value{Type: codec.TypeBS}
	for _, e := range elems {
		v.Elems = append(v.Elems, B(e))
	}
	return v
}

// Named returns v named name.
func Named(name string, v codec.Value) codec.Value { return v.Named(name) }

// Item returns an item of attrs, empty but not nil without attrs.
func Item(attrs ...codec.Value) codec.Item {
	if attrs == nil {
		return codec.Item{}
	}
	return attrs
}

// Full returns the record of a full export with the item of attrs.
func Full(attrs ...codec.Value) *codec.Record { return &codec.Record{Item: Item(attrs...)} }

// SameValues reports whether a and b are identical: same order, same
// names, same number texts.
func SameValues(a, b []codec.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Type != y.Type || x.Bool != y.Bool || x.Name != y.Name || x.Str != y.Str || !SameValues(x.Elems, y.Elems) {
			return false
		}
	}
	return true
}

// SameItem reports whether a and b are identical, nil-ness included.
func SameItem(a, b codec.Item) bool { return (a == nil) == (b == nil) && SameValues(a, b) }

// SameRecord reports whether a and b are identical (SameItem for each
// image).
func SameRecord(a, b *codec.Record) bool {
	return a.WriteTimestampMicros == b.WriteTimestampMicros && SameItem(a.Item, b.Item) &&
		SameItem(a.Keys, b.Keys) && SameItem(a.OldImage, b.OldImage) && SameItem(a.NewImage, b.NewImage)
}

// EqualRecord compares with codec.Equal semantics (order-insensitive maps
// and sets, numbers by value), nil-ness of the images included.
func EqualRecord(a, b *codec.Record) bool {
	eq := func(x, y codec.Item) bool { return (x == nil) == (y == nil) && codec.ItemEqual(x, y) }
	return a.WriteTimestampMicros == b.WriteTimestampMicros && eq(a.Item, b.Item) &&
		eq(a.Keys, b.Keys) && eq(a.OldImage, b.OldImage) && eq(a.NewImage, b.NewImage)
}

// FmtRecord formats r for a test failure.
func FmtRecord(r *codec.Record) string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("Item=%v Keys=%v Old=%v New=%v TS=%d", r.Item, r.Keys, r.OldImage, r.NewImage, r.WriteTimestampMicros)
}

// A Format is a format package's decoding functions.
type Format struct {
	NewDecoder   func(r io.Reader, opt codec.DecodeOptions) codec.Decoder
	DecodeRecord func(line []byte, kind codec.Kind) (*codec.Record, error)
}

// DecodeAll decodes input with opt and returns the records (cloned) and
// the error.
func (f Format) DecodeAll(input string, opt codec.DecodeOptions) ([]*codec.Record, error) {
	d := f.NewDecoder(strings.NewReader(input), opt)
	var recs []*codec.Record
	for d.Next() {
		recs = append(recs, d.Record().Clone())
	}
	return recs, d.Err()
}

// CheckGood checks that f decodes input, of kind, to want, with and
// without ReuseRecord: the records in order, each image valid, Line and
// InputOffset.
func (f Format) CheckGood(t *testing.T, input string, kind codec.Kind, want []*codec.Record) {
	t.Helper()
	for _, reuse := range []bool{false, true} {
		d := f.NewDecoder(strings.NewReader(input), codec.DecodeOptions{Kind: kind, ReuseRecord: reuse})
		n := 0
		for d.Next() {
			if n >= len(want) {
				t.Fatalf("reuse=%v: extra record %s", reuse, FmtRecord(d.Record()))
			}
			if got := d.Record(); !SameRecord(got, want[n]) {
				t.Errorf("reuse=%v: record %d:\n got %s\nwant %s", reuse, n, FmtRecord(got), FmtRecord(want[n]))
			}
			for _, it := range []codec.Item{d.Record().Item, d.Record().Keys, d.Record().OldImage, d.Record().NewImage} {
				if err := codec.ValidateItem(it); err != nil {
					t.Errorf("ValidateItem: %v", err)
				}
			}
			n++
			if d.Line() != int64(n) {
				t.Errorf("Line() = %d, want %d", d.Line(), n)
			}
		}
		if err := d.Err(); err != nil {
			t.Fatalf("reuse=%v: Err() = %v", reuse, err)
		}
		if n != len(want) {
			t.Fatalf("reuse=%v: %d records, want %d", reuse, n, len(want))
		}
		if d.InputOffset() != int64(len(input)) {
			t.Errorf("InputOffset() = %d, want %d", d.InputOffset(), len(input))
		}
	}
}

// Marker marks the expected error position in the inputs of CheckBad.
const Marker = "¶"

// CheckBad checks that f stops on input (with Marker where the error is
// expected, removed before decoding), of kind, with a *codec.DecodeError
// that wraps wantErr, has its Reason, and is at the marker's line and
// offset, in file (DecodeOptions.File), at path unless path is empty,
// after the records of the lines before; that DecodeRecord reports the
// same error relative to its line; and that the error is sticky.
func (f Format) CheckBad(t *testing.T, input string, kind codec.Kind, wantErr error, path, file string) {
	t.Helper()
	pos := strings.Index(input, Marker)
	if pos < 0 {
		t.Fatal("no marker in input")
	}
	input = input[:pos] + input[pos+len(Marker):]
	wantLine := int64(strings.Count(input[:pos], "\n") + 1)
	opt := codec.DecodeOptions{Kind: kind, File: file}
	recs, err := f.DecodeAll(input, opt)
	var de *codec.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("Err() = %v (%T), want a *codec.DecodeError", err, err)
	}
	if !errors.Is(err, wantErr) {
		t.Errorf("error %v does not wrap %v", err, wantErr)
	}
	if de.Reason() != codec.Reason(wantErr) {
		t.Errorf("Reason() = %s, want %s", de.Reason(), codec.Reason(wantErr))
	}
	if de.Line != wantLine || de.Offset != int64(pos) {
		t.Errorf("error at line %d offset %d, want line %d offset %d (%v)", de.Line, de.Offset, wantLine, pos, err)
	}
	if path != "" && de.Path != path {
		t.Errorf("Path = %q, want %q", de.Path, path)
	}
	if de.File != file {
		t.Errorf("File = %q", de.File)
	}
	if len(recs) != int(wantLine-1) {
		t.Errorf("%d records before the error, want %d", len(recs), wantLine-1)
	}
	if errors.Is(wantErr, codec.ErrNumber) {
		var ne *codec.NumberError
		if !errors.As(err, &ne) {
			t.Errorf("no *codec.NumberError in %v", err)
		}
	}
	_ = err.Error() // must not panic

	// DecodeRecord reports the same error relative to its line.
	lineStart := strings.LastIndexByte(input[:pos], '\n') + 1
	line := input[lineStart:]
	if k := strings.IndexByte(line, '\n'); k >= 0 {
		line = line[:k]
	}
	_, err2 := f.DecodeRecord([]byte(line), kind)
	var de2 *codec.DecodeError
	if !errors.As(err2, &de2) || !errors.Is(err2, wantErr) || de2.Line != 1 || de2.Offset != int64(pos-lineStart) || de2.Path != de.Path {
		t.Errorf("DecodeRecord: %v (offset %v), want %v at %d", err2, de2, wantErr, pos-lineStart)
	}
	// After the error Next stays false and the error is sticky.
	d := f.NewDecoder(strings.NewReader(input), opt)
	for d.Next() {
	}
	if d.Next() || d.Err() == nil {
		t.Error("error is not sticky")
	}
}

// Allocs returns the allocations of decoding data with d (reset for each
// run, after a first run that grows its buffers), with ReuseRecord and
// with owned records.
func Allocs(t *testing.T, d interface {
	codec.Decoder
	codec.Resetter
}, data []byte) (reused, owned float64) {
	t.Helper()
	d.Reset(bytes.NewReader(data), codec.DecodeOptions{ReuseRecord: true})
	for d.Next() { // warm up the arenas
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	run := func(opt codec.DecodeOptions) float64 {
		return testing.AllocsPerRun(10, func() {
			d.Reset(bytes.NewReader(data), opt)
			for d.Next() {
			}
		})
	}
	return run(codec.DecodeOptions{ReuseRecord: true}), run(codec.DecodeOptions{})
}
