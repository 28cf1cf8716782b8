package ion

import (
	"errors"
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
// attribute is at depth 1, a value inside a struct or list one deeper than
// its container. It is a safety limit of this package (DynamoDB's own
// limit is 32 levels); a deeper value is a DecodeError wrapping
// codec.ErrTooDeep.
const MaxDepth = 256

// A Decoder reads DynamoDB ION records, one per line, from a decompressed
// data file (export-format.md §5, §7). It validates every rule of the
// format while it scans, in one pass over each line; see the package doc
// for the rules and codec.DecodeOptions for error handling.
//
// Lines are framed by '\n'; an unterminated final line is also a record.
// Every line counts for Line and Offset, including empty and bad ones.
//
// By default each Record is owned by the caller: the decoder never writes
// to its memory again. To save allocations, the Records, Values and string
// bytes of successive short records are carved from shared chunks of at
// most 32 KiB each (a kept record keeps its chunks alive); a record of a
// line longer than 8 KiB, or of a line read through ion-go, gets an exact
// copy of its own. With DecodeOptions.ReuseRecord, the Record, its Items and
// Values, and the memory of its strings are reused: a record is valid only
// until the next call to Next (or Reset), and decoding allocates nothing
// in the steady state. Strings without escapes then alias the decoder's
// read buffer, and other strings, numbers and binary values alias an
// internal byte arena. Use Record.Clone to keep one.
//
// A line the fast scanner does not handle (local symbol tables, symbol
// IDs, field names spelled as Ion keywords) is decoded through
// github.com/amazon-ion/ion-go instead; see the package doc.
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

// NewDecoder returns a Decoder reading decompressed DynamoDB ION text from r.
func NewDecoder(r io.Reader, opt codec.DecodeOptions) *Decoder {
	d := new(Decoder)
	d.ld.Init("ion", &d.p)
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
	return p.decodeLine(line, kind, rec)
}

// ParseOwned decodes line into a record the caller owns, carved from
// chunks shared by successive records (see arena.Arena.DecodeOwned); a
// number's plain form can be longer than its text (1d9), so the byte arena
// may outgrow its chunk. A line that needs ion-go is decoded into reused
// memory and copied.
func (p *parser) ParseOwned(line []byte, kind codec.Kind) *codec.Record {
	if !p.forceSlow {
		r := p.DecodeOwned(line, func(line []byte, rec *codec.Record) bool {
			return p.parse(line, kind, rec)
		})
		if r != nil || !p.needSlow {
			return r
		}
	}
	var rec codec.Record
	if !p.decodeSlow(line, kind, &rec) {
		return nil
	}
	return rec.Clone()
}

// A parser decodes one line at a time. Its stack, slabs and byte arena are
// reused from line to line.
type parser struct {
	b []byte // the line

	arena.Arena
	pos []int // for each value on the stack, the offset of its name or start

	lines.Fault // the error of the last failed parse
	dups        dupcheck.Checker

	// needSlow is set when the line uses Ion the fast scanner leaves to
	// ion-go (see slow.go).
	needSlow  bool
	slowLine  []byte // the line as rewritten by the slow path
	forceSlow bool   // tests: decode every line through ion-go
}

// errSlow is the internal error of a line that needs the slow path.
var errSlow = errors.New("ion: needs the ion-go reader")

// slow abandons the fast scan of the line: it uses Ion that the slow path
// handles.
func (p *parser) slow(pos int) int {
	p.needSlow = true
	return p.Fail(pos, errSlow)
}

// begin starts the scan of line, with the arena ready.
func (p *parser) begin(line []byte) {
	p.b = line
	p.pos = p.pos[:0]
	p.Clear()
	p.needSlow = false
}

// reset readies the parser, and its arena, for line.
func (p *parser) reset(line []byte) {
	p.Reset()
	p.begin(line)
}

// parse decodes line into rec, a zero Record, with the arena ready.
func (p *parser) parse(line []byte, kind codec.Kind, rec *codec.Record) bool {
	p.begin(line)
	return p.record(kind, rec) >= 0
}

// alloc moves the values of the stack from start up into the value arena
// and returns them.
func (p *parser) alloc(start int) []codec.Value {
	p.pos = p.pos[:start]
	return p.Alloc(start)
}

// push pushes a value of type t, at offset pos of the line, and returns it.
func (p *parser) push(t codec.Type, pos int) *codec.Value {
	p.pos = append(p.pos, pos)
	return p.Push(t)
}

// close ends a container of type t at offset pos whose elements are on the
// stack from start up, and pushes it.
func (p *parser) close(t codec.Type, start, pos int) {
	elems := p.Elems(start)
	p.pos = append(p.pos[:start], pos)
	p.Push(t).Elems = elems
}

// decodeLine decodes line into rec in reused memory: with the fast
// scanner, or through ion-go when the line needs it. On failure it
// records the error and returns false.
func (p *parser) decodeLine(line []byte, kind codec.Kind, rec *codec.Record) bool {
	if !p.forceSlow {
		ok := p.DecodeReused(line, rec, func(line []byte, rec *codec.Record) bool {
			return p.parse(line, kind, rec)
		})
		if ok || !p.needSlow {
			return ok
		}
	}
	return p.decodeSlow(line, kind, rec)
}

const ivm = "$ion_1_0"

func (p *parser) record(kind codec.Kind, rec *codec.Record) int {
	b := p.b
	i := p.ws(0)
	if i < 0 {
		return i
	}
	// Version markers: DynamoDB begins each line with one.
	for i < len(b) && b[i] == '$' {
		j := p.ident(i)
		if string(b[i:j]) != ivm {
			return p.slow(i) // a symbol table, another marker or a symbol ID
		}
		k := p.ws(j)
		if k < 0 {
			return k
		}
		if k+1 < len(b) && b[k] == ':' && b[k+1] == ':' {
			return p.slow(i)
		}
		i = k
	}
	if i == len(b) {
		return p.Failf(0, codec.ErrEmptyLine, "no record")
	}
	if b[i] != '{' || (i+1 < len(b) && b[i+1] == '{') {
		if j := p.skip(i, 0); j < 0 {
			return j
		}
		return p.Failf(i, codec.ErrRecordShape, "a record must be an Ion struct")
	}
	open := i
	var seen shape.Seen
	isFull, isChange := false, false
	if i = p.ws(i + 1); i < 0 {
		return i
	}
	for i < len(b) && b[i] != '}' {
		keyPos := i
		var key string
		if i = p.fieldName(i, &key); i < 0 {
			return i
		}
		k := shape.KeyOf(key)
		switch {
		case k == 0:
			return p.Failf(keyPos, codec.ErrRecordShape, "unknown key %q", key)
		case seen[k]:
			return p.Failf(keyPos, codec.ErrRecordShape, "duplicate key %q", key)
		case k == shape.Item && isChange:
			return p.Failf(keyPos, codec.ErrRecordShape, "\"Item\" in a record with %q", seen.ChangeKey())
		case k != shape.Item && isFull:
			return p.Failf(keyPos, codec.ErrRecordShape, "%q in a record with \"Item\"", key)
		case k == shape.Item && kind == codec.KindChange:
			return p.Failf(keyPos, codec.ErrRecordShape, "\"Item\" in an incremental export's record")
		case k != shape.Item && kind == codec.KindFull:
			return p.Failf(keyPos, codec.ErrRecordShape, "%q in a full export's record", key)
		}
		seen[k] = true
		if k == shape.Item {
			isFull = true
		} else {
			isChange = true
		}
		if i >= len(b) || b[i] != '{' || (i+1 < len(b) && b[i+1] == '{') {
			if i < len(b) {
				if j := p.skip(i, 0); j < 0 {
					return j
				}
			}
			return p.Failf(i, codec.ErrRecordShape, "%q must be a struct", key)
		}
		if it := k.Image(rec); it == nil {
			if i = p.metadata(i, rec); i < 0 {
				return i
			}
		} else {
			start := len(p.Stack)
			if i = p.members(i, 1); i < 0 {
				p.AddPath(key)
				return i
			}
			if len(p.Stack) == start {
				// An item always has its key attributes, and an image is
				// a whole item.
				return p.Failf(keyPos, codec.ErrRecordShape, "%q is empty", key)
			}
			*it = p.alloc(start)
		}
		if i = p.sep(i, '}'); i < 0 {
			return i
		}
	}
	if i >= len(b) {
		return p.syntax(i, "'}'")
	}
	i++
	if i = p.ws(i); i < 0 {
		return i
	}
	if i < len(b) {
		return p.Failf(i, codec.ErrTrailingData, "%s after the record", quoteByte(b[i]))
	}
	if err := seen.Check(kind); err != nil {
		return p.Fail(open, err)
	}
	return i
}

// sep skips the whitespace after a container's member and its ',' if any;
// it returns the index of the next member or of the closing byte.
func (p *parser) sep(i int, end byte) int {
	b := p.b
	if i < len(b) && b[i] == ',' {
		return p.ws(i + 1)
	}
	if i < len(b) && b[i] != end && b[i] != ' ' && b[i] != '/' && b[i] != '\t' {
		return p.syntax(i, "',' or '"+string(end)+"'")
	}
	if i = p.ws(i); i < 0 {
		return i
	}
	if i < len(b) && b[i] == ',' {
		return p.ws(i + 1)
	}
	if i < len(b) && b[i] == end {
		return i
	}
	return p.syntax(i, "',' or '"+string(end)+"'")
}

// metadata parses the Metadata struct at b[i] == '{'.
func (p *parser) metadata(i int, rec *codec.Record) int {
	b := p.b
	open := i
	found := false
	if i = p.ws(i + 1); i < 0 {
		return i
	}
	for i < len(b) && b[i] != '}' {
		keyPos := i
		var key string
		if i = p.fieldName(i, &key); i < 0 {
			return i
		}
		if key == "WriteTimestampMicros" {
			if found {
				return p.Failf(keyPos, codec.ErrRecordShape, "duplicate key %q", key)
			}
			found = true
			if i = p.timestamp(i, rec); i < 0 {
				p.AddPath("Metadata.WriteTimestampMicros")
				return i
			}
		} else if i = p.skip(i, 0); i < 0 {
			return i
		}
		if i = p.sep(i, '}'); i < 0 {
			return i
		}
	}
	if i >= len(b) {
		return p.syntax(i, "'}'")
	}
	if !found {
		return p.Failf(open, codec.ErrRecordShape, "no \"WriteTimestampMicros\" in \"Metadata\"")
	}
	return p.ws(i + 1)
}

// timestamp parses WriteTimestampMicros: an Ion int, an Ion decimal with
// an integral value, or a typed number {N:"…"} as in DynamoDB JSON. How
// DynamoDB writes it in ION is unknown (export-format.md §6.3); all three
// are accepted. Its value must be an integer in [0, 2^63-1].
func (p *parser) timestamp(i int, rec *codec.Record) int {
	start := len(p.Stack)
	at := i
	if i = p.value(i, 1); i < 0 {
		return i
	}
	v := p.Stack[start]
	p.Stack = p.Stack[:start]
	p.pos = p.pos[:start]
	var s string
	switch {
	case v.Type == codec.TypeN:
		s = v.Str
	case v.Type == codec.TypeM && len(v.Elems) == 1 && v.Elems[0].Name == "N" && v.Elems[0].Type == codec.TypeS:
		s = v.Elems[0].Str
		if err := codec.CheckNumber(s); err != nil {
			return p.Fail(at, err)
		}
	default:
		return p.Failf(at, codec.ErrRecordShape, "WriteTimestampMicros must be an Ion int or decimal, or {N:\"…\"}, not %s", v.Type)
	}
	ts, why := timestampValue(s)
	if why != "" {
		return p.Failf(at, codec.ErrRecordShape, "WriteTimestampMicros %s %s", s, why)
	}
	rec.WriteTimestampMicros = ts
	return i
}

// timestampValue returns the value of s, a number valid per
// codec.CheckNumber, if it is an integer in [0, 2^63-1], or else why not.
func timestampValue(s string) (int64, string) {
	n, ok := codec.AppendCanonicalNumber(nil, s)
	if !ok {
		return 0, "is not a valid number"
	}
	c := string(n)
	if c == "0" {
		return 0, ""
	}
	if c[0] == '-' {
		return 0, "is negative"
	}
	e := strings.IndexByte(c, 'E')
	digits := c[:e]
	exp, err := strconv.Atoi(c[e+1:])
	switch {
	case err != nil:
		return 0, "is not a valid number"
	case exp < 0:
		return 0, "is not an integer"
	case len(digits)+exp > 19:
		return 0, "is larger than 2^63-1 (9223372036854775807)"
	}
	var v uint64
	for k := 0; k < len(digits); k++ {
		v = v*10 + uint64(digits[k]-'0')
	}
	for range exp {
		v *= 10
	}
	if v > math.MaxInt64 {
		return 0, "is larger than 2^63-1 (9223372036854775807)"
	}
	return int64(v), ""
}

// members parses a struct of named values at b[i] == '{' (an item, Keys,
// an image or an M), pushing each value, named, on the stack; it checks
// that names are non-empty and unique. Values are at the given depth. It
// returns the index after the struct and the whitespace after it.
func (p *parser) members(i, depth int) int {
	b := p.b
	start := len(p.Stack)
	if i = p.ws(i + 1); i < 0 {
		return i
	}
	for i < len(b) && b[i] != '}' {
		namePos := i
		var name string
		if i = p.fieldName(i, &name); i < 0 {
			return i
		}
		if name == "" {
			return p.Failf(namePos, codec.ErrValue, "an attribute name must not be empty")
		}
		n := len(p.Stack)
		if i = p.value(i, depth); i < 0 {
			p.AddPath("." + name)
			return i
		}
		p.Stack[n].Name = name
		p.pos[n] = namePos
		if i = p.sep(i, '}'); i < 0 {
			return i
		}
	}
	if i >= len(b) {
		return p.syntax(i, "'}'")
	}
	if k := p.dups.Names(p.Stack[start:]); k >= 0 {
		name := p.Stack[start+k].Name
		p.AddPath("." + name)
		return p.Failf(p.pos[start+k], codec.ErrDuplicateName, "%q", name)
	}
	return p.ws(i + 1)
}

// fieldName parses a field name and its ':' at b[i]: an identifier, a
// quoted symbol, a string or long strings. It returns the index of the
// value after the ':'.
func (p *parser) fieldName(i int, dst *string) int {
	b := p.b
	if i >= len(b) {
		return p.syntax(i, "a field name")
	}
	switch c := b[i]; {
	case c == '"':
		i = p.str(i, '"', dst)
	case c == '\'':
		if i+2 < len(b) && b[i+1] == '\'' && b[i+2] == '\'' {
			i = p.longStr(i, dst)
		} else {
			i = p.str(i, '\'', dst)
		}
	case isIdentStart(c):
		j := p.ident(i)
		s := b[i:j]
		if isKeyword(s) || isSymbolID(s) {
			return p.slow(i)
		}
		*dst = bstr(s)
		i = j
	default:
		return p.syntax(i, "a field name")
	}
	if i < 0 {
		return i
	}
	if i < len(b) && b[i] == ':' {
		i++
	} else if i = p.ws(i); i < 0 {
		return i
	} else if i < len(b) && b[i] == ':' {
		i++
	} else {
		return p.syntax(i, "':'")
	}
	if i < len(b) && b[i] == ':' {
		return p.syntax(i, "a value (a field name cannot be annotated)")
	}
	return p.ws(i)
}

// Annotations of the three set types (export-format.md §7).
const (
	annSS = "$dynamodb_SS"
	annNS = "$dynamodb_NS"
	annBS = "$dynamodb_BS"
)

// value parses one attribute value at b[i] and pushes it on the stack. It
// returns the index after the value (whitespace not skipped).
func (p *parser) value(i, depth int) int {
	b := p.b
	if i >= len(b) {
		return p.syntax(i, "a value")
	}
	if depth > MaxDepth {
		return p.Failf(i, codec.ErrTooDeep, "more than %d levels", MaxDepth)
	}
	at := i
	switch c := b[i]; {
	case c == '"':
		return p.str(i, '"', &p.push(codec.TypeS, at).Str)
	case c == '\'':
		if i+2 < len(b) && b[i+1] == '\'' && b[i+2] == '\'' {
			return p.longStr(i, &p.push(codec.TypeS, at).Str)
		}
		var sym string
		j := p.str(i, '\'', &sym)
		if j < 0 {
			return j
		}
		return p.symbol(at, j, sym, depth)
	case c == '{':
		if i+1 < len(b) && b[i+1] == '{' {
			return p.blob(i, &p.push(codec.TypeB, at).Str)
		}
		start := len(p.Stack)
		if i = p.members(i, depth+1); i < 0 {
			return i
		}
		p.close(codec.TypeM, start, at)
		return i
	case c == '[':
		start := len(p.Stack)
		if i = p.list(i, depth+1); i < 0 {
			return i
		}
		p.close(codec.TypeL, start, at)
		return i
	case c == '(':
		return p.Failf(i, codec.ErrValue, "an Ion S-expression is not a DynamoDB value")
	case c == '-' || c >= '0' && c <= '9':
		return p.number(i, &p.push(codec.TypeN, at).Str)
	case c == '+':
		if i+4 <= len(b) && string(b[i:i+4]) == "+inf" {
			return p.Fail(i, floatError("+inf"))
		}
		return p.syntax(i, "a value")
	case isIdentStart(c):
		j := p.ident(i)
		s := b[i:j]
		switch string(s) {
		case "true":
			p.push(codec.TypeBOOL, at).Bool = true
			return j
		case "false":
			p.push(codec.TypeBOOL, at)
			return j
		case "null":
			if j < len(b) && b[j] == '.' {
				k := p.ident(j + 1)
				if !isNullType(b[j+1 : k]) {
					return p.syntax(j+1, "an Ion type after \"null.\"")
				}
				j = k
			}
			p.push(codec.TypeNULL, at)
			return j
		case "nan":
			return p.Fail(i, floatError("nan"))
		}
		if isSymbolID(s) {
			return p.slow(i)
		}
		return p.symbol(at, j, bstr(s), depth)
	}
	return p.syntax(i, "a value")
}

// symbol handles a symbol sym at b[at:j]: an annotation when "::" follows,
// else a symbol value, which DynamoDB does not have.
func (p *parser) symbol(at, j int, sym string, depth int) int {
	b := p.b
	k := p.ws(j)
	if k < 0 {
		return k
	}
	if !(k+1 < len(b) && b[k] == ':' && b[k+1] == ':') {
		return p.Failf(at, codec.ErrValue, "an Ion symbol (%s) is not a DynamoDB value", truncate(sym))
	}
	var t codec.Type
	switch sym {
	case annSS:
		t = codec.TypeSS
	case annNS:
		t = codec.TypeNS
	case annBS:
		t = codec.TypeBS
	default:
		if isSymbolID([]byte(sym)) || sym == "$ion_symbol_table" {
			return p.slow(at)
		}
		return p.Failf(at, codec.ErrUnknownType, "annotation %s", truncate(sym))
	}
	i := p.ws(k + 2)
	if i < 0 {
		return i
	}
	if i < len(b) && (b[i] == '\'' || isIdentStart(b[i])) {
		// A second annotation?
		var j2 int
		if b[i] == '\'' && !(i+2 < len(b) && b[i+1] == '\'' && b[i+2] == '\'') {
			var s string
			j2 = p.str(i, '\'', &s)
		} else if b[i] != '\'' {
			j2 = p.ident(i)
		}
		if j2 > 0 {
			if k2 := p.ws(j2); k2 >= 0 && k2+1 < len(b) && b[k2] == ':' && b[k2+1] == ':' {
				return p.Failf(i, codec.ErrUnknownType, "more than one annotation")
			}
		}
	}
	if i >= len(b) || b[i] != '[' {
		return p.Failf(i, codec.ErrValue, "%s annotates a list, not this value", sym)
	}
	start := len(p.Stack)
	if i = p.set(i, t, depth); i < 0 {
		return i
	}
	p.close(t, start, at)
	return i
}

func truncate(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// list parses the elements of a list at b[i] == '[', pushing them. It
// returns the index after the ']'.
func (p *parser) list(i, depth int) int {
	b := p.b
	if i = p.ws(i + 1); i < 0 {
		return i
	}
	for k := 0; i < len(b) && b[i] != ']'; k++ {
		if i = p.value(i, depth); i < 0 {
			p.AddPath("[" + strconv.Itoa(k) + "]")
			return i
		}
		if i = p.sep(i, ']'); i < 0 {
			return i
		}
	}
	if i >= len(b) {
		return p.syntax(i, "']'")
	}
	return i + 1
}

// set parses the elements of an annotated SS, NS or BS list at
// b[i] == '[', pushing them, and checks that the set is non-empty, of
// elements of the right Ion type and without duplicates.
func (p *parser) set(i int, t codec.Type, depth int) int {
	b := p.b
	open := i
	start := len(p.Stack)
	et := t.ElemType()
	if i = p.ws(i + 1); i < 0 {
		return i
	}
	if i < len(b) && b[i] == ']' {
		return p.Failf(open, codec.ErrEmptySet, "%s with no elements", t)
	}
	for k := 0; i < len(b) && b[i] != ']'; k++ {
		at := i
		n := len(p.Stack)
		if i = p.value(i, depth+1); i < 0 {
			p.AddPath("[" + strconv.Itoa(k) + "]")
			return i
		}
		if p.Stack[n].Type != et {
			p.AddPath("[" + strconv.Itoa(k) + "]")
			want := map[codec.Type]string{codec.TypeS: "strings", codec.TypeN: "decimals", codec.TypeB: "blobs"}[et]
			return p.Failf(at, codec.ErrValue, "%s elements must be %s, not %s", t, want, p.Stack[n].Type)
		}
		if i = p.sep(i, ']'); i < 0 {
			return i
		}
	}
	if i >= len(b) {
		return p.syntax(i, "']'")
	}
	i++
	// Numbers are in plain form (PlainNumber), one text per value, so
	// equal numbers have equal texts, as their canonical forms
	// (codec.AppendCanonicalNumber) would.
	k := p.dups.Strings(p.Stack[start:])
	if k >= 0 {
		p.AddPath("[" + strconv.Itoa(k) + "]")
		return p.Failf(p.pos[start+k], codec.ErrDuplicateInSet, "%s element %s repeats an earlier one", t, p.Stack[start+k].String())
	}
	return i
}

// number parses a numeric token at b[i] (a digit or '-'): an Ion decimal
// or int becomes an N in plain form (see PlainNumber); an Ion float, a
// timestamp or anything else is an error.
func (p *parser) number(i int, dst *string) int {
	if j := p.simpleNumber(i, dst); j != 0 {
		return j
	}
	b := p.b
	j := i
	for j < len(b) && !isStop(b[j]) {
		j++
	}
	s := bstr(b[i:j])
	switch {
	case s == "-inf":
		return p.Fail(i, floatError("-inf"))
	case isRadixInt(s):
		dec, ok := radixToDecimal(s)
		if !ok {
			return p.Failf(i, codec.ErrSyntax, "invalid Ion int %s", truncate(s))
		}
		n, _ := scanDecimal(dec, 0)
		return p.plain(i, j, &n, dec, dst)
	}
	n, why := scanDecimal(s, 0)
	if why == "" && n.end < len(s) {
		switch c := s[n.end]; {
		case c == 'e' || c == 'E':
			return p.Fail(i, floatError(strings.Clone(s)))
		case c == '-' || c == 'T' || c == ':':
			return p.Failf(i, codec.ErrValue, "an Ion timestamp (%s) is not a DynamoDB value", truncate(s))
		}
		return p.syntax(i+n.end, "a delimiter after the number")
	}
	if why != "" {
		if strings.ContainsAny(s, "T") || (len(s) > 4 && s[4] == '-') {
			return p.Failf(i, codec.ErrValue, "an Ion timestamp (%s) is not a DynamoDB value", truncate(s))
		}
		return p.Failf(i, codec.ErrSyntax, "invalid Ion number %s: %s", truncate(s), why)
	}
	return p.plain(i, j, &n, s, dst)
}

// plain stores the plain form of the number n (text s, at b[i:j]) in the
// byte arena.
func (p *parser) plain(i, j int, n *decimal, s string, dst *string) int {
	off := len(p.Bytes)
	out, why := n.appendPlain(p.Bytes, s)
	if why != "" {
		return p.Fail(i, &codec.NumberError{Text: strings.Clone(s), Reason: why})
	}
	p.Bytes = out
	*dst = bstr(p.Bytes[off:])
	return j
}

// simpleNumber is number's fast path for the common forms,
// -?(0|[1-9][0-9]*)(\.[0-9]*)? with at most 38 digits and ended by a stop
// byte (42, -7, 103., 2.50): their plain form is the token without the
// trailing zeros of its fraction and a bare '.', or "0" for a zero, so it
// aliases the line. The same with an exponent (6d2, 15d-1) is converted
// as number would (expDecimal). It returns the index after the token, -1
// on failure (a number out of DynamoDB's range), or 0 to leave the token
// to the full scan.
func (p *parser) simpleNumber(i int, dst *string) int {
	b := p.b
	j := i
	if b[j] == '-' {
		j++
	}
	d0 := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	intEnd := j
	if intEnd == d0 || b[d0] == '0' && intEnd > d0+1 {
		return 0 // no digits, or a leading zero
	}
	if j < len(b) && b[j] == '.' {
		j++
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	if j < len(b) && (b[j] == 'd' || b[j] == 'D') {
		n, k := expDecimal(b, i, d0, intEnd, j)
		if k == 0 {
			return 0
		}
		return p.plain(i, k, &n, bstr(b[i:k]), dst)
	}
	if j < len(b) && !isStop(b[j]) || j-d0 > codec.MaxNumberDigits {
		return 0
	}
	e := j
	if intEnd < j { // a fraction: trim its trailing zeros and a bare '.'
		for e > intEnd+1 && b[e-1] == '0' {
			e--
		}
		if e == intEnd+1 {
			e = intEnd
		}
	}
	if e == intEnd && b[d0] == '0' {
		*dst = "0" // 0, -0, 0., -0.000
	} else {
		*dst = bstr(b[i:e])
	}
	return j
}

// expDecimal parses the exponent of a decimal at b[i:] for simpleNumber:
// b[i:fracEnd] is -?(0|[1-9][0-9]*)(\.[0-9]*)? with its integer digits at
// b[d0:intEnd], and b[fracEnd] is 'd' or 'D'. It returns what
// scanDecimal(string(b[i:k]), 0) returns for the token b[i:k], and k, or
// k == 0 if the exponent has no digits or no stop byte follows it.
func expDecimal(b []byte, i, d0, intEnd, fracEnd int) (decimal, int) {
	j := fracEnd + 1
	eneg := false
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		eneg = b[j] == '-'
		j++
	}
	e0 := j
	exp := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		if exp < 1<<30 {
			exp = exp*10 + int(b[j]-'0')
		}
	}
	if j == e0 || j < len(b) && !isStop(b[j]) {
		return decimal{}, 0
	}
	if eneg {
		exp = -exp
	}
	n := decimal{neg: d0 > i, first: -1, last: -1, end: j - i, isDec: true}
	frac := 0
	if fracEnd > intEnd {
		frac = fracEnd - intEnd - 1
	}
	zeros := 0
	for k := d0; k < fracEnd; k++ {
		if c := b[k]; c != '0' && c != '.' {
			n.first = k
			break
		}
	}
	if n.first >= 0 {
		k := fracEnd - 1
		for ; b[k] == '0' || b[k] == '.'; k-- {
			if b[k] == '0' {
				zeros++
			}
		}
		n.last = k
		n.sig = n.last - n.first + 1
		if fracEnd > intEnd && n.first < intEnd && intEnd < n.last {
			n.sig-- // the '.' at intEnd
		}
		n.first -= i
		n.last -= i
	}
	n.exp = exp - frac + zeros
	return n, j
}

// floatError reports an Ion float where a DynamoDB number is expected:
// DynamoDB exports write N as an Ion decimal (export-format.md §7), and a
// float (binary, possibly inexact, or nan and ±inf) is not one.
func floatError(text string) error {
	return &codec.NumberError{Text: text, Reason: "an Ion float, not a decimal (DynamoDB exports write numbers as Ion decimals)"}
}
