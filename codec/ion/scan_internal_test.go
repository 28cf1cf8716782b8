package ion

import (
	"testing"
	"unicode/utf8"
)

// utf8Seq accepts exactly what utf8.DecodeRune decodes without error.
func TestUTF8Seq(t *testing.T) {
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
						if got := utf8Seq(b, 0); got != want {
							t.Fatalf("% x: %d, want %d", b, got, want)
						}
					}
				}
			}
		}
	}
}

// scanText stops where the byte-at-a-time scan would.
func TestScanText(t *testing.T) {
	for _, s := range []string{"", "abc", "héllo wörld\"x", "😀😀😀😀😀😀😀😀\\n", "العربية'", "ab\xffcd", "abcdefgh\xe2\x82", "x\tyz", "abcdefghijk\x01", "\xed\xa0\x80", "Ω\x7f\""} {
		for _, q := range []byte{'"', '\''} {
			b := []byte(s)
			want := 0
			for want < len(b) {
				c := b[want]
				if c == q || c == '\\' || c < 0x20 {
					break
				}
				if c >= 0x80 {
					r, size := utf8.DecodeRune(b[want:])
					if r == utf8.RuneError && size == 1 {
						break
					}
					want += size
					continue
				}
				want++
			}
			if got := scanText(b, 0, q); got != want {
				t.Errorf("%q %c: %d, want %d", s, q, got, want)
			}
		}
	}
}
