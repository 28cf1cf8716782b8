package ddbjson

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/internal/digits"
	"github.com/ddbexport/ddbexport/codec/internal/utf8seq"
)

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plain[c] is true for the bytes a JSON string holds as is, without a
// closer look: ASCII other than '"', '\\' and control characters.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanPlain returns the index of the first byte at or after j in b that is
// not plain (see plain), or len(b). It looks at 8 bytes at a time: the
// lowest flagged byte of the SWAR mask is exact, since a borrow can only
// spread upwards from a byte that is itself flagged.
func scanPlain(b []byte, j int) int {
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		q := x ^ (lsb * '"')
		s := x ^ (lsb * '\\')
		m := ((q - lsb) &^ q) | ((s - lsb) &^ s) | (x - lsb*0x20) | x
		if m &= msb; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < len(b) && plain[b[j]] {
		j++
	}
	return j
}

// str parses the JSON string at b[i] == '"' into *dst and returns the index
// just past it. A string without escapes aliases the line; an escaped one
// is unescaped into the byte arena. Strings must be valid UTF-8, and so
// must \u escapes (no lone surrogates).
func (p *parser) str(i int, dst *string) int {
	b := p.b
	j := i + 1
	for {
		j = scanPlain(b, j)
		if j >= len(b) {
			return p.syntax(j, "'\"' to end the string")
		}
		c := b[j]
		switch {
		case c == '"':
			*dst = unsafe.String(&b[i+1], j-i-1)
			return j + 1
		case c == '\\':
			return p.strEscaped(i, j, dst)
		case c < 0x20:
			return p.Failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		}
		size := utf8seq.Len(b, j)
		if size == 0 {
			return p.Failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
		}
		j += size
	}
}

// strEscaped continues str at the first escape, b[j] == '\\'.
func (p *parser) strEscaped(i, j int, dst *string) int {
	b := p.b
	start := len(p.Bytes)
	p.Bytes = append(p.Bytes, b[i+1:j]...)
	for {
		if j >= len(b) {
			return p.syntax(j, "'\"' to end the string")
		}
		c := b[j]
		switch {
		case c == '"':
			if n := len(p.Bytes) - start; n > 0 {
				*dst = unsafe.String(&p.Bytes[start], n)
			} else {
				*dst = ""
			}
			return j + 1
		case c == '\\':
			if j+1 >= len(b) {
				return p.syntax(j+1, "an escape")
			}
			switch e := b[j+1]; e {
			case '"', '\\', '/':
				p.Bytes = append(p.Bytes, e)
			case 'b':
				p.Bytes = append(p.Bytes, '\b')
			case 'f':
				p.Bytes = append(p.Bytes, '\f')
			case 'n':
				p.Bytes = append(p.Bytes, '\n')
			case 'r':
				p.Bytes = append(p.Bytes, '\r')
			case 't':
				p.Bytes = append(p.Bytes, '\t')
			case 'u':
				r, k := p.hex4(j + 2)
				if k < 0 {
					return k
				}
				if r >= 0xD800 && r < 0xE000 {
					if r >= 0xDC00 {
						return p.Failf(j, codec.ErrUTF8, "lone surrogate \\u%04x", r)
					}
					if k+1 >= len(b) || b[k] != '\\' || b[k+1] != 'u' {
						return p.Failf(j, codec.ErrUTF8, "lone surrogate \\u%04x", r)
					}
					r2, k2 := p.hex4(k + 2)
					if k2 < 0 {
						return k2
					}
					if r2 < 0xDC00 || r2 >= 0xE000 {
						return p.Failf(j, codec.ErrUTF8, "lone surrogate \\u%04x", r)
					}
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					k = k2
				}
				p.Bytes = utf8.AppendRune(p.Bytes, r)
				j = k
				continue
			default:
				return p.Failf(j+1, codec.ErrSyntax, "invalid escape \\%s", string(rune(e)))
			}
			j += 2
		case c < 0x20:
			return p.Failf(j, codec.ErrSyntax, "control character %s in a string", quoteByte(c))
		case c >= utf8.RuneSelf:
			size := utf8seq.Len(b, j)
			if size == 0 {
				return p.Failf(j, codec.ErrUTF8, "byte 0x%x in a string", c)
			}
			p.Bytes = append(p.Bytes, b[j:j+size]...)
			j += size
		default:
			k := scanPlain(b, j)
			p.Bytes = append(p.Bytes, b[j:k]...)
			j = k
		}
	}
}

// hex4 parses the 4 hex digits of a \u escape at b[j:] and returns the
// code unit and the index after them.
func (p *parser) hex4(j int) (rune, int) {
	r, k, ok := digits.Hex(p.b, j, 4)
	if !ok {
		return 0, p.syntax(k, "a hex digit")
	}
	return r, k
}

// base64 parses a JSON string of base64 at b[i] == '"' and stores the
// decoded bytes, in the byte arena, in *dst. The text must be standard
// base64 with padding, and canonical: the unused bits of the last group
// must be zero, as DynamoDB writes it.
func (p *parser) base64(i int, dst *string) int {
	b := p.b
	k := scanPlain(b, i+1)
	var src []byte
	var next int
	srcPos := i + 1 // offset of src in b, or -1 if src was unescaped
	if k < len(b) && b[k] == '"' {
		src = b[i+1 : k]
		next = k + 1
	} else {
		var s string
		if next = p.str(i, &s); next < 0 {
			return next
		}
		src = unsafe.Slice(unsafe.StringData(s), len(s))
		srcPos = -1
	}
	n := len(src)
	if n%4 != 0 {
		return p.Failf(i, codec.ErrBase64, "length %d is not a multiple of 4", n)
	}
	if n == 0 {
		return next
	}
	off := len(p.Bytes)
	p.Bytes = slices.Grow(p.Bytes, n/4*3)
	out := p.Bytes[off : off+n/4*3]
	o := 0
	j := 0
	for ; j < n-4; j += 4 {
		c0, c1, c2, c3 := digits.Base64[src[j]], digits.Base64[src[j+1]], digits.Base64[src[j+2]], digits.Base64[src[j+3]]
		if (c0|c1|c2|c3)&0xc0 != 0 {
			return p.badBase64(i, srcPos, src, j)
		}
		v := uint(c0)<<18 | uint(c1)<<12 | uint(c2)<<6 | uint(c3)
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
		o += 3
	}
	// The last group, with its padding.
	c0, c1, c2, c3 := digits.Base64[src[j]], digits.Base64[src[j+1]], digits.Base64[src[j+2]], digits.Base64[src[j+3]]
	switch {
	case (c0|c1)&0xc0 != 0:
		return p.badBase64(i, srcPos, src, j)
	case src[j+2] == '=' && src[j+3] == '=':
		if c1&0x0f != 0 {
			return p.Failf(max(srcPos+j+1, i), codec.ErrBase64, "non-zero unused bits")
		}
		out[o] = c0<<2 | c1>>4
		o++
	case src[j+3] == '=':
		if c2&0xc0 != 0 {
			return p.badBase64(i, srcPos, src, j)
		}
		if c2&0x03 != 0 {
			return p.Failf(max(srcPos+j+2, i), codec.ErrBase64, "non-zero unused bits")
		}
		v := uint(c0)<<18 | uint(c1)<<12 | uint(c2)<<6
		out[o], out[o+1] = byte(v>>16), byte(v>>8)
		o += 2
	default:
		if (c2|c3)&0xc0 != 0 {
			return p.badBase64(i, srcPos, src, j)
		}
		v := uint(c0)<<18 | uint(c1)<<12 | uint(c2)<<6 | uint(c3)
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
		o += 3
	}
	p.Bytes = p.Bytes[:off+o]
	*dst = unsafe.String(&p.Bytes[off], o)
	return next
}

// badBase64 reports the first byte at or after src[j] that is not base64
// (or misplaced padding): at its offset when src is the line itself, else
// at the string's start b[i].
func (p *parser) badBase64(i, srcPos int, src []byte, j int) int {
	for ; j < len(src); j++ {
		if digits.Base64[src[j]] == 0xff && !(src[j] == '=' && j >= len(src)-2 && (j == len(src)-1 || src[j+1] == '=')) {
			break
		}
	}
	if j == len(src) {
		j = len(src) - 1
	}
	pos := i
	if srcPos >= 0 {
		pos = srcPos + j
	}
	return p.Failf(pos, codec.ErrBase64, "invalid byte %s", quoteByte(src[j]))
}

// skipValue checks the JSON value at b[i] (any JSON, as in unknown
// Metadata fields) and returns the index after it.
func (p *parser) skipValue(i, depth int) int {
	b := p.b
	if i >= len(b) {
		return p.syntax(i, "a value")
	}
	switch c := b[i]; {
	case c == '{' || c == '[':
		if depth > MaxDepth {
			return p.Failf(i, codec.ErrTooDeep, "more than %d levels", MaxDepth)
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		i = p.ws(i + 1)
		if i < len(b) && b[i] == end {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return p.syntax(i, "a string")
				}
				var s string
				if i = p.str(i, &s); i < 0 {
					return i
				}
				if i = p.ws(i); i >= len(b) || b[i] != ':' {
					return p.syntax(i, "':'")
				}
				i = p.ws(i + 1)
			}
			if i = p.skipValue(i, depth+1); i < 0 {
				return i
			}
			if i = p.ws(i); i < len(b) && b[i] == ',' {
				i = p.ws(i + 1)
				continue
			}
			if i < len(b) && b[i] == end {
				return i + 1
			}
			return p.syntax(i, "',' or '"+string(rune(end))+"'")
		}
	case c == '"':
		var s string
		return p.str(i, &s)
	case c == 't':
		return p.literal(i, "true")
	case c == 'f':
		return p.literal(i, "false")
	case c == 'n':
		return p.literal(i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return p.jsonNumber(i)
	}
	return p.syntax(i, "a value")
}

func (p *parser) literal(i int, lit string) int {
	b := p.b
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) || b[i+k] != lit[k] {
			return p.syntax(i+k, lit)
		}
	}
	return i + len(lit)
}

// jsonNumber checks a JSON number literal at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) jsonNumber(i int) int {
	b := p.b
	digits := func(i int) int {
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return p.syntax(i, "a digit")
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if i = digits(i); i < 0 {
		return i
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return i
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return i
		}
	}
	return i
}
