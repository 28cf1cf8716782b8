package ion

import (
	"bufio"
	"encoding/base64"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ddbexport/ddbexport/codec"
)

// AppendRecord appends r as one line of an ION data file, without the
// newline, as DynamoDB writes it (export-format.md §7):
//
//	$ion_1_0 {Item:{Id:103.,PageCount:6d2,Authors:$dynamodb_SS::["Author1","Author2"]}}
//
// An incremental record is written
//
//	$ion_1_0 {Metadata:{WriteTimestampMicros:1768387654353205.},Keys:{…},OldImage:{…},NewImage:{…}}
//
// with absent images left out. DynamoDB's own shape for incremental ION
// records is unknown (export-format.md §6.3): this one mirrors its JSON,
// with the timestamp as an Ion decimal integer (DynamoDB numbers are Ion
// decimals in ION). See AppendValue for values and names.
func AppendRecord(dst []byte, r *codec.Record) []byte {
	dst = append(dst, "$ion_1_0 "...)
	if !r.IsChange() {
		dst = append(dst, "{Item:"...)
		dst = AppendItem(dst, r.Item)
		return append(dst, '}')
	}
	dst = append(dst, "{Metadata:{WriteTimestampMicros:"...)
	dst = strconv.AppendInt(dst, r.WriteTimestampMicros, 10)
	dst = append(dst, ".},Keys:"...)
	dst = AppendItem(dst, r.Keys)
	if r.OldImage != nil {
		dst = append(dst, ",OldImage:"...)
		dst = AppendItem(dst, r.OldImage)
	}
	if r.NewImage != nil {
		dst = append(dst, ",NewImage:"...)
		dst = AppendItem(dst, r.NewImage)
	}
	return append(dst, '}')
}

// AppendItem appends the attributes of it (or the members of a map) as an
// Ion struct, in their order.
func AppendItem(dst []byte, it codec.Item) []byte {
	dst = append(dst, '{')
	for i, a := range it {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendName(dst, a.Name)
		dst = append(dst, ':')
		dst = AppendValue(dst, a)
	}
	return append(dst, '}')
}

// AppendName appends a field name: as an identifier when it is one
// ([A-Za-z_][A-Za-z0-9_$]*, not an Ion keyword: null, true, false, nan),
// else as a quoted symbol ('my-attr'). Names beginning with '$' are quoted
// too, so that none reads as a symbol ID ($10) or a system symbol. How
// DynamoDB quotes names is unknown (export-format.md §7).
func AppendName(dst []byte, name string) []byte {
	if isPlainName(name) {
		return append(dst, name...)
	}
	return appendText(dst, name, '\'')
}

func isPlainName(s string) bool {
	if s == "" || s[0] == '$' || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return !isKeyword([]byte(s))
}

// AppendValue appends v in Ion text as DynamoDB writes it: S as a string,
// N as an Ion decimal (see AppendDecimal; never an Ion int, which
// ImportTable rejects), B as a blob {{base64}}, BOOL as true or false,
// NULL as null (DynamoDB's form is unknown, export-format.md §7), L as a
// list, M as a struct, and SS, NS, BS as lists annotated $dynamodb_SS,
// $dynamodb_NS, $dynamodb_BS. Strings are raw UTF-8 with the escapes Ion
// requires.
func AppendValue(dst []byte, v codec.Value) []byte {
	switch v.Type {
	case codec.TypeS:
		return appendText(dst, v.Str, '"')
	case codec.TypeN:
		return AppendDecimal(dst, v.Str)
	case codec.TypeB:
		return appendBlob(dst, v.Str)
	case codec.TypeBOOL:
		if v.Bool {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case codec.TypeNULL:
		return append(dst, "null"...)
	case codec.TypeM:
		return AppendItem(dst, v.Elems)
	case codec.TypeL:
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e)
		}
		return append(dst, ']')
	case codec.TypeSS, codec.TypeNS, codec.TypeBS:
		dst = append(dst, "$dynamodb_"...)
		dst = append(dst, v.Type.String()...)
		dst = append(dst, ':', ':', '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			switch v.Type {
			case codec.TypeSS:
				dst = appendText(dst, e.Str, '"')
			case codec.TypeNS:
				dst = AppendDecimal(dst, e.Str)
			default:
				dst = appendBlob(dst, e.Str)
			}
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

func appendBlob(dst []byte, s string) []byte {
	dst = append(dst, '{', '{')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(s))
	return append(dst, '}', '}')
}

// AppendDecimal appends the number s (decimal text, valid per
// codec.CheckNumber) as an Ion decimal in the form of DynamoDB's example
// (export-format.md §7): the significant digits without trailing zeros,
// then for a positive exponent 'd' and the exponent (600 → 6d2, 2000 →
// 2d3), for an integer a '.' (103 → 103.), and otherwise the plain
// fraction (1.5, -0.0005); zero is 0. . A fraction whose plain form would
// be longer than 40 characters is written with a negative exponent
// (1E-130 → 1d-130). A text that is not a number is written as a string,
// which decodes as an error, not as another number.
func AppendDecimal(dst []byte, s string) []byte {
	var buf [64]byte
	c, ok := codec.AppendCanonicalNumber(buf[:0], s)
	if !ok {
		return appendText(dst, s, '"')
	}
	if len(c) == 1 && c[0] == '0' {
		return append(dst, '0', '.')
	}
	// c is [-]digitsE<exp>, value digits × 10^exp.
	e := 0
	for c[e] != 'E' {
		e++
	}
	digits := c[:e]
	exp, err := strconv.Atoi(string(c[e+1:]))
	if err != nil {
		return appendText(dst, s, '"')
	}
	neg := digits[0] == '-'
	if neg {
		dst = append(dst, '-')
		digits = digits[1:]
	}
	k := len(digits)
	switch {
	case exp > 0:
		dst = append(dst, digits...)
		dst = append(dst, 'd')
		return strconv.AppendInt(dst, int64(exp), 10)
	case exp == 0:
		dst = append(dst, digits...)
		return append(dst, '.')
	case -exp < k:
		dst = append(dst, digits[:k+exp]...)
		dst = append(dst, '.')
		return append(dst, digits[k+exp:]...)
	case 2-exp <= maxPlainLen:
		dst = append(dst, '0', '.')
		for range -exp - k {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits...)
	dst = append(dst, 'd')
	return strconv.AppendInt(dst, int64(exp), 10)
}

const hexDigits = "0123456789abcdef"

// appendText appends s as an Ion string (q '"') or quoted symbol (q '\”):
// UTF-8 as is, q and '\\' escaped, control characters as \t \n \r \f \v
// \b \a \0 or \xHH, and invalid UTF-8 bytes as \ufffd.
func appendText(dst []byte, s string, q byte) []byte {
	dst = append(dst, q)
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != q && c != '\\' && c < 0x7f {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case q, '\\':
			dst = append(dst, '\\', c)
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\v':
			dst = append(dst, '\\', 'v')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\a':
			dst = append(dst, '\\', 'a')
		case 0:
			dst = append(dst, '\\', '0')
		default: // other controls and DEL
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, q)
}

// An Encoder writes records as ION lines, as DynamoDB does: one record
// per line (see AppendRecord), each line ending in "\n".
type Encoder struct {
	w   *bufio.Writer
	buf []byte
}

var _ codec.Encoder = (*Encoder)(nil)

// NewEncoder returns an Encoder writing ION records to w.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 64<<10)}
}

// Encode writes one record and a newline.
func (e *Encoder) Encode(r *codec.Record) error {
	e.buf = AppendRecord(e.buf[:0], r)
	e.buf = append(e.buf, '\n')
	_, err := e.w.Write(e.buf)
	return err
}

// Close flushes buffered output. It does not close the underlying writer.
func (e *Encoder) Close() error { return e.w.Flush() }
