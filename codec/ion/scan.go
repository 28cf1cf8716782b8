package ion

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/internal/digits"
	"github.com/ddbexport/ddbexport/codec/internal/utf8seq"
)

// bstr returns b as a string without copying: it aliases the line or an
// arena (see Decoder).
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

// syntax fails with a syntax error: wanted what, found b[i] or the end.
func (p *parser) syntax(i int, what string) int {
	if i >= len(p.b) {
		return p.Failf(i, codec.ErrSyntax, "unexpected end of line, want %s", what)
	}
	return p.Failf(i, codec.ErrSyntax, "unexpected %s, want %s", quoteByte(p.b[i]), what)
}

// isWS reports Ion whitespace within a line: space, tab, vertical tab,
// form feed and carriage return (a newline ends the line).
func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// ws skips whitespace and comments (// to the end of the line, /* … */)
// from b[i] and returns the index of the next byte, or -1 for an
// unterminated block comment.
func (p *parser) ws(i int) int {
	if i < len(p.b) && wsFirst[p.b[i]] {
		return i // the common case, inlined
	}
	return p.wsSlow(i)
}

// wsFirst marks the bytes that cannot begin whitespace or a comment.
var wsFirst = func() (t [256]bool) {
	for c := range t {
		t[c] = c > ' ' && c != '/'
	}
	return t
}()

// wsSlow is ws past its first byte check.
func (p *parser) wsSlow(i int) int {
	b := p.b
	for i < len(b) {
		c := b[i]
		if isWS(c) {
			i++
			continue
		}
		if c != '/' || i+1 >= len(b) {
			return i
		}
		switch b[i+1] {
		case '/':
			return len(b)
		case '*':
			k := i + 2
			for {
				if k+1 >= len(b) {
					return p.Failf(i, codec.ErrSyntax, "unterminated comment")
				}
				if b[k] == '*' && b[k+1] == '/' {
					break
				}
				k++
			}
			i = k + 2
		default:
			return i
		}
	}
	return i
}

// identClass holds, for each byte, identStart if it can begin an
// identifier ([A-Za-z_$]) and identByte if it can continue one
// ([A-Za-z0-9_$]).
var identClass = func() (t [256]uint8) {
	for c := range t {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' {
			t[c] = identStart | identByte
		} else if c >= '0' && c <= '9' {
			t[c] = identByte
		}
	}
	return t
}()

const (
	identStart = 1 << iota
	identByte
)

func isIdentStart(c byte) bool { return identClass[c]&identStart != 0 }

func isIdentByte(c byte) bool { return identClass[c]&identByte != 0 }

// ident returns the index after the identifier at b[i]:
// [A-Za-z_$][A-Za-z0-9_$]*.
func (p *parser) ident(i int) int {
	b := p.b
	j := i
	for j < len(b) && isIdentByte(b[j]) {
		j++
	}
	return j
}

// isKeyword reports whether s is an Ion keyword, which cannot be written
// as an identifier symbol.
func isKeyword(s []byte) bool {
	switch string(s) {
	case "null", "true", "false", "nan":
		return true
	}
	return false
}

// isSymbolID reports whether s is a symbol ID such as $10.
func isSymbolID(s []byte) bool {
	if len(s) < 2 || s[0] != '$' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isNullType(s []byte) bool {
	switch string(s) {
	case "null", "bool", "int", "float", "decimal", "timestamp", "symbol", "string", "clob", "blob", "list", "sexp", "struct":
		return true
	}
	return false
}

// isStop reports whether c ends a numeric or timestamp token.
func isStop(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\v', '\f', '\n', ',', ']', '}', ')', '[', '{', '(', '"', '\'', '/':
		return true
	}
	return false
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// utf8Block checks the UTF-8 of the 8 bytes x (read little-endian from
// b[j:], j at the start of a character), all lanes at once. cut is the
// number of leading bytes that hold whole characters: 8, or the lane of a
// lead byte whose sequence goes on past x. For c <= cut with c == cut or
// lane c holding ASCII: if err has no flag in lanes 0 to c, x[:c] is
// valid UTF-8 (utf8seq.Len's rules); if x[:c] is valid and lane c, if any,
// is ASCII or begins a valid character, err has none. scanText and
// unescapeText inline it, reordered.
func utf8Block(x uint64) (cut int, err uint64) {
	hi := x & msb
	b6 := x << 1 & msb // bit 6 of each lane, moved to bit 7
	b5 := x << 2 & msb
	b4 := x << 3 & msb
	b3 := x << 4 & msb
	cont := hi &^ b6 // 10xxxxxx
	lead := hi & b6  // 11xxxxxx
	l3 := lead & b5  // 111xxxxx
	l4 := l3 & b4    // 1111xxxx
	// Continuation bytes exactly where lead bytes call for them.
	err = (lead<<8 | l3<<16 | l4<<24) ^ cont
	// No C0 or C1 (overlong), no F5 to FF.
	err |= lead &^ ((x&(lsb*0x3E) + lsb*0x7F) & msb)
	err |= l4 & (b3 | (x&(lsb*7)+lsb*3)<<4&msb)
	// E0 then A0 to BF (no overlong forms), ED then 80 to 9F (no
	// surrogates), F0 then 90 to BF (no overlong forms), F4 then 80 to 8F
	// (nothing past U+10FFFF).
	e0 := l3 &^ b4 &^ ((x&(lsb*0x0F) + lsb*0x7F) & msb)
	ed := l3 &^ b4 &^ (((x^(lsb*0x0D))&(lsb*0x0F) + lsb*0x7F) & msb)
	f0 := l4 &^ b3 &^ ((x&(lsb*7) + lsb*0x7F) & msb)
	f4 := l4 &^ b3 &^ (((x^(lsb*4))&(lsb*7) + lsb*0x7F) & msb)
	b54 := b5 | b4
	err |= e0<<8&^b5 | ed<<8&b5 | f0<<8&^b54 | f4<<8&b54
	cut = 8
	if inc := lead&(0x80<<56) | l3&(0x8080<<48) | l4&(0x808080<<40); inc != 0 {
		cut = bits.TrailingZeros64(inc) >> 3
	}
	return cut, err
}

// hardStops returns the high bit of each byte of x that is q (given as
// lsb*q), '\\' or a control character. Only the lowest flagged byte is
// exact.
func hardStops(x, qq uint64) uint64 {
	a := x ^ qq
	s := x ^ (lsb * '\\')
	return (((a - lsb) &^ a) | ((s - lsb) &^ s) | ((x - lsb*0x20) &^ x)) & msb
}

// scanText returns the index of the first byte at or after j in b that
// is q, '\\', a control character or the start of invalid UTF-8, or
// len(b): the text before it is held as is. It looks at 8 bytes at a
// time, non-ASCII ones too.
func scanText(b []byte, j int, q byte) int {
	qq := lsb * uint64(q)
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		h := hardStops(x, qq)
		stop := bits.TrailingZeros64(h) >> 3 // 8 for none
		if x&msb == 0 {
			if h == 0 {
				j += 8
				continue
			}
			return j + stop
		}
		// utf8Block, inlined, in an order that keeps few masks live.
		lead := x & (x << 1) & msb // 11xxxxxx
		l3 := lead & (x << 2)      // 111xxxxx
		l4 := l3 & (x << 3)        // 1111xxxx
		cut := 8
		if inc := lead&(0x80<<56) | l3&(0x8080<<48) | l4&(0x808080<<40); inc != 0 {
			cut = bits.TrailingZeros64(inc) >> 3
		}
		err := (lead<<8 | l3<<16 | l4<<24) ^ (x&msb ^ lead)
		err |= lead &^ (x&(lsb*0x3E) + lsb*0x7F)
		err |= l4 & ((x | (x&(lsb*7) + lsb*3)) << 4)
		t3 := l3 &^ (x << 3) // E0 to EF
		t4 := l4 &^ (x << 4) // F0 to F7
		s5 := x << 2
		err |= (t3&^(x&(lsb*0x0F)+lsb*0x7F))<<8&^s5 | (t3&^((x^(lsb*0x0D))&(lsb*0x0F)+lsb*0x7F))<<8&s5
		s54 := s5 | x<<3
		err |= (t4&^(x&(lsb*7)+lsb*0x7F))<<8&^s54 | (t4&^((x^(lsb*4))&(lsb*7)+lsb*0x7F))<<8&s54
		c := min(cut, stop)
		if err&^(^uint64(0)<<(8*c+8)) != 0 {
			break // invalid UTF-8: the loop below finds where
		}
		j += c
		if h != 0 && stop <= cut {
			return j
		}
	}
	for j < len(b) {
		c := b[j]
		if c >= 0x80 {
			n := utf8seq.Len(b, j)
			if n == 0 {
				return j
			}
			j += n
			continue
		}
		if c == q || c == '\\' || c < 0x20 {
			return j
		}
		j++
	}
	return j
}

// unescapeText is scanText copying the text it passes over from b[j:] to
// out[o:] and decoding the escapes of one byte (simpleEscape) on its way;
// it returns the indexes in b and out where it stops. out must have room
// for the rest of b: len(out)-o >= len(b)-j. It writes whole words, so it
// may write past the text it copies (never past that room).
func unescapeText(b []byte, j int, q byte, out []byte, o int) (int, int) {
	qq := lsb * uint64(q)
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		binary.LittleEndian.PutUint64(out[o:], x)
		h := hardStops(x, qq)
		stop := bits.TrailingZeros64(h) >> 3
		if x&msb != 0 {
			// utf8Block, inlined, in an order that keeps few masks live.
			lead := x & (x << 1) & msb // 11xxxxxx
			l3 := lead & (x << 2)      // 111xxxxx
			l4 := l3 & (x << 3)        // 1111xxxx
			cut := 8
			if inc := lead&(0x80<<56) | l3&(0x8080<<48) | l4&(0x808080<<40); inc != 0 {
				cut = bits.TrailingZeros64(inc) >> 3
			}
			err := (lead<<8 | l3<<16 | l4<<24) ^ (x&msb ^ lead)
			err |= lead &^ (x&(lsb*0x3E) + lsb*0x7F)
			err |= l4 & ((x | (x&(lsb*7) + lsb*3)) << 4)
			t3 := l3 &^ (x << 3) // E0 to EF
			t4 := l4 &^ (x << 4) // F0 to F7
			s5 := x << 2
			err |= (t3&^(x&(lsb*0x0F)+lsb*0x7F))<<8&^s5 | (t3&^((x^(lsb*0x0D))&(lsb*0x0F)+lsb*0x7F))<<8&s5
			s54 := s5 | x<<3
			err |= (t4&^(x&(lsb*7)+lsb*0x7F))<<8&^s54 | (t4&^((x^(lsb*4))&(lsb*7)+lsb*0x7F))<<8&s54
			c := min(cut, stop)
			if err&^(^uint64(0)<<(8*c+8)) != 0 {
				break
			}
			if h == 0 || stop > cut {
				j += c
				o += c
				continue
			}
		} else if h == 0 {
			j += 8
			o += 8
			continue
		}
		j += stop
		o += stop
		if b[j] != '\\' || j+1 >= len(b) {
			return j, o
		}
		e := simpleEscape[b[j+1]]
		if e == 0xff {
			return j, o
		}
		out[o] = e
		j += 2
		o++
	}
	for j < len(b) {
		c := b[j]
		if c >= 0x80 {
			n := utf8seq.Len(b, j)
			if n == 0 {
				return j, o
			}
			o += copy(out[o:], b[j:j+n])
			j += n
			continue
		}
		if c == '\\' && j+1 < len(b) {
			if e := simpleEscape[b[j+1]]; e != 0xff {
				out[o] = e
				j += 2
				o++
				continue
			}
		}
		if c == q || c == '\\' || c < 0x20 {
			return j, o
		}
		out[o] = c
		j++
		o++
	}
	return j, o
}

// str parses the string (q '"') or quoted symbol (q '\”) at b[i] == q
// into *dst and returns the index after it. A text without escapes aliases
// the line; an escaped one is unescaped into the byte arena.
func (p *parser) str(i int, q byte, dst *string) int {
	b := p.b
	j := i + 1
	for {
		j = scanText(b, j, q)
		if j >= len(b) {
			return p.syntax(j, "'"+string(q)+"' to end the text")
		}
		switch c := b[j]; {
		case c == q:
			*dst = bstr(b[i+1 : j])
			return j + 1
		case c == '\\':
			off := len(p.Bytes)
			k := p.text(i+1, j, q, false)
			if k < 0 {
				return k
			}
			*dst = bstr(p.Bytes[off:])
			return k
		case c == '\t' || c == '\v' || c == '\f':
			j++
		case c < 0x20:
			return p.Failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		default:
			return p.Failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
		}
	}
}

// longStr parses one or more long strings ”'…”' at b[i], separated by
// whitespace and comments, concatenated into *dst.
func (p *parser) longStr(i int, dst *string) int {
	b := p.b
	off := len(p.Bytes)
	for {
		k := p.text(i+3, i+3, '\'', true)
		if k < 0 {
			return k
		}
		n := p.ws(k)
		if n < 0 {
			return n
		}
		if n+2 < len(b) && b[n] == '\'' && b[n+1] == '\'' && b[n+2] == '\'' {
			i = n
			continue
		}
		*dst = bstr(p.Bytes[off:])
		return k
	}
}

// simpleEscape maps the byte after a '\\' to what the escape stands for,
// for the escapes of one byte; it maps every other byte to 0xff.
var simpleEscape = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for _, e := range [][2]byte{{'a', '\a'}, {'b', '\b'}, {'t', '\t'}, {'n', '\n'}, {'f', '\f'}, {'r', '\r'}, {'v', '\v'}, {'0', 0},
		{'"', '"'}, {'\'', '\''}, {'?', '?'}, {'\\', '\\'}, {'/', '/'}} {
		t[e[0]] = e[1]
	}
	return t
}()

// text unescapes the text from b[start] into the byte arena up to its
// closing delimiter (q, or ”' when long) and returns the index after it.
// b[start:j] is plain text (see scanText).
func (p *parser) text(start, j int, q byte, long bool) int {
	b := p.b
	// Unescaping never lengthens text: the rest of the line is room
	// enough for what is left of it.
	p.Bytes = slices.Grow(p.Bytes, len(b)-start)
	out := p.Bytes[:cap(p.Bytes)]
	o := len(p.Bytes) + copy(out[len(p.Bytes):], b[start:j])
	for {
		j, o = unescapeText(b, j, q, out, o)
		if j >= len(b) {
			p.Bytes = out[:o]
			return p.syntax(j, "the end of the text")
		}
		switch c := b[j]; {
		case c == '\\':
			if j+1 < len(b) {
				if e := simpleEscape[b[j+1]]; e != 0xff {
					out[o] = e
					o++
					j += 2
					continue
				}
			}
			if j, o = p.escape(j, out, o); j < 0 {
				return j
			}
		case c == q:
			if !long {
				p.Bytes = out[:o]
				return j + 1
			}
			if j+2 < len(b) && b[j+1] == '\'' && b[j+2] == '\'' {
				p.Bytes = out[:o]
				return j + 3
			}
			out[o] = c
			o++
			j++
		case c < 0x20:
			if c == '\t' || c == '\v' || c == '\f' || (long && c == '\r') {
				out[o] = c
				o++
				j++
				continue
			}
			return p.Failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		default:
			return p.Failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
		}
	}
}

// escape decodes the escape at b[j] == '\\' into out[o:] (which has room
// for it, as in text) and returns the indexes after it in b and out. The
// escapes of one byte are in simpleEscape; text decodes them itself.
func (p *parser) escape(j int, out []byte, o int) (int, int) {
	b := p.b
	if j+1 >= len(b) {
		return p.syntax(j+1, "an escape"), o
	}
	e := b[j+1]
	if c := simpleEscape[e]; c != 0xff {
		out[o] = c
		return j + 2, o + 1
	}
	switch e {
	case '\r':
		// An escaped line break joins lines: it adds nothing. Only a
		// CR can follow within a newline-framed line.
		return j + 2, o
	case 'x', 'u', 'U':
		n := 2
		switch e {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		r, k := p.hex(j+2, n)
		if k < 0 {
			return k, o
		}
		if e == 'u' && r >= 0xD800 && r < 0xDC00 {
			// A surrogate pair written as two \u escapes.
			if k+1 < len(b) && b[k] == '\\' && b[k+1] == 'u' {
				r2, k2 := p.hex(k+2, 4)
				if k2 < 0 {
					return k2, o
				}
				if r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					k = k2
				}
			}
		}
		if r >= 0xD800 && r < 0xE000 || r > utf8.MaxRune {
			return p.Failf(j, codec.ErrUTF8, "escape of an invalid code point U+%04X", r), o
		}
		return k, o + utf8.EncodeRune(out[o:], r)
	}
	return p.Failf(j+1, codec.ErrSyntax, "invalid escape \\%s", quoteByte(e)), o
}

// hex parses n hex digits at b[j:].
func (p *parser) hex(j, n int) (rune, int) {
	r, k, ok := digits.Hex(p.b, j, n)
	if !ok {
		return 0, p.syntax(k, "a hex digit")
	}
	return r, k
}

// blob parses a blob {{ base64 }} at b[i], whitespace allowed inside,
// into the byte arena. The base64 must be padded and canonical (unused
// bits zero). A clob {{"…"}} is not a DynamoDB value (DynamoDB writes B
// as a blob, export-format.md §7): codec.ErrValue.
func (p *parser) blob(i int, dst *string) int {
	b := p.b
	j := i + 2
	for j < len(b) && isWS(b[j]) {
		j++
	}
	if j < len(b) && (b[j] == '"' || b[j] == '\'') {
		return p.Failf(i, codec.ErrValue, "an Ion clob is not a DynamoDB value (B is written as a blob {{base64}})")
	}
	off := len(p.Bytes)
	// Fast path: whole quartets of base64 without whitespace, as DynamoDB
	// writes them, eight characters at a time, then four; the loop below
	// takes the rest (the last quartet with its padding, whitespace,
	// errors). Decoding shrinks the text: the rest of the line is room
	// enough, for the words written whole too.
	p.Bytes = slices.Grow(p.Bytes, len(b)-j)
	out := p.Bytes[:cap(p.Bytes)]
	o := off
	for j+8 <= len(b) {
		s := b[j : j+8]
		c0, c1, c2, c3 := digits.Base64[s[0]], digits.Base64[s[1]], digits.Base64[s[2]], digits.Base64[s[3]]
		c4, c5, c6, c7 := digits.Base64[s[4]], digits.Base64[s[5]], digits.Base64[s[6]], digits.Base64[s[7]]
		if (c0|c1|c2|c3|c4|c5|c6|c7)&0xc0 != 0 {
			break
		}
		v := uint64(c0)<<58 | uint64(c1)<<52 | uint64(c2)<<46 | uint64(c3)<<40 |
			uint64(c4)<<34 | uint64(c5)<<28 | uint64(c6)<<22 | uint64(c7)<<16
		binary.BigEndian.PutUint64(out[o:], v)
		j += 8
		o += 6
	}
	if j+4 <= len(b) {
		s := b[j : j+4]
		c0, c1, c2, c3 := digits.Base64[s[0]], digits.Base64[s[1]], digits.Base64[s[2]], digits.Base64[s[3]]
		if (c0|c1|c2|c3)&0xc0 == 0 {
			v := uint32(c0)<<26 | uint32(c1)<<20 | uint32(c2)<<14 | uint32(c3)<<8
			binary.BigEndian.PutUint32(out[o:], v)
			j += 4
			o += 3
		}
	}
	p.Bytes = out[:o]
	var acc uint32
	n := 0   // base64 characters of the current quartet
	pad := 0 // '=' seen
	last := j
	for {
		if j >= len(b) {
			return p.syntax(j, "'}}' to end the blob")
		}
		c := b[j]
		switch {
		case isWS(c):
			j++
			continue
		case c == '}':
			if j+1 >= len(b) || b[j+1] != '}' {
				return p.syntax(j+1, "'}'")
			}
			if (n+pad)%4 != 0 {
				return p.Failf(j, codec.ErrBase64, "base64 length is not a multiple of 4")
			}
			if pad > 0 {
				switch n % 4 {
				case 2:
					if acc&0xf != 0 {
						return p.Failf(last, codec.ErrBase64, "non-zero unused bits")
					}
					p.Bytes = append(p.Bytes, byte(acc>>4))
				case 3:
					if acc&0x3 != 0 {
						return p.Failf(last, codec.ErrBase64, "non-zero unused bits")
					}
					p.Bytes = append(p.Bytes, byte(acc>>10), byte(acc>>2))
				}
			}
			*dst = bstr(p.Bytes[off:])
			return j + 2
		case c == '=':
			if !(pad == 0 && n%4 >= 2 || pad == 1 && n%4 == 2) {
				return p.Failf(j, codec.ErrBase64, "misplaced padding")
			}
			pad++
			j++
			continue
		}
		v := digits.Base64[c]
		if v == 0xff || pad > 0 {
			return p.Failf(j, codec.ErrBase64, "invalid byte %s", quoteByte(c))
		}
		acc = acc<<6 | uint32(v)
		n++
		last = j
		if n%4 == 0 {
			p.Bytes = append(p.Bytes, byte(acc>>16), byte(acc>>8), byte(acc))
			acc = 0
		}
		j++
	}
}

// skip checks the Ion value at b[i] (any Ion, as in unknown Metadata
// fields) and returns the index after it.
func (p *parser) skip(i, depth int) int {
	b := p.b
	if i >= len(b) {
		return p.syntax(i, "a value")
	}
	if depth > MaxDepth {
		return p.Failf(i, codec.ErrTooDeep, "more than %d levels", MaxDepth)
	}
	var s string
	switch c := b[i]; {
	case c == '"':
		return p.str(i, '"', &s)
	case c == '\'':
		var j int
		if i+2 < len(b) && b[i+1] == '\'' && b[i+2] == '\'' {
			return p.longStr(i, &s)
		}
		if j = p.str(i, '\'', &s); j < 0 {
			return j
		}
		return p.skipAnnotated(i, j, false, depth)
	case c == '{' && i+1 < len(b) && b[i+1] == '{':
		j := i + 2
		for j < len(b) && isWS(b[j]) {
			j++
		}
		if j < len(b) && (b[j] == '"' || b[j] == '\'') {
			if string(b[i:min(i+6, len(b))]) == `{{""}}` {
				return i + 6 // the clob that rewrite writes
			}
			return p.slow(i) // a clob: ion-go checks it
		}
		return p.blob(i, &s)
	case c == '{' || c == '[' || c == '(':
		end := map[byte]byte{'{': '}', '[': ']', '(': ')'}[c]
		j := p.ws(i + 1)
		for j >= 0 && j < len(b) && b[j] != end {
			if c == '{' {
				var name string
				if j = p.fieldName(j, &name); j < 0 {
					return j
				}
			}
			if c == '(' && isOperator(b[j]) {
				for j < len(b) && isOperator(b[j]) {
					j++
				}
			} else if j = p.skip(j, depth+1); j < 0 {
				return j
			}
			if c == '(' {
				j = p.ws(j)
			} else {
				j = p.sep(j, end)
			}
		}
		if j < 0 {
			return j
		}
		if j >= len(b) {
			return p.syntax(j, "'"+string(end)+"'")
		}
		return j + 1
	case isIdentStart(c):
		j := p.ident(i)
		if isSymbolID(b[i:j]) {
			return p.slow(i)
		}
		if string(b[i:j]) == "null" && j < len(b) && b[j] == '.' {
			k := p.ident(j + 1)
			if !isNullType(b[j+1 : k]) {
				return p.syntax(j+1, "an Ion type after \"null.\"")
			}
			return k
		}
		return p.skipAnnotated(i, j, isKeyword(b[i:j]), depth)
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		j := i + 1
		for j < len(b) && !isStop(b[j]) {
			j++
		}
		if t := bstr(b[i:j]); t == "2000T" {
			return j // the timestamp that rewrite writes
		} else if n, why := scanDecimal(t, 0); why == "" && n.end == len(t) {
			return j // an Ion int or decimal
		}
		// A radix int, a float, a timestamp or no number at all: ion-go
		// checks it.
		return p.slow(i)
	}
	return p.syntax(i, "a value")
}

// skipAnnotated continues skip after a symbol at b[i:j]: if "::" follows,
// the annotated value. A keyword (unquoted null, true, false, nan) is no
// annotation: that is left to ion-go.
func (p *parser) skipAnnotated(i, j int, keyword bool, depth int) int {
	b := p.b
	k := p.ws(j)
	if k >= 0 && k+1 < len(b) && b[k] == ':' && b[k+1] == ':' {
		if keyword {
			return p.slow(i)
		}
		if k = p.ws(k + 2); k < 0 {
			return k
		}
		return p.skip(k, depth)
	}
	return j
}

func isOperator(c byte) bool {
	switch c {
	case '!', '#', '%', '&', '*', '+', '-', '.', '/', ';', '<', '=', '>', '?', '@', '^', '`', '|', '~':
		return true
	}
	return false
}
