package ion

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/ddbexport/ddbexport/codec"
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
		return p.failf(i, codec.ErrSyntax, "unexpected end of line, want %s", what)
	}
	return p.failf(i, codec.ErrSyntax, "unexpected %s, want %s", quoteByte(p.b[i]), what)
}

// isWS reports Ion whitespace within a line: space, tab, vertical tab,
// form feed and carriage return (a newline ends the line).
func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// ws skips whitespace and comments (// to the end of the line, /* … */)
// from b[i] and returns the index of the next byte, or -1 for an
// unterminated block comment.
func (p *parser) ws(i int) int {
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
					return p.failf(i, codec.ErrSyntax, "unterminated comment")
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

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isIdentByte(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

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

// scanPlain returns the index of the first byte at or after j in b that
// is q, '\\', a control character or non-ASCII, or len(b). It looks at 8
// bytes at a time.
func scanPlain(b []byte, j int, q byte) int {
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		a := x ^ (lsb * uint64(q))
		s := x ^ (lsb * '\\')
		m := ((a - lsb) &^ a) | ((s - lsb) &^ s) | (x - lsb*0x20) | x
		if m &= msb; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < len(b) {
		c := b[j]
		if c == q || c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		j++
	}
	return j
}

// utf8Seq returns the length of the valid UTF-8 sequence of two to four
// bytes at b[j] (a byte >= 0x80), or 0 if there is none: it accepts what
// utf8.DecodeRune decodes without error (no overlong forms, surrogates or
// code points past U+10FFFF).
func utf8Seq(b []byte, j int) int {
	c := b[j]
	switch {
	case c < 0xC2:
	case c < 0xE0:
		if j+1 < len(b) && b[j+1]&0xC0 == 0x80 {
			return 2
		}
	case c < 0xF0:
		if j+2 < len(b) {
			lo, hi := byte(0x80), byte(0xBF)
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F
			}
			if c1 := b[j+1]; c1 >= lo && c1 <= hi && b[j+2]&0xC0 == 0x80 {
				return 3
			}
		}
	case c < 0xF5:
		if j+3 < len(b) {
			lo, hi := byte(0x80), byte(0xBF)
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F
			}
			if c1 := b[j+1]; c1 >= lo && c1 <= hi && b[j+2]&0xC0 == 0x80 && b[j+3]&0xC0 == 0x80 {
				return 4
			}
		}
	}
	return 0
}

// scanText returns the index of the first byte at or after j in b that
// is q, '\\', a control character or the start of invalid UTF-8, or
// len(b): the text before it is held as is.
func scanText(b []byte, j int, q byte) int {
	for {
		j = scanPlain(b, j, q)
		for j < len(b) && b[j] >= 0x80 {
			n := utf8Seq(b, j)
			if n == 0 {
				return j
			}
			j += n
		}
		if j >= len(b) || b[j] < 0x80 && (b[j] == q || b[j] == '\\' || b[j] < 0x20) {
			return j
		}
	}
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
			off := len(p.bytes)
			p.bytes = append(p.bytes, b[i+1:j]...)
			k := p.text(j, q, false)
			if k < 0 {
				return k
			}
			*dst = bstr(p.bytes[off:])
			return k
		case c == '\t' || c == '\v' || c == '\f':
			j++
		case c < 0x20:
			return p.failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		default:
			return p.failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
		}
	}
}

// longStr parses one or more long strings ”'…”' at b[i], separated by
// whitespace and comments, concatenated into *dst.
func (p *parser) longStr(i int, dst *string) int {
	b := p.b
	off := len(p.bytes)
	for {
		k := p.text(i+3, '\'', true)
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
		*dst = bstr(p.bytes[off:])
		return k
	}
}

// text unescapes the text from b[j] into the byte arena up to its closing
// delimiter (q, or ”' when long) and returns the index after it.
func (p *parser) text(j int, q byte, long bool) int {
	b := p.b
	for {
		k := scanText(b, j, q)
		p.bytes = append(p.bytes, b[j:k]...)
		j = k
		if j >= len(b) {
			return p.syntax(j, "the end of the text")
		}
		switch c := b[j]; {
		case c == q:
			if !long {
				return j + 1
			}
			if j+2 < len(b) && b[j+1] == '\'' && b[j+2] == '\'' {
				return j + 3
			}
			p.bytes = append(p.bytes, c)
			j++
		case c == '\\':
			if j = p.escape(j); j < 0 {
				return j
			}
		case c < 0x20:
			if c == '\t' || c == '\v' || c == '\f' || (long && c == '\r') {
				p.bytes = append(p.bytes, c)
				j++
				continue
			}
			return p.failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		default:
			return p.failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
		}
	}
}

// escape decodes the escape at b[j] == '\\' into the byte arena and
// returns the index after it.
func (p *parser) escape(j int) int {
	b := p.b
	if j+1 >= len(b) {
		return p.syntax(j+1, "an escape")
	}
	e := b[j+1]
	switch e {
	case 'a':
		e = '\a'
	case 'b':
		e = '\b'
	case 't':
		e = '\t'
	case 'n':
		e = '\n'
	case 'f':
		e = '\f'
	case 'r':
		e = '\r'
	case 'v':
		e = '\v'
	case '0':
		e = 0
	case '"', '\'', '?', '\\', '/':
	case '\r':
		// An escaped line break joins lines: it adds nothing. Only a
		// CR can follow within a newline-framed line.
		return j + 2
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
			return k
		}
		if e == 'u' && r >= 0xD800 && r < 0xDC00 {
			// A surrogate pair written as two \u escapes.
			if k+1 < len(b) && b[k] == '\\' && b[k+1] == 'u' {
				r2, k2 := p.hex(k+2, 4)
				if k2 < 0 {
					return k2
				}
				if r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					k = k2
				}
			}
		}
		if r >= 0xD800 && r < 0xE000 || r > utf8.MaxRune {
			return p.failf(j, codec.ErrUTF8, "escape of an invalid code point U+%04X", r)
		}
		p.bytes = utf8.AppendRune(p.bytes, r)
		return k
	default:
		return p.failf(j+1, codec.ErrSyntax, "invalid escape \\%s", quoteByte(e))
	}
	p.bytes = append(p.bytes, e)
	return j + 2
}

// hex parses n hex digits at b[j:].
func (p *parser) hex(j, n int) (rune, int) {
	b := p.b
	var r rune
	for k := j; k < j+n; k++ {
		if k >= len(b) {
			return 0, p.syntax(k, "a hex digit")
		}
		c := b[k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, p.syntax(k, "a hex digit")
		}
		r = r<<4 | rune(c)
	}
	return r, j + n
}

// b64 maps the standard base64 alphabet to its 6-bit values, and every
// other byte to 0xff.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()

// b64Run returns the index of the first byte at or after j in b that is
// not in the base64 alphabet, or len(b).
func b64Run(b []byte, j int) int {
	for j+4 <= len(b) && (b64[b[j]]|b64[b[j+1]]|b64[b[j+2]]|b64[b[j+3]])&0xc0 == 0 {
		j += 4
	}
	for j < len(b) && b64[b[j]] != 0xff {
		j++
	}
	return j
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
		return p.failf(i, codec.ErrValue, "an Ion clob is not a DynamoDB value (B is written as a blob {{base64}})")
	}
	off := len(p.bytes)
	// Fast path: whole quartets of base64 without whitespace, as DynamoDB
	// writes them, four characters at a time; the loop below takes the
	// rest (the last quartet with its padding, whitespace, errors).
	if q := (b64Run(b, j) - j) / 4; q > 0 {
		p.bytes = slices.Grow(p.bytes, 3*q)
		o := len(p.bytes)
		out := p.bytes[o : o+3*q]
		src := b[j : j+4*q]
		for len(src) >= 4 && len(out) >= 3 {
			v := uint32(b64[src[0]])<<18 | uint32(b64[src[1]])<<12 | uint32(b64[src[2]])<<6 | uint32(b64[src[3]])
			out[0], out[1], out[2] = byte(v>>16), byte(v>>8), byte(v)
			src, out = src[4:], out[3:]
		}
		p.bytes = p.bytes[:o+3*q]
		j += 4 * q
	}
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
				return p.failf(j, codec.ErrBase64, "base64 length is not a multiple of 4")
			}
			if pad > 0 {
				switch n % 4 {
				case 2:
					if acc&0xf != 0 {
						return p.failf(last, codec.ErrBase64, "non-zero unused bits")
					}
					p.bytes = append(p.bytes, byte(acc>>4))
				case 3:
					if acc&0x3 != 0 {
						return p.failf(last, codec.ErrBase64, "non-zero unused bits")
					}
					p.bytes = append(p.bytes, byte(acc>>10), byte(acc>>2))
				}
			}
			*dst = bstr(p.bytes[off:])
			return j + 2
		case c == '=':
			if !(pad == 0 && n%4 >= 2 || pad == 1 && n%4 == 2) {
				return p.failf(j, codec.ErrBase64, "misplaced padding")
			}
			pad++
			j++
			continue
		}
		v := b64[c]
		if v == 0xff || pad > 0 {
			return p.failf(j, codec.ErrBase64, "invalid byte %s", quoteByte(c))
		}
		acc = acc<<6 | uint32(v)
		n++
		last = j
		if n%4 == 0 {
			p.bytes = append(p.bytes, byte(acc>>16), byte(acc>>8), byte(acc))
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
		return p.failf(i, codec.ErrTooDeep, "more than %d levels", MaxDepth)
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
		return p.skipAnnotated(j, depth)
	case c == '{' && i+1 < len(b) && b[i+1] == '{':
		for j := i + 2; j+1 < len(b); j++ {
			if b[j] == '}' && b[j+1] == '}' {
				return j + 2
			}
		}
		return p.syntax(len(b), "'}}'")
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
		if string(b[i:j]) == "null" && j < len(b) && b[j] == '.' {
			return p.ident(j + 1)
		}
		return p.skipAnnotated(j, depth)
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		j := i + 1
		for j < len(b) && !isStop(b[j]) {
			j++
		}
		return j
	}
	return p.syntax(i, "a value")
}

// skipAnnotated continues skip after a symbol at b[:j]: if "::" follows,
// the annotated value.
func (p *parser) skipAnnotated(j, depth int) int {
	b := p.b
	k := p.ws(j)
	if k >= 0 && k+1 < len(b) && b[k] == ':' && b[k+1] == ':' {
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
