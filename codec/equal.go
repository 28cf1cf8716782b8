package codec

import (
	"slices"
	"unicode/utf8"
)

// Equal reports whether a and b are the same DynamoDB value: same type,
// numbers equal by value, map members and set elements compared without
// regard to order, list elements in order. Names of a and b themselves are
// not compared; names of map members are.
func Equal(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeS, TypeB:
		return a.Str == b.Str
	case TypeN:
		return NumberEqual(a.Str, b.Str)
	case TypeBOOL:
		return a.Bool == b.Bool
	case TypeNULL:
		return true
	case TypeM:
		return ItemEqual(a.Elems, b.Elems)
	case TypeL:
		if len(a.Elems) != len(b.Elems) {
			return false
		}
		for i := range a.Elems {
			if !Equal(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
		return true
	case TypeSS, TypeNS, TypeBS:
		// Both ways: sets built by hand may hold duplicates.
		return len(a.Elems) == len(b.Elems) && subset(a.Elems, b.Elems) && subset(b.Elems, a.Elems)
	}
	return false
}

// subset reports whether every element of a equals one of b.
func subset(a, b []Value) bool {
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y Value) bool { return Equal(x, y) }) {
			return false
		}
	}
	return true
}

// ItemEqual reports whether two items (or two maps' members) have the same
// attributes with equal values, in any order.
func ItemEqual(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y, ok := b.Get(x.Name)
		if !ok || !Equal(x, y) {
			return false
		}
	}
	// Items built by hand may repeat a name: check that b has no name a
	// lacks.
	for _, y := range b {
		if _, ok := a.Get(y.Name); !ok {
			return false
		}
	}
	return true
}

// Validate checks that v obeys the rules of the format: a known type,
// valid UTF-8 strings and names, valid numbers, non-empty sets of the right
// element type without duplicates, named map members without duplicate
// names. Decoders apply the same rules; Validate is for values built by
// hand. The error wraps one of the Err… sentinels.
func Validate(v Value) error {
	switch v.Type {
	case TypeS:
		if !utf8.ValidString(v.Str) {
			return ErrUTF8
		}
	case TypeN:
		return CheckNumber(v.Str)
	case TypeB, TypeBOOL, TypeNULL:
	case TypeM:
		return ValidateItem(v.Elems)
	case TypeL:
		for _, e := range v.Elems {
			if err := Validate(e); err != nil {
				return err
			}
		}
	case TypeSS, TypeNS, TypeBS:
		if len(v.Elems) == 0 {
			return ErrEmptySet
		}
		et := v.Type.ElemType()
		for i, e := range v.Elems {
			if e.Type != et {
				return Errorf(ErrValue, "%s element of type %s", v.Type, e.Type)
			}
			if err := Validate(e); err != nil {
				return err
			}
			for _, f := range v.Elems[:i] {
				if Equal(e, f) {
					return ErrDuplicateInSet
				}
			}
		}
	default:
		return ErrUnknownType
	}
	return nil
}

// ValidateItem validates every attribute of it and checks that names are
// non-empty, valid UTF-8 and unique.
func ValidateItem(it Item) error {
	for i, a := range it {
		if a.Name == "" {
			return Errorf(ErrValue, "an attribute name cannot be empty")
		}
		if !utf8.ValidString(a.Name) {
			return ErrUTF8
		}
		for _, b := range it[:i] {
			if a.Name == b.Name {
				return Errorf(ErrDuplicateName, "%q", a.Name)
			}
		}
		if err := Validate(a); err != nil {
			return err
		}
	}
	return nil
}
