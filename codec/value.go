package codec

import (
	"fmt"
	"strings"
)

// Type is a DynamoDB attribute type.
type Type uint8

// The ten DynamoDB attribute types. The zero Type is invalid.
const (
	TypeInvalid Type = iota
	TypeS            // string
	TypeN            // number, kept as exact decimal text
	TypeB            // binary
	TypeBOOL         // boolean
	TypeNULL         // null
	TypeM            // map
	TypeL            // list
	TypeSS           // string set
	TypeNS           // number set
	TypeBS           // binary set
)

var typeNames = [...]string{
	TypeInvalid: "invalid",
	TypeS:       "S",
	TypeN:       "N",
	TypeB:       "B",
	TypeBOOL:    "BOOL",
	TypeNULL:    "NULL",
	TypeM:       "M",
	TypeL:       "L",
	TypeSS:      "SS",
	TypeNS:      "NS",
	TypeBS:      "BS",
}

// String returns the DynamoDB type descriptor ("S", "N", …, "BS").
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType returns the Type of a DynamoDB type descriptor such as "SS".
// Descriptors are case-sensitive, as in DynamoDB JSON.
func ParseType(s string) (Type, bool) {
	switch s {
	case "S":
		return TypeS, true
	case "N":
		return TypeN, true
	case "B":
		return TypeB, true
	case "BOOL":
		return TypeBOOL, true
	case "NULL":
		return TypeNULL, true
	case "M":
		return TypeM, true
	case "L":
		return TypeL, true
	case "SS":
		return TypeSS, true
	case "NS":
		return TypeNS, true
	case "BS":
		return TypeBS, true
	}
	return TypeInvalid, false
}

// IsSet reports whether t is one of the set types SS, NS and BS.
func (t Type) IsSet() bool { return t == TypeSS || t == TypeNS || t == TypeBS }

// ElemType returns the element type of a set type (S for SS, N for NS, B for
// BS), or TypeInvalid for any other type.
func (t Type) ElemType() Type {
	switch t {
	case TypeSS:
		return TypeS
	case TypeNS:
		return TypeN
	case TypeBS:
		return TypeB
	}
	return TypeInvalid
}

// A Value is one DynamoDB attribute value.
//
// Which fields are meaningful depends on Type:
//
//	S     Str is the string (UTF-8).
//	N     Str is the number's exact decimal text, as read (see CheckNumber).
//	B     Str holds the raw bytes (not base64); see Bytes.
//	BOOL  Bool.
//	NULL  nothing (a NULL is always true in DynamoDB).
//	M     Elems are the members, each with its Name, in the order read.
//	L     Elems are the elements, in order.
//	SS    Elems are values of type S; NS of type N; BS of type B.
//
// Name is set on the attributes of an Item and on the members of an M, and
// empty elsewhere. Values produced by a Decoder obey every rule of the
// format (one type, non-empty sets without duplicates, valid numbers); values
// built by hand can be checked with Validate.
type Value struct {
	Type  Type
	Bool  bool
	Name  string
	Str   string
	Elems []Value
}

// S returns a string value.
func S(s string) Value { return Value{Type: TypeS, Str: s} }

// N returns a number value holding the decimal text s. It does not check s;
// see CheckNumber.
func N(s string) Value { return Value{Type: TypeN, Str: s} }

// B returns a binary value holding a copy of b.
func B(b []byte) Value { return Value{Type: TypeB, Str: string(b)} }

// Bool returns a BOOL value.
func Bool(b bool) Value { return Value{Type: TypeBOOL, Bool: b} }

// Null returns a NULL value.
func Null() Value { return Value{Type: TypeNULL} }

// M returns a map value of the given members; each member must have a Name
// (see Value.Named).
func M(members ...Value) Value { return Value{Type: TypeM, Elems: members} }

// L returns a list value.
func L(elems ...Value) Value { return Value{Type: TypeL, Elems: elems} }

// SS returns a string set.
func SS(elems ...string) Value {
	v := Value{Type: TypeSS, Elems: make([]Value, len(elems))}
	for i, e := range elems {
		v.Elems[i] = S(e)
	}
	return v
}

// NS returns a number set of the given decimal texts.
func NS(elems ...string) Value {
	v := Value{Type: TypeNS, Elems: make([]Value, len(elems))}
	for i, e := range elems {
		v.Elems[i] = N(e)
	}
	return v
}

// BS returns a binary set holding copies of elems.
func BS(elems ...[]byte) Value {
	v := Value{Type: TypeBS, Elems: make([]Value, len(elems))}
	for i, e := range elems {
		v.Elems[i] = B(e)
	}
	return v
}

// Named returns a copy of v with Name set to name, for use as an item
// attribute or a map member.
func (v Value) Named(name string) Value {
	v.Name = name
	return v
}

// Bytes returns a copy of a B value's bytes.
func (v Value) Bytes() []byte { return []byte(v.Str) }

// Get returns the member of an M value with the given name.
func (v Value) Get(name string) (Value, bool) {
	if v.Type != TypeM {
		return Value{}, false
	}
	return Item(v.Elems).Get(name)
}

// String returns a short, human-readable form of v for messages, such as
// {"S":"x"}; it is not an export format.
func (v Value) String() string {
	var b strings.Builder
	writeDebug(&b, v)
	return b.String()
}

func writeDebug(b *strings.Builder, v Value) {
	if v.Name != "" {
		fmt.Fprintf(b, "%q:", v.Name)
	}
	switch v.Type {
	case TypeS:
		fmt.Fprintf(b, "{S:%q}", v.Str)
	case TypeN:
		fmt.Fprintf(b, "{N:%s}", v.Str)
	case TypeB:
		fmt.Fprintf(b, "{B:%x}", v.Str)
	case TypeBOOL:
		fmt.Fprintf(b, "{BOOL:%t}", v.Bool)
	case TypeNULL:
		b.WriteString("{NULL}")
	default:
		fmt.Fprintf(b, "{%s:[", v.Type)
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDebug(b, e)
		}
		b.WriteString("]}")
	}
}

// An Item is a DynamoDB item: its attributes, each with its Name, in the
// order read.
type Item []Value

// Get returns the attribute with the given name.
func (it Item) Get(name string) (Value, bool) {
	for _, a := range it {
		if a.Name == name {
			return a, true
		}
	}
	return Value{}, false
}

// Clone returns a deep copy of v that shares no memory with v. Use it to
// keep a value decoded with Options.ReuseRecord past the next call to Next.
func (v Value) Clone() Value {
	v.Name = strings.Clone(v.Name)
	v.Str = strings.Clone(v.Str)
	if v.Elems != nil {
		elems := make([]Value, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = e.Clone()
		}
		v.Elems = elems
	}
	return v
}

// Clone returns a deep copy of it.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	out := make(Item, len(it))
	for i, a := range it {
		out[i] = a.Clone()
	}
	return out
}
