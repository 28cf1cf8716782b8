// Package utf8seq checks one UTF-8 sequence by table, for the string
// scanners of the decoders, which handle ASCII themselves.
package utf8seq

// lead maps the first byte of a UTF-8 sequence of two to four bytes
// to its length (low 3 bits) and the index in second of the range of
// its second byte (high bits); it maps ASCII, continuation bytes and bytes
// that begin no valid sequence to 0.
var lead = func() (t [256]uint8) {
	for c := 0xC2; c < 0xE0; c++ {
		t[c] = 2
	}
	for c := 0xE0; c < 0xF0; c++ {
		t[c] = 3
	}
	for c := 0xF0; c < 0xF5; c++ {
		t[c] = 4
	}
	t[0xE0] = 3 | 1<<4 // no overlong forms
	t[0xED] = 3 | 2<<4 // no surrogates
	t[0xF0] = 4 | 3<<4 // no overlong forms
	t[0xF4] = 4 | 4<<4 // nothing past U+10FFFF
	return t
}()

// second holds the ranges of the second byte of a sequence; bytes
// after it are 0x80 to 0xBF.
var second = [16]struct{ lo, hi byte }{{0x80, 0xBF}, {0xA0, 0xBF}, {0x80, 0x9F}, {0x90, 0xBF}, {0x80, 0x8F}}

// Len returns the length of the valid UTF-8 sequence of two to four bytes
// at b[j] (a byte >= 0x80), or 0 if there is none: it accepts what
// utf8.DecodeRune decodes without error (no overlong forms, surrogates or
// code points past U+10FFFF).
func Len(b []byte, j int) int {
	// The common sequences first, without the tables: two bytes (Latin,
	// Greek, Cyrillic…) and three bytes without a special second-byte
	// range (most of the BMP, CJK included).
	switch c := b[j]; {
	case c >= 0xC2 && c < 0xE0:
		if j+1 < len(b) && b[j+1]&0xC0 == 0x80 {
			return 2
		}
		return 0
	case c >= 0xE1 && c < 0xF0 && c != 0xED:
		if j+2 < len(b) && b[j+1]&0xC0 == 0x80 && b[j+2]&0xC0 == 0x80 {
			return 3
		}
		return 0
	}
	x := lead[b[j]]
	n := int(x & 7)
	if n == 0 || j+n > len(b) {
		return 0
	}
	r := second[x>>4]
	if c1 := b[j+1]; c1 < r.lo || c1 > r.hi {
		return 0
	}
	for k := j + 2; k < j+n; k++ {
		if b[k]&0xC0 != 0x80 {
			return 0
		}
	}
	return n
}
