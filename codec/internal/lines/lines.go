// Package lines is the record framing the format decoders share: it reads
// newline-framed records from a decompressed stream with its own growing
// buffer (bounded by DecodeOptions.MaxRecord), hands each line to a
// format's Parser, and implements codec.Decoder's contract around it:
// line numbers and offsets, ReuseRecord and owned records, OnError, long
// lines skipped without buffering, sticky errors.
package lines

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
)

// A Parser decodes one line (without its newline) of one format.
type Parser interface {
	// ParseLine decodes line into rec, which may alias line and the
	// parser's reused memory. It reports false on a bad record.
	ParseLine(line []byte, kind codec.Kind, rec *codec.Record) bool
	// ParseOwned decodes a short line (at most OwnedLineBytes) into a
	// record the caller owns, or returns nil on a bad record.
	ParseOwned(line []byte, kind codec.Kind) *codec.Record
	// Error returns the error of the last failed parse, its Offset counted
	// from lineStart.
	Error(lineStart int64) *codec.DecodeError
}

// OwnedLineBytes is the longest line given to Parser.ParseOwned; a longer
// one is parsed into reused memory and copied whole with Record.Clone,
// which costs less than chunks holding a copy of a long line.
const OwnedLineBytes = 8 << 10

const initialBufSize = 256 << 10

// A Decoder frames lines for a Parser. Use it through a format package's
// Decoder; it is not safe for concurrent use.
type Decoder struct {
	name string // format package, for errors
	p    Parser
	r    io.Reader
	opt  codec.DecodeOptions
	max  int

	buf   []byte
	start int   // first unconsumed byte in buf
	end   int   // end of buffered data
	scan  int   // bytes of buf[start:end] known to hold no '\n'
	base  int64 // stream offset of buf[0]
	rerr  error // error (or io.EOF) returned by r, pending until buffered lines are used

	err      error
	line     int64
	recStart int64 // stream offset of the current record's first byte
	rec      *codec.Record
	tmp      codec.Record
}

// Init sets the Parser and the package name used in errors.
func (d *Decoder) Init(name string, p Parser) { d.name, d.p = name, p }

// Reset makes d read from r with opt, keeping its buffers.
func (d *Decoder) Reset(r io.Reader, opt codec.DecodeOptions) {
	d.r = r
	d.opt = opt
	d.max = opt.MaxRecord()
	d.start, d.end, d.scan = 0, 0, 0
	d.base = 0
	d.rerr = nil
	d.err = nil
	d.line, d.recStart = 0, 0
	d.rec = nil
	if d.buf == nil {
		d.buf = make([]byte, min(initialBufSize, d.max+1))
	}
}

// Next decodes the next record; see codec.Decoder.
func (d *Decoder) Next() bool {
	if d.err != nil {
		return false
	}
	for {
		line, lineStart, tooLong, ok := d.nextLine()
		if !ok {
			return false
		}
		d.line++
		d.recStart = lineStart
		var derr *codec.DecodeError
		if tooLong {
			derr = &codec.DecodeError{
				Offset: lineStart + int64(d.max),
				Err:    codec.Errorf(codec.ErrRecordTooLong, "line longer than %d bytes", d.max),
			}
		} else {
			if d.opt.ReuseRecord {
				if d.p.ParseLine(line, d.opt.Kind, &d.tmp) {
					d.rec = &d.tmp
					return true
				}
			} else if len(line) <= OwnedLineBytes {
				if rec := d.p.ParseOwned(line, d.opt.Kind); rec != nil {
					d.rec = rec
					return true
				}
			} else if d.p.ParseLine(line, d.opt.Kind, &d.tmp) {
				d.rec = d.tmp.Clone()
				return true
			}
			derr = d.p.Error(lineStart)
		}
		derr.File = d.opt.File
		derr.Line = d.line
		if d.opt.OnError == nil {
			d.err = derr
			return false
		}
		d.opt.OnError(derr)
	}
}

// Record returns the current record.
func (d *Decoder) Record() *codec.Record { return d.rec }

// Err returns the error that stopped decoding.
func (d *Decoder) Err() error { return d.err }

// Line returns the 1-based number of the last line read.
func (d *Decoder) Line() int64 { return d.line }

// RecordOffset returns the stream offset of the current record's first byte.
func (d *Decoder) RecordOffset() int64 { return d.recStart }

// InputOffset returns the number of decompressed bytes consumed.
func (d *Decoder) InputOffset() int64 { return d.base + int64(d.start) }

// nextLine returns the next line without its '\n' and the stream offset of
// its first byte. A line longer than the limit is skipped up to its
// newline (without buffering it) and reported with tooLong. ok is false at
// the end of input or on a read error (then d.err is set).
func (d *Decoder) nextLine() (line []byte, lineStart int64, tooLong, ok bool) {
	for {
		if j := bytes.IndexByte(d.buf[d.start+d.scan:d.end], '\n'); j >= 0 {
			nl := d.start + d.scan + j
			line = d.buf[d.start:nl]
			lineStart = d.base + int64(d.start)
			d.start = nl + 1
			d.scan = 0
			return line, lineStart, len(line) > d.max, true
		}
		d.scan = d.end - d.start
		if d.scan > d.max {
			lineStart = d.base + int64(d.start)
			if d.opt.OnError == nil {
				// Decoding stops here: no need to find the line's end.
				return nil, lineStart, true, true
			}
			if !d.skipLine() {
				return nil, 0, false, false
			}
			return nil, lineStart, true, true
		}
		if d.rerr != nil {
			if d.rerr == io.EOF {
				if d.end > d.start {
					line = d.buf[d.start:d.end]
					lineStart = d.base + int64(d.start)
					d.start = d.end
					d.scan = 0
					return line, lineStart, false, true
				}
				return nil, 0, false, false
			}
			d.err = d.rerr
			return nil, 0, false, false
		}
		d.fill()
	}
}

// skipLine discards input up to and including the next '\n'. It returns
// false if the input ends first with an error other than io.EOF (stored in
// d.err); a long final line without newline ends the input cleanly.
func (d *Decoder) skipLine() bool {
	for {
		if j := bytes.IndexByte(d.buf[d.start+d.scan:d.end], '\n'); j >= 0 {
			d.start += d.scan + j + 1
			d.scan = 0
			return true
		}
		// Drop everything buffered.
		d.base += int64(d.end)
		d.start, d.end, d.scan = 0, 0, 0
		if d.rerr != nil {
			if d.rerr == io.EOF {
				return true
			}
			d.err = d.rerr
			return false
		}
		d.fill()
	}
}

// fill reads more input into the buffer, making room first by moving the
// unconsumed bytes to the front or by growing the buffer (up to the line
// limit plus one byte).
func (d *Decoder) fill() {
	if d.start > 0 && (d.end == len(d.buf) || len(d.buf)-d.end < len(d.buf)/4) {
		n := copy(d.buf, d.buf[d.start:d.end])
		d.base += int64(d.start)
		d.start, d.end = 0, n
	}
	if d.end == len(d.buf) {
		// The buffer holds one partial line of at most d.max bytes (nextLine
		// checks), so d.max+1 > len(d.buf).
		nb := make([]byte, min(max(2*len(d.buf), 4096), d.max+1))
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for range 100 {
		n, err := d.r.Read(d.buf[d.end:])
		if n < 0 || n > len(d.buf)-d.end {
			d.rerr = errors.New(d.name + ": reader returned an invalid count")
			return
		}
		d.end += n
		if err != nil {
			d.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	d.rerr = io.ErrNoProgress
}

// DecodeRecord decodes one line into a record that shares no memory with
// line, with p; an error is a *codec.DecodeError with Line 1.
func DecodeRecord(p Parser, line []byte, kind codec.Kind) (*codec.Record, error) {
	var rec codec.Record
	if !p.ParseLine(line, kind, &rec) {
		e := p.Error(0)
		e.Line = 1
		return nil, e
	}
	return rec.Clone(), nil
}

// A Fault is the error of a parser's last failed parse, with the path to
// the bad value; a parser embeds one, which gives it Parser's Error
// method. The zero value is ready.
type Fault struct {
	Err  error
	Pos  int      // offset of the error in the line
	path []string // path segments, innermost first
}

// Clear forgets the error, for a new line.
func (f *Fault) Clear() {
	f.Err = nil
	f.Pos = 0
	f.path = f.path[:0]
}

// Fail records err at offset pos of the line and returns -1.
func (f *Fault) Fail(pos int, err error) int {
	f.Err = err
	f.Pos = pos
	return -1
}

// Failf records codec.Errorf(sentinel, format, args...) at offset pos and
// returns -1.
func (f *Fault) Failf(pos int, sentinel error, format string, args ...any) int {
	return f.Fail(pos, codec.Errorf(sentinel, format, args...))
}

// AddPath prepends a segment to the error's path: segments are added
// while the error unwinds, innermost first.
func (f *Fault) AddPath(seg string) { f.path = append(f.path, seg) }

// Error returns the error as a *codec.DecodeError, its Offset counted
// from lineStart.
func (f *Fault) Error(lineStart int64) *codec.DecodeError {
	var sb strings.Builder
	for i := len(f.path) - 1; i >= 0; i-- {
		sb.WriteString(f.path[i])
	}
	return &codec.DecodeError{Offset: lineStart + int64(f.Pos), Path: sb.String(), Err: f.Err}
}
