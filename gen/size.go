package gen

import "github.com/ddbexport/ddbexport/codec"

// ItemSize returns the size of an item as DynamoDB counts it against its
// 400 KB limit ("DynamoDB item sizes and formats", developer guide): the
// UTF-8 bytes of each attribute name plus its value's size, where a string
// counts its UTF-8 bytes, a binary its raw bytes, a BOOL or NULL 1 byte, a
// number 1 byte per two significant digits plus 1 (counted here as 2, to
// allow for the sign), a list or map 3 bytes plus its elements (member
// names included) plus 1 byte per element, and a set the sum of its
// elements. The rules are approximate for numbers; ItemSize errs on the
// large side.
func ItemSize(it codec.Item) int {
	n := 0
	for _, a := range it {
		n += len(a.Name) + ValueSize(a)
	}
	return n
}

// ValueSize returns the size of v (without its name) by the rules of
// ItemSize.
func ValueSize(v codec.Value) int {
	switch v.Type {
	case codec.TypeS, codec.TypeB:
		return len(v.Str)
	case codec.TypeN:
		return numberSize(v.Str)
	case codec.TypeBOOL, codec.TypeNULL:
		return 1
	case codec.TypeM:
		n := 3
		for _, e := range v.Elems {
			n += len(e.Name) + ValueSize(e) + 1
		}
		return n
	case codec.TypeL:
		n := 3
		for _, e := range v.Elems {
			n += ValueSize(e) + 1
		}
		return n
	case codec.TypeSS, codec.TypeNS, codec.TypeBS:
		n := 0
		for _, e := range v.Elems {
			n += ValueSize(e)
		}
		return n
	}
	return 0
}

// numberSize is (significant digits + 1)/2 + 2.
func numberSize(s string) int {
	var buf [64]byte
	c, ok := codec.AppendCanonicalNumber(buf[:0], s)
	if !ok {
		return len(s)
	}
	digits := 0
	for _, ch := range c {
		if ch == 'E' {
			break
		}
		if ch >= '0' && ch <= '9' {
			digits++
		}
	}
	return (digits+1)/2 + 2
}
