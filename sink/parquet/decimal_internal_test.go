package parquet

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParsePlain: the fast path gives the canonical path's value for every
// text it takes.
func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{"0", "-0", "000", "0.000", "1", "-1", "10", "100.", "1.50", "-0.0005", "007.700",
		"12345678901234567890123456789012345678", "9223372036854775807", "-9223372036854775808", "0.1", ".5", "5.", "1e5", "+3", "6d2", "-", "", "1.2.3", "--1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, _, ok := parsePlain(nil, s)
		if !ok {
			return
		}
		slow, _ := parseCanonical(nil, s)
		if !slow.ok {
			t.Fatalf("%q: fast path took a text the canonical path refuses", s)
		}
		if len(slow.digits) == 0 {
			slow.neg = false
		}
		if len(fast.digits) == 0 {
			fast.neg = false
		}
		if fast.neg != slow.neg || fast.exp != slow.exp || !slices.Equal(fast.digits, slow.digits) {
			t.Fatalf("%q: fast %+v (%s), canonical %+v (%s)", s, fast, fast.digits, slow, slow.digits)
		}
	})
}

// FuzzParseSmall: the fastest path gives parseDecimal's int64 and
// decimal128 for every text it takes, and takes the common ones.
func FuzzParseSmall(f *testing.F) {
	for _, s := range []string{"0", "-0", "000", "0.000", "1", "-1", "10", "100.", "1.50", "-0.0005", "007.700",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "9999999999999999999",
		"18446744073709551615", "0.1", ".5", "5.", "1e5", "+3", "6d2", "-", "", "1.2.3", "--1", "-.5", "1.-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseSmall(s)
		if !ok {
			digits := len(s) - strings.Count(s, "-") - strings.Count(s, ".")
			if _, _, plain := parsePlain(nil, s); plain && digits <= 19 {
				t.Fatalf("%q: a plain number of %d digits not taken", s, digits)
			}
			return
		}
		d, _ := parseDecimal(nil, s)
		if !d.ok {
			t.Fatalf("%q: taken, and parseDecimal refuses it", s)
		}
		if got, ok := n.int64(); ok {
			want, wok := d.int64()
			if !wok || got != want {
				t.Fatalf("%q: int64 %d, parseDecimal's %d (%t)", s, got, want, wok)
			}
		} else if _, wok := d.int64(); wok && n.frac == 0 {
			t.Fatalf("%q: an integer that fits int64 not taken", s)
		}
		for _, scale := range []int{0, 1, 2, 5, 18, 19, 20, 37} {
			if got, ok := n.decimal128(scale); ok {
				want, wok := d.decimal128(scale)
				if !wok || got != want {
					t.Fatalf("%q scale %d: %v, parseDecimal's %v (%t)", s, scale, got, want, wok)
				}
			}
		}
		// The columns' common case is taken: up to 18 digits at their
		// scale.
		if n.frac <= 2 && d.intDigits() <= 16 {
			if _, ok := n.decimal128(2); !ok {
				t.Fatalf("%q: not taken at scale 2", s)
			}
		}
	})
}
