package utf8seq

import (
	"testing"
	"unicode/utf8"
)

// Len accepts exactly what utf8.DecodeRune decodes without error.
func TestLen(t *testing.T) {
	tail := []byte{0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff}
	buf := make([]byte, 4)
	for c0 := 0x80; c0 < 0x100; c0++ {
		for c1 := 0; c1 < 0x100; c1++ {
			for _, c2 := range tail {
				for _, c3 := range tail {
					buf[0], buf[1], buf[2], buf[3] = byte(c0), byte(c1), c2, c3
					for n := 1; n <= 4; n++ {
						b := buf[:n]
						r, size := utf8.DecodeRune(b)
						want := size
						if r == utf8.RuneError && size == 1 {
							want = 0
						}
						if got := Len(b, 0); got != want {
							t.Fatalf("% x: %d, want %d", b, got, want)
						}
					}
				}
			}
		}
	}
}
