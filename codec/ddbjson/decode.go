package ddbjson

import (
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/internal/arena"
	"github.com/ddbexport/ddbexport/codec/internal/dupcheck"
	"github.com/ddbexport/ddbexport/codec/internal/lines"
	"github.com/ddbexport/ddbexport/codec/internal/shape"
)

// MaxDepth is the deepest nesting of values the decoder accepts: an item's
// attribute is at depth 1, a value inside an M or L one deeper than the
// container. It is a safety limit of this package (DynamoDB's own limit is
// 32 levels); a deeper value is a DecodeError wrapping codec.ErrTooDeep.
const MaxDepth = 256

// A Decoder reads DynamoDB JSON records, one per line, from a decompressed
// data file (export-format.md §5, §6). It validates every rule of the format
// while it scans, in one pass over each line; see the package doc for the
// rules and DecodeOptions for error handling.
//
// Lines are framed by '\n'; an unterminated final line is also a record, and
// a '\r' before the '\n' is whitespace. Every line counts for Line and
// Offset, including empty and bad ones.
//
// By default each Record is owned by the caller: the decoder never writes
// to its memory again. To save allocations, the Records, Values and string
// bytes of successive short records are carved from shared chunks of at
// most 32 KiB each (a kept record keeps its chunks alive); a record of a
// line longer than 8 KiB gets an exact copy of its own.
//
// With DecodeOptions.ReuseRecord, the Record, its Items and Values, and the
// memory of its strings are reused: a record is valid only until the next
// call to Next (or Reset), and decoding allocates nothing in the steady
// state. Strings without escapes then alias the decoder's read buffer (via
// unsafe.String), and unescaped strings and decoded binary values alias an
// internal byte arena; both are overwritten by later lines. Use
// Record.Clone to keep one.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	ld lines.Decoder
	p  parser
}

var (
	_ codec.Decoder  = (*Decoder)(nil)
	_ codec.Resetter = (*Decoder)(nil)
)

// NewDecoder returns a Decoder reading decompressed DynamoDB JSON from r.
func NewDecoder(r io.Reader, opt codec.DecodeOptions) *Decoder {
	d := new(Decoder)
	d.ld.Init("ddbjson", &d.p)
	d.Reset(r, opt)
	return d
}

// Reset makes d read from r with opt, as a new Decoder would, while keeping
// its buffers. With ReuseRecord, records from before the Reset become
// invalid.
func (d *Decoder) Reset(r io.Reader, opt codec.DecodeOptions) { d.ld.Reset(r, opt) }

// Next decodes the next record. It returns false at the end of the input
// or when decoding stops on an error (see Err). With DecodeOptions.OnError
// set, bad records are reported to it and skipped; Next returns true only
// for good records.
func (d *Decoder) Next() bool { return d.ld.Next() }

// Record returns the current record; see DecodeOptions.ReuseRecord for its
// lifetime.
func (d *Decoder) Record() *codec.Record { return d.ld.Record() }

// Err returns the error that stopped decoding: a *codec.DecodeError, or the
// error of the underlying reader as it was returned (an unexpected end of
// the input inside a line is io.ErrUnexpectedEOF only if the reader says
// so). It returns nil after a clean end of input.
func (d *Decoder) Err() error { return d.ld.Err() }

// Line returns the 1-based number of the last line read: the current
// record's line after Next returns true.
func (d *Decoder) Line() int64 { return d.ld.Line() }

// RecordOffset returns the byte offset in the decompressed stream of the
// current record's first byte.
func (d *Decoder) RecordOffset() int64 { return d.ld.RecordOffset() }

// InputOffset returns the number of decompressed bytes consumed: the
// offset just past the current record's newline.
func (d *Decoder) InputOffset() int64 { return d.ld.InputOffset() }

// DecodeRecord decodes one line (without its newline) into a freshly
// allocated record that shares no memory with line. An error is a
// *codec.DecodeError with Line 1 and Offset counted from the start of line.
func DecodeRecord(line []byte, kind codec.Kind) (*codec.Record, error) {
	return lines.DecodeRecord(new(parser), line, kind)
}

// The lines.Parser methods of parser (Error is lines.Fault's).

func (p *parser) ParseLine(line []byte, kind codec.Kind, rec *codec.Record) bool {
	return p.DecodeReused(line, rec, func(line []byte, rec *codec.Record) bool {
		return p.parse(line, kind, rec)
	})
}

// ParseOwned decodes line into a record the caller owns, carved from
// chunks shared by successive records (see arena.Arena.DecodeOwned):
// unescaping and base64 decoding only shrink text, so the byte arena
// always stays in its chunk.
func (p *parser) ParseOwned(line []byte, kind codec.Kind) *codec.Record {
	return p.DecodeOwned(line, func(line []byte, rec *codec.Record) bool {
		return p.parse(line, kind, rec)
	})
}

// A parser decodes one line at a time. Its stack, slabs and byte arena are
// reused from line to line.
type parser struct {
	b []byte // the line

	arena.Arena
	lines.Fault // the error of the last failed parse
	dups        dupcheck.Checker
}

// parse decodes line into rec, a zero Record, with the arena ready.
func (p *parser) parse(line []byte, kind codec.Kind, rec *codec.Record) bool {
	p.b = line
	p.Clear()
	return p.record(kind, rec) >= 0
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func (p *parser) ws(i int) int {
	b := p.b
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// expect fails with a syntax error: wanted what, found b[i] or the end.
func (p *parser) syntax(i int, what string) int {
	if i >= len(p.b) {
		return p.Failf(i, codec.ErrSyntax, "unexpected end of line, want %s", what)
	}
	return p.Failf(i, codec.ErrSyntax, "unexpected %s, want %s", quoteByte(p.b[i]), what)
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

func (p *parser) record(kind codec.Kind, rec *codec.Record) int {
	b := p.b
	i := p.ws(0)
	if i == len(b) {
		return p.Failf(0, codec.ErrEmptyLine, "no record")
	}
	if b[i] != '{' {
		if j := p.skipValue(i, 0); j < 0 {
			return j
		}
		return p.Failf(i, codec.ErrRecordShape, "a record must be a JSON object")
	}
	open := i
	var seen shape.Seen
	isFull, isChange := false, false
	i = p.ws(i + 1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return p.syntax(i, "a string")
			}
			keyPos := i
			var key string
			if i = p.str(i, &key); i < 0 {
				return i
			}
			if i = p.ws(i); i >= len(b) || b[i] != ':' {
				return p.syntax(i, "':'")
			}
			i = p.ws(i + 1)
			k := shape.KeyOf(key)
			if k == 0 {
				return p.Failf(keyPos, codec.ErrRecordShape, "unknown key %q", key)
			}
			if seen[k] {
				return p.Failf(keyPos, codec.ErrRecordShape, "duplicate key %q", key)
			}
			seen[k] = true
			if k == shape.Item {
				if kind == codec.KindChange {
					return p.Failf(keyPos, codec.ErrRecordShape, "\"Item\" in an incremental export's record")
				}
				if isChange {
					return p.Failf(keyPos, codec.ErrRecordShape, "\"Item\" mixed with %q", seen.ChangeKey())
				}
				isFull = true
			} else {
				if kind == codec.KindFull {
					return p.Failf(keyPos, codec.ErrRecordShape, "%q in a full export's record", key)
				}
				if isFull {
					return p.Failf(keyPos, codec.ErrRecordShape, "%q mixed with \"Item\"", key)
				}
				isChange = true
			}
			if i >= len(b) || b[i] != '{' {
				if j := p.skipValue(i, 0); j < 0 {
					return j
				}
				return p.Failf(i, codec.ErrRecordShape, "%q must be a JSON object", key)
			}
			it := k.Image(rec)
			if it == nil {
				i = p.metadata(i, rec)
			} else {
				start := len(p.Stack)
				if i = p.members(i, 1); i < 0 {
					p.AddPath(key)
					return i
				}
				if len(p.Stack) == start {
					*it = codec.Item{}
					p.Stack = p.Stack[:start]
				} else {
					*it = p.Alloc(start)
				}
				if len(*it) == 0 {
					// An item always has its key attributes, and an image
					// is a whole item.
					return p.Failf(keyPos, codec.ErrRecordShape, "%q is empty", key)
				}
			}
			if i < 0 {
				return i
			}
			if i = p.ws(i); i < len(b) && b[i] == ',' {
				i = p.ws(i + 1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return p.syntax(i, "',' or '}'")
		}
	}
	if i = p.ws(i); i < len(b) {
		return p.Failf(i, codec.ErrTrailingData, "%s after the record", quoteByte(b[i]))
	}
	if err := seen.Check(kind); err != nil {
		return p.Fail(open, err)
	}
	return i
}

// metadata parses the Metadata object at b[i] == '{'.
func (p *parser) metadata(i int, rec *codec.Record) int {
	b := p.b
	open := i
	found := false
	i = p.ws(i + 1)
	if i < len(b) && b[i] == '}' {
		return p.Failf(open, codec.ErrRecordShape, "no \"WriteTimestampMicros\" in \"Metadata\"")
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return p.syntax(i, "a string")
		}
		keyPos := i
		var key string
		if i = p.str(i, &key); i < 0 {
			return i
		}
		if i = p.ws(i); i >= len(b) || b[i] != ':' {
			return p.syntax(i, "':'")
		}
		i = p.ws(i + 1)
		if key == "WriteTimestampMicros" {
			if found {
				return p.Failf(keyPos, codec.ErrRecordShape, "duplicate key %q", key)
			}
			found = true
			if i = p.timestamp(i, rec); i < 0 {
				p.AddPath("Metadata.WriteTimestampMicros")
				return i
			}
		} else if i = p.skipValue(i, 0); i < 0 {
			return i
		}
		if i = p.ws(i); i < len(b) && b[i] == ',' {
			i = p.ws(i + 1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return p.syntax(i, "',' or '}'")
	}
	if !found {
		return p.Failf(open, codec.ErrRecordShape, "no \"WriteTimestampMicros\" in \"Metadata\"")
	}
	return i + 1
}

// timestamp parses WriteTimestampMicros, a typed number {"N":"…"}
// (observed in real exports, export-format.md §6.3; a bare JSON number is
// not the format). DynamoDB numbers may be written in any notation, so the
// N may be any valid number ("1.6999992001E+15", "1768387654353205.0")
// whose value is an integer in [0, 2^63-1].
func (p *parser) timestamp(i int, rec *codec.Record) int {
	b := p.b
	if i >= len(b) || b[i] != '{' {
		if j := p.skipValue(i, 0); j < 0 {
			return j
		}
		return p.Failf(i, codec.ErrRecordShape, "WriteTimestampMicros must be a typed number {\"N\":\"…\"}")
	}
	start := len(p.Stack)
	at := i
	if i = p.value(i, 1); i < 0 {
		return i
	}
	v := p.Stack[start]
	p.Stack = p.Stack[:start]
	if v.Type != codec.TypeN {
		return p.Failf(at, codec.ErrRecordShape, "WriteTimestampMicros must be a typed number {\"N\":\"…\"}, not %s", v.Type)
	}
	ts, why := timestampValue(v.Str)
	if why != "" {
		return p.Failf(at, codec.ErrRecordShape, "WriteTimestampMicros %q %s", v.Str, why)
	}
	rec.WriteTimestampMicros = ts
	return i
}

// timestampValue returns the value of s, a number valid per
// codec.CheckNumber, if it is an integer in [0, 2^63-1], or else why not.
// It works on the decimal digits and exponent, never through a float.
func timestampValue(s string) (int64, string) {
	// Fast path: plain digits, as DynamoDB writes them.
	plain := len(s) > 0 && len(s) <= 18
	for j := 0; plain && j < len(s); j++ {
		plain = s[j] >= '0' && s[j] <= '9'
	}
	if plain {
		var n int64
		for j := 0; j < len(s); j++ {
			n = n*10 + int64(s[j]-'0')
		}
		return n, ""
	}
	j := 0
	neg := false
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		neg = s[j] == '-'
		j++
	}
	// The significant digits, without leading zeros, and the power of
	// ten of the last digit.
	var digits []byte
	var buf [40]byte
	digits = buf[:0]
	scale := 0
	dot := false
	for ; j < len(s); j++ {
		c := s[j]
		if c == '.' {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if dot {
			scale--
		}
		if c == '0' && len(digits) == 0 {
			continue
		}
		if len(digits) == cap(buf) { // not reached: at most 38 significant digits
			return 0, "is not a valid number"
		}
		digits = append(digits, c)
	}
	if len(digits) == 0 {
		return 0, "" // zero, in any notation ("0.000", "-0", "0E+5")
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		eneg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			eneg = s[j] == '-'
			j++
		}
		e := 0
		for ; j < len(s); j++ {
			if e < 1_000_000 { // a valid nonzero number's exponent is far smaller
				e = e*10 + int(s[j]-'0')
			}
		}
		if eneg {
			e = -e
		}
		scale += e
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		scale++
	}
	switch {
	case neg:
		return 0, "is negative"
	case scale < 0:
		return 0, "is not an integer"
	case len(digits)+scale > 19:
		return 0, "is larger than 2^63-1 (9223372036854775807)"
	}
	var n uint64
	for _, c := range digits {
		n = n*10 + uint64(c-'0')
	}
	for range scale {
		n *= 10
	}
	// At most 19 digits: n < 10^19 < 2^64, so nothing overflowed.
	if n > math.MaxInt64 {
		return 0, "is larger than 2^63-1 (9223372036854775807)"
	}
	return int64(n), ""
}

// members parses an object of named values at b[i] == '{' (an item, Keys,
// an image or an M's members), pushing each value, named, on the stack; it
// checks that names are unique. Values are at the given depth.
func (p *parser) members(i, depth int) int {
	b := p.b
	start := len(p.Stack)
	open := i
	i++
	if i < len(b) && isWS(b[i]) {
		i = p.ws(i)
	}
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return p.syntax(i, "a string")
		}
		namePos := i
		var name string
		if i = p.str(i, &name); i < 0 {
			return i
		}
		if name == "" {
			return p.Failf(namePos, codec.ErrValue, "an attribute name must not be empty")
		}
		if i < len(b) && b[i] == ':' {
			i++
		} else if i = p.ws(i); i < len(b) && b[i] == ':' {
			i++
		} else {
			return p.syntax(i, "':'")
		}
		if i < len(b) && isWS(b[i]) {
			i = p.ws(i)
		}
		n := len(p.Stack)
		if i = p.value(i, depth); i < 0 {
			p.AddPath("." + name)
			return i
		}
		p.Stack[n].Name = name
		if i < len(b) && isWS(b[i]) {
			i = p.ws(i)
		}
		if i < len(b) && b[i] == ',' {
			i++
			if i < len(b) && isWS(b[i]) {
				i = p.ws(i)
			}
			continue
		}
		if i < len(b) && b[i] == '}' {
			i++
			break
		}
		return p.syntax(i, "',' or '}'")
	}
	if k := p.dups.Names(p.Stack[start:]); k >= 0 {
		name := p.Stack[start+k].Name
		p.AddPath("." + name)
		return p.Failf(p.nthPos(open, k), codec.ErrDuplicateName, "%q", name)
	}
	return i
}

// value parses one attribute value at b[i] and pushes it on the stack.
func (p *parser) value(i, depth int) int {
	b := p.b
	at := i
	if i >= len(b) || b[i] != '{' {
		if i < len(b) {
			if j := p.skipValue(i, depth); j < 0 {
				return j
			}
		}
		if i >= len(b) {
			return p.syntax(i, "'{'")
		}
		return p.Failf(i, codec.ErrValue, "an attribute value must be an object such as {\"S\":…}")
	}
	if depth > MaxDepth {
		return p.Failf(i, codec.ErrTooDeep, "more than %d levels", MaxDepth)
	}
	i++
	if i < len(b) && isWS(b[i]) {
		i = p.ws(i)
	}
	if i >= len(b) || b[i] != '"' {
		if i < len(b) && b[i] == '}' {
			return p.Failf(at, codec.ErrTypeCount, "no type descriptor")
		}
		return p.syntax(i, "a string")
	}
	// Fast path: a plain descriptor such as "S" or "BOOL".
	t := codec.TypeInvalid
	keyPos := i
	if i+2 < len(b) && b[i+2] == '"' {
		switch b[i+1] {
		case 'S':
			t = codec.TypeS
		case 'N':
			t = codec.TypeN
		case 'M':
			t = codec.TypeM
		case 'L':
			t = codec.TypeL
		case 'B':
			t = codec.TypeB
		}
		i += 3
	} else if i+3 < len(b) && b[i+3] == '"' && b[i+2] == 'S' {
		switch b[i+1] {
		case 'S':
			t = codec.TypeSS
		case 'N':
			t = codec.TypeNS
		case 'B':
			t = codec.TypeBS
		}
		i += 4
	} else if i+5 < len(b) && b[i+5] == '"' {
		switch string(b[i+1 : i+5]) {
		case "BOOL":
			t = codec.TypeBOOL
		case "NULL":
			t = codec.TypeNULL
		}
		i += 6
	}
	if t == codec.TypeInvalid {
		i = keyPos
		var key string
		if i = p.str(i, &key); i < 0 {
			return i
		}
		var ok bool
		if t, ok = codec.ParseType(key); !ok {
			return p.Failf(keyPos, codec.ErrUnknownType, "%q", key)
		}
	}
	if i < len(b) && b[i] == ':' {
		i++
	} else if i = p.ws(i); i < len(b) && b[i] == ':' {
		i++
	} else {
		return p.syntax(i, "':'")
	}
	if i < len(b) && isWS(b[i]) {
		i = p.ws(i)
	}
	vpos := i
	switch t {
	case codec.TypeS:
		if i < len(b) && b[i] == '"' {
			i = p.str(i, &p.Push(codec.TypeS).Str)
		} else {
			i = p.wrongType(i, depth, t, "a string")
		}
	case codec.TypeN:
		if i < len(b) && b[i] == '"' {
			v := p.Push(codec.TypeN)
			if i = p.str(i, &v.Str); i >= 0 {
				if !validNumber(v.Str) {
					return p.Fail(vpos, codec.CheckNumber(strings.Clone(v.Str)))
				}
			}
		} else {
			i = p.wrongType(i, depth, t, "a string")
		}
	case codec.TypeB:
		if i < len(b) && b[i] == '"' {
			i = p.base64(i, &p.Push(codec.TypeB).Str)
		} else {
			i = p.wrongType(i, depth, t, "a base64 string")
		}
	case codec.TypeBOOL:
		switch {
		case i+4 <= len(b) && string(b[i:i+4]) == "true":
			p.Push(codec.TypeBOOL).Bool = true
			i += 4
		case i+5 <= len(b) && string(b[i:i+5]) == "false":
			p.Push(codec.TypeBOOL)
			i += 5
		default:
			i = p.wrongType(i, depth, t, "true or false")
		}
	case codec.TypeNULL:
		switch {
		case i+4 <= len(b) && string(b[i:i+4]) == "true":
			p.Push(codec.TypeNULL)
			i += 4
		case i+5 <= len(b) && string(b[i:i+5]) == "false":
			if j := p.ws(i + 5); j < len(b) && (b[j] == '}' || b[j] == ',') {
				return p.Failf(i, codec.ErrValue, "NULL must be true")
			}
			i = p.wrongType(i, depth, t, "true")
		default:
			i = p.wrongType(i, depth, t, "true")
		}
	case codec.TypeM:
		if i < len(b) && b[i] == '{' {
			start := len(p.Stack)
			if i = p.members(i, depth+1); i < 0 {
				p.AddPath(".M")
				return i
			}
			elems := p.Elems(start)
			p.Push(codec.TypeM).Elems = elems
		} else {
			i = p.wrongType(i, depth, t, "an object")
		}
	case codec.TypeL:
		if i < len(b) && b[i] == '[' {
			start := len(p.Stack)
			if i = p.list(i, depth+1); i < 0 {
				p.AddPath(".L")
				return i
			}
			elems := p.Elems(start)
			p.Push(codec.TypeL).Elems = elems
		} else {
			i = p.wrongType(i, depth, t, "an array")
		}
	default: // SS, NS, BS
		if i < len(b) && b[i] == '[' {
			start := len(p.Stack)
			if i = p.set(i, t); i < 0 {
				p.AddPath("." + t.String())
				return i
			}
			elems := p.Elems(start)
			p.Push(t).Elems = elems
		} else {
			i = p.wrongType(i, depth, t, "an array of strings")
		}
	}
	if i < 0 {
		return i
	}
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	if i = p.ws(i); i < len(b) && b[i] == '}' {
		return i + 1
	}
	if i < len(b) && b[i] == ',' {
		if j := p.ws(i + 1); j < len(b) && b[j] == '"' {
			return p.Failf(j, codec.ErrTypeCount, "more than one type descriptor")
		}
		return p.syntax(p.ws(i+1), "a string")
	}
	return p.syntax(i, "'}'")
}

// wrongType reports a JSON value of the wrong type for t at b[i]: a syntax
// error if it is not JSON at all, else ErrValue.
func (p *parser) wrongType(i, depth int, t codec.Type, want string) int {
	if j := p.skipValue(i, depth); j < 0 {
		return j
	}
	return p.Failf(i, codec.ErrValue, "%s wants %s", t, want)
}

// list parses the elements of an L at b[i] == '[', pushing them.
func (p *parser) list(i, depth int) int {
	b := p.b
	i = p.ws(i + 1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for k := 0; ; k++ {
		if i = p.value(i, depth); i < 0 {
			p.AddPath("[" + strconv.Itoa(k) + "]")
			return i
		}
		if i < len(b) && isWS(b[i]) {
			i = p.ws(i)
		}
		if i < len(b) && b[i] == ',' {
			i++
			if i < len(b) && isWS(b[i]) {
				i = p.ws(i)
			}
			continue
		}
		if i < len(b) && b[i] == ']' {
			return i + 1
		}
		return p.syntax(i, "',' or ']'")
	}
}

// set parses the elements of an SS, NS or BS at b[i] == '[', pushing them,
// and checks that the set is non-empty and without duplicates.
func (p *parser) set(i int, t codec.Type) int {
	b := p.b
	open := i
	start := len(p.Stack)
	et := t.ElemType()
	i = p.ws(i + 1)
	if i < len(b) && b[i] == ']' {
		return p.Failf(open, codec.ErrEmptySet, "%s with no elements", t)
	}
	for k := 0; ; k++ {
		if i >= len(b) || b[i] != '"' {
			if i < len(b) {
				if j := p.skipValue(i, 0); j < 0 {
					return j
				}
			} else {
				return p.syntax(i, "a string")
			}
			p.AddPath("[" + strconv.Itoa(k) + "]")
			return p.Failf(i, codec.ErrValue, "%s elements must be strings", t)
		}
		v := p.Push(et)
		at := i
		switch et {
		case codec.TypeB:
			i = p.base64(i, &v.Str)
		case codec.TypeN:
			if i = p.str(i, &v.Str); i >= 0 && !validNumber(v.Str) {
				i = p.Fail(at, codec.CheckNumber(strings.Clone(v.Str)))
			}
		default:
			i = p.str(i, &v.Str)
		}
		if i < 0 {
			p.AddPath("[" + strconv.Itoa(k) + "]")
			return i
		}
		if i < len(b) && isWS(b[i]) {
			i = p.ws(i)
		}
		if i < len(b) && b[i] == ',' {
			i++
			if i < len(b) && isWS(b[i]) {
				i = p.ws(i)
			}
			continue
		}
		if i < len(b) && b[i] == ']' {
			i++
			break
		}
		return p.syntax(i, "',' or ']'")
	}
	var k int
	if et == codec.TypeN {
		k = p.dups.Numbers(p.Stack[start:])
	} else {
		k = p.dups.Strings(p.Stack[start:])
	}
	if k >= 0 {
		p.AddPath("[" + strconv.Itoa(k) + "]")
		return p.Failf(p.nthPos(open, k), codec.ErrDuplicateInSet, "%s element %s repeats an earlier one", t, p.Stack[start+k].String())
	}
	return i
}

// validNumber reports whether s is a valid DynamoDB number. A short plain
// integer is checked directly; anything else goes to codec.CheckNumber,
// which does not allocate for a valid number.
func validNumber(s string) bool {
	if n := len(s); n > 0 && n <= 19 {
		j := 0
		if s[0] == '-' {
			j = 1
		}
		if j < n {
			for ; j < n; j++ {
				if s[j] < '0' || s[j] > '9' {
					break
				}
			}
			if j == n {
				return true
			}
		}
	}
	return codec.CheckNumber(s) == nil
}
