package ddbjson

import (
	"testing"
	"unicode/utf8"
)

// TestRuneLen: runeLen agrees with utf8.DecodeRune for every lead byte
// from 0x80, every second byte, and third and fourth bytes at the edges of
// the continuation ranges, whole and cut short.
func TestRuneLen(t *testing.T) {
	want := func(b []byte) int {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return 0
		}
		return size
	}
	b := make([]byte, 4)
	for c := 0x80; c < 0x100; c++ {
		for c2 := range 0x100 {
			for _, c3 := range []byte{0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF} {
				for _, c4 := range []byte{0x00, 0x80, 0xBF, 0xC0} {
					b[0], b[1], b[2], b[3] = byte(c), byte(c2), c3, c4
					for n := 1; n <= 4; n++ {
						if got, w := runeLen(b[:n], 0), want(b[:n]); got != w {
							t.Fatalf("runeLen(% x) = %d, want %d", b[:n], got, w)
						}
					}
				}
			}
		}
	}
}
