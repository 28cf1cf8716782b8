package parquet

import (
	"slices"
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
