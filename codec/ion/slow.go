package ion

import (
	"encoding/base64"
	"errors"
	"unicode/utf8"

	"github.com/amazon-ion/ion-go/ion"

	"github.com/ddbexport/ddbexport/codec"
)

// decodeSlow decodes a line the fast scanner left (symbol tables, symbol
// IDs, keywords as field names) through ion-go: ion-go reads the line and
// it is written again in the plain Ion the fast scanner reads (every
// symbol quoted, every value in its basic form), which the fast scanner
// then decodes with the same rules. An error ion-go reports is placed at
// the offset ion-go gives (where its reader noticed the problem, in or
// near the bad token), or at the start of the line if it gives none; an error
// of the rewritten line keeps its path and sentinel but is placed at the
// start of the line, since its offset is in the rewritten text.
func (p *parser) decodeSlow(line []byte, kind codec.Kind, rec *codec.Record) bool {
	off := 0
	out, err := rewrite(p.slowLine[:0], line, &off)
	p.slowLine = out
	if err != nil {
		p.reset(line)
		p.Fail(off, err)
		return false
	}
	ok := p.DecodeReused(out, rec, func(line []byte, rec *codec.Record) bool {
		return p.parse(line, kind, rec)
	})
	if !ok {
		if p.needSlow { // not reached: the rewritten line quotes every symbol
			p.Err = codec.Errorf(codec.ErrSyntax, "Ion the decoder cannot read")
		}
		p.Pos = 0
	}
	return ok
}

// rewrite reads line with ion-go and appends its values to dst in plain
// Ion text, skipping version markers. On an error of ion-go's reader it
// sets *off to the offset in line that ion-go gives.
func rewrite(dst, line []byte, off *int) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil { // ion-go must not take the decoder down
			out, err = dst, codec.Errorf(codec.ErrSyntax, "ion-go: %v", r)
		}
	}()
	wrap := func(err error) error {
		if o, ok := ionOffset(err); ok {
			*off = int(min(o, uint64(len(line))))
		}
		return codec.Errorf(codec.ErrSyntax, "%v", err)
	}
	r := ion.NewReaderBytes(line)
	n := 0
	for r.Next() {
		if r.Type() == ion.SymbolType && !r.IsNull() {
			ann, _ := r.Annotations()
			if sym, err := r.SymbolValue(); err == nil && len(ann) == 0 && sym != nil && sym.Text != nil && *sym.Text == ivm {
				continue
			}
		}
		if n > 0 {
			dst = append(dst, ' ')
		}
		n++
		if dst, err = writeValue(dst, r, 0, wrap); err != nil {
			return dst, err
		}
	}
	if err := r.Err(); err != nil {
		return dst, wrap(err)
	}
	return dst, nil
}

// ionOffset returns the offset in its input that an error of ion-go's
// reader gives, if it gives one.
func ionOffset(err error) (uint64, bool) {
	var (
		se *ion.SyntaxError
		ee *ion.UnexpectedEOFError
		re *ion.UnexpectedRuneError
		te *ion.UnexpectedTokenError
	)
	switch {
	case errors.As(err, &se):
		return se.Offset, true
	case errors.As(err, &ee):
		return ee.Offset, true
	case errors.As(err, &re):
		return re.Offset, true
	case errors.As(err, &te):
		return te.Offset, true
	}
	return 0, false
}

var errNoText = codec.Errorf(codec.ErrSyntax, "a symbol ID with no text")

func symText(st *ion.SymbolToken) (string, error) {
	if st == nil || st.Text == nil {
		return "", errNoText
	}
	return *st.Text, nil
}

func checkUTF8(s string) error {
	if !utf8.ValidString(s) {
		return codec.Errorf(codec.ErrUTF8, "invalid UTF-8 in a string")
	}
	return nil
}

// writeValue appends the value r is on; wrap makes the errors of r.
func writeValue(dst []byte, r ion.Reader, depth int, wrap func(error) error) ([]byte, error) {
	if depth > MaxDepth+2 {
		return dst, codec.Errorf(codec.ErrTooDeep, "more than %d levels", MaxDepth)
	}
	anns, err := r.Annotations()
	if err != nil {
		return dst, wrap(err)
	}
	for _, a := range anns {
		s, err := symText(&a)
		if err != nil {
			return dst, err
		}
		if err := checkUTF8(s); err != nil {
			return dst, err
		}
		dst = appendText(dst, s, '\'')
		dst = append(dst, ':', ':')
	}
	if r.IsNull() {
		return append(dst, "null"...), nil
	}
	switch t := r.Type(); t {
	case ion.BoolType:
		v, err := r.BoolValue()
		if err != nil {
			return dst, wrap(err)
		}
		if *v {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case ion.IntType:
		v, err := r.BigIntValue()
		if err != nil {
			return dst, wrap(err)
		}
		return v.Append(dst, 10), nil
	case ion.DecimalType:
		v, err := r.DecimalValue()
		if err != nil {
			return dst, wrap(err)
		}
		return append(dst, v.String()...), nil
	case ion.FloatType:
		return append(dst, "nan"...), nil // an Ion float: ErrNumber
	case ion.TimestampType:
		return append(dst, "2000T"...), nil // ErrValue
	case ion.SymbolType:
		v, err := r.SymbolValue()
		if err != nil {
			return dst, wrap(err)
		}
		s, err := symText(v)
		if err != nil {
			return dst, err
		}
		return appendText(dst, s, '\''), checkUTF8(s)
	case ion.StringType:
		v, err := r.StringValue()
		if err != nil {
			return dst, wrap(err)
		}
		return appendText(dst, *v, '"'), checkUTF8(*v)
	case ion.ClobType:
		return append(dst, `{{""}}`...), nil // ErrValue
	case ion.BlobType:
		v, err := r.ByteValue()
		if err != nil {
			return dst, wrap(err)
		}
		dst = append(dst, '{', '{')
		dst = base64.StdEncoding.AppendEncode(dst, v)
		return append(dst, '}', '}'), nil
	case ion.ListType, ion.SexpType, ion.StructType:
		open, end := byte('['), byte(']')
		switch t {
		case ion.SexpType:
			open, end = '(', ')'
		case ion.StructType:
			open, end = '{', '}'
		}
		if err := r.StepIn(); err != nil {
			return dst, wrap(err)
		}
		dst = append(dst, open)
		k := 0
		for r.Next() {
			if k > 0 {
				if t == ion.SexpType {
					dst = append(dst, ' ')
				} else {
					dst = append(dst, ',')
				}
			}
			k++
			if t == ion.StructType {
				fn, err := r.FieldName()
				if err != nil {
					return dst, wrap(err)
				}
				s, err := symText(fn)
				if err != nil {
					return dst, err
				}
				if err := checkUTF8(s); err != nil {
					return dst, err
				}
				dst = appendText(dst, s, '\'')
				dst = append(dst, ':')
			}
			if dst, err = writeValue(dst, r, depth+1, wrap); err != nil {
				return dst, err
			}
		}
		if err := r.Err(); err != nil {
			return dst, wrap(err)
		}
		if err := r.StepOut(); err != nil {
			return dst, wrap(err)
		}
		return append(dst, end), nil
	default:
		return dst, codec.Errorf(codec.ErrSyntax, "unexpected Ion value of type %v", t)
	}
}
