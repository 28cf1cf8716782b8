package ddbjson

import (
	"bufio"
	"encoding/base64"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ddbexport/ddbexport/codec"
)

// AppendValue appends v in DynamoDB JSON, compact, as DynamoDB writes it:
// {"S":"…"}, {"N":"…"}, {"B":"<base64>"}, {"BOOL":true}, {"NULL":true},
// {"M":{…}}, {"L":[…]}, {"SS":[…]}, {"NS":[…]}, {"BS":[…]}. Names and strings
// are written as raw UTF-8 with only the escapes JSON requires.
func AppendValue(dst []byte, v codec.Value) []byte {
	switch v.Type {
	case codec.TypeS:
		dst = append(dst, `{"S":`...)
		dst = AppendString(dst, v.Str)
	case codec.TypeN:
		dst = append(dst, `{"N":`...)
		dst = AppendString(dst, v.Str)
	case codec.TypeB:
		dst = append(dst, `{"B":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, []byte(v.Str))
		dst = append(dst, '"')
	case codec.TypeBOOL:
		if v.Bool {
			dst = append(dst, `{"BOOL":true`...)
		} else {
			dst = append(dst, `{"BOOL":false`...)
		}
	case codec.TypeNULL:
		dst = append(dst, `{"NULL":true`...)
	case codec.TypeM:
		dst = append(dst, `{"M":`...)
		dst = AppendItem(dst, v.Elems)
	case codec.TypeL:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e)
		}
		dst = append(dst, ']')
	case codec.TypeSS, codec.TypeNS, codec.TypeBS:
		dst = append(dst, '{', '"')
		dst = append(dst, v.Type.String()...)
		dst = append(dst, '"', ':', '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.Type == codec.TypeBS {
				dst = append(dst, '"')
				dst = base64.StdEncoding.AppendEncode(dst, []byte(e.Str))
				dst = append(dst, '"')
			} else {
				dst = AppendString(dst, e.Str)
			}
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, `{"?":null`...)
	}
	return append(dst, '}')
}

// AppendItem appends the attributes of it (or the members of a map) as a
// DynamoDB JSON object, in their order.
func AppendItem(dst []byte, it codec.Item) []byte {
	dst = append(dst, '{')
	for i, a := range it {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, a.Name)
		dst = append(dst, ':')
		dst = AppendValue(dst, a)
	}
	return append(dst, '}')
}

// AppendRecord appends r as one line of a data file, without the newline:
// {"Item":{…}} for a full export's record, and for an incremental one
// {"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"OldImage":{…},"NewImage":{…}}
// with absent images left out, in the order DynamoDB writes them.
func AppendRecord(dst []byte, r *codec.Record) []byte {
	if !r.IsChange() {
		dst = append(dst, `{"Item":`...)
		dst = AppendItem(dst, r.Item)
		return append(dst, '}')
	}
	dst = append(dst, `{"Metadata":{"WriteTimestampMicros":{"N":"`...)
	dst = strconv.AppendInt(dst, r.WriteTimestampMicros, 10)
	dst = append(dst, `"}},"Keys":`...)
	dst = AppendItem(dst, r.Keys)
	if r.OldImage != nil {
		dst = append(dst, `,"OldImage":`...)
		dst = AppendItem(dst, r.OldImage)
	}
	if r.NewImage != nil {
		dst = append(dst, `,"NewImage":`...)
		dst = AppendItem(dst, r.NewImage)
	}
	return append(dst, '}')
}

// AppendPlainValue appends v as plain JSON, the unmarshalled form: S as a
// string, N as a JSON number written from its exact text, B as a base64
// string, BOOL as a boolean, NULL as null, M as an object, L and the sets
// as arrays.
func AppendPlainValue(dst []byte, v codec.Value) []byte {
	switch v.Type {
	case codec.TypeS:
		return AppendString(dst, v.Str)
	case codec.TypeN:
		out, ok := codec.AppendPlainNumber(dst, v.Str)
		if !ok { // not a number: keep the text, as a string
			return AppendString(dst, v.Str)
		}
		return out
	case codec.TypeB:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, []byte(v.Str))
		return append(dst, '"')
	case codec.TypeBOOL:
		return strconv.AppendBool(dst, v.Bool)
	case codec.TypeNULL:
		return append(dst, "null"...)
	case codec.TypeM:
		return AppendPlainItem(dst, v.Elems)
	default: // L, SS, NS, BS
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendPlainValue(dst, e)
		}
		return append(dst, ']')
	}
}

// AppendPlainItem appends the attributes of it as a plain JSON object.
func AppendPlainItem(dst []byte, it codec.Item) []byte {
	dst = append(dst, '{')
	for i, a := range it {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, a.Name)
		dst = append(dst, ':')
		dst = AppendPlainValue(dst, a)
	}
	return append(dst, '}')
}

// AppendPlainRecord appends r in plain JSON: a full record's item, or an
// incremental record as {"Metadata":{"WriteTimestampMicros":…},"Keys":{…},
// "OldImage":{…},"NewImage":{…}} with absent images left out.
func AppendPlainRecord(dst []byte, r *codec.Record) []byte {
	if !r.IsChange() {
		return AppendPlainItem(dst, r.Item)
	}
	dst = append(dst, `{"Metadata":{"WriteTimestampMicros":`...)
	dst = strconv.AppendInt(dst, r.WriteTimestampMicros, 10)
	dst = append(dst, `},"Keys":`...)
	dst = AppendPlainItem(dst, r.Keys)
	if r.OldImage != nil {
		dst = append(dst, `,"OldImage":`...)
		dst = AppendPlainItem(dst, r.OldImage)
	}
	if r.NewImage != nil {
		dst = append(dst, `,"NewImage":`...)
		dst = AppendPlainItem(dst, r.NewImage)
	}
	return append(dst, '}')
}

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string: UTF-8 as is, '"' and '\\'
// escaped, control characters as \b \f \n \r \t or \u00XX, and invalid
// UTF-8 bytes as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
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
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// An Encoder writes records as DynamoDB JSON lines, as DynamoDB does:
// compact, one record per line, each line ending in "\n".
type Encoder struct {
	w     *bufio.Writer
	buf   []byte
	plain bool
}

var _ codec.Encoder = (*Encoder)(nil)

// NewEncoder returns an Encoder writing DynamoDB JSON records to w.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 64<<10)}
}

// NewPlainEncoder returns an Encoder writing each record in plain JSON
// (see AppendPlainRecord), one per line.
func NewPlainEncoder(w io.Writer) *Encoder {
	e := NewEncoder(w)
	e.plain = true
	return e
}

// Encode writes one record and a newline.
func (e *Encoder) Encode(r *codec.Record) error {
	if e.plain {
		e.buf = AppendPlainRecord(e.buf[:0], r)
	} else {
		e.buf = AppendRecord(e.buf[:0], r)
	}
	e.buf = append(e.buf, '\n')
	_, err := e.w.Write(e.buf)
	return err
}

// Close flushes buffered output. It does not close the underlying writer.
func (e *Encoder) Close() error { return e.w.Flush() }
