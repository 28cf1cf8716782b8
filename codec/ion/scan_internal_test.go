package ion

import (
	"math/rand/v2"
	"strings"
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
	texts := []string{"", "abc", "héllo wörld\"x", "😀😀😀😀😀😀😀😀\\n", "العربية'", "ab\xffcd", "abcdefgh\xe2\x82", "x\tyz", "abcdefghijk\x01", "\xed\xa0\x80", "Ω\x7f\""}
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "b", " ", "é", "€", "😀", "\xff", "\xe2\x82", "\xc0\xaf", "\x80", "\"", "'", "\\", "\x01", "\x1f", "\x7f", "\t"}
	for range 20000 {
		var sb strings.Builder
		for range rng.IntN(30) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(3) > 0 {
				p = pieces[rng.IntN(6)] // mostly valid text
			}
			sb.WriteString(p)
		}
		texts = append(texts, sb.String())
	}
	for _, s := range texts {
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

// simpleNumber, where it takes a token, gives PlainNumber's form.
func TestSimpleNumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	digits := func(n int, zeros bool) string {
		var sb strings.Builder
		for range n {
			if zeros && rng.IntN(2) == 0 {
				sb.WriteByte('0')
			} else {
				sb.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		return sb.String()
	}
	taken := 0
	for trial := range 100000 {
		tok := ""
		if rng.IntN(2) == 0 {
			tok = "-"
		}
		tok += digits(rng.IntN(41), trial%3 == 0)
		if rng.IntN(2) == 0 {
			tok += "." + digits(rng.IntN(41), trial%5 < 3)
		}
		if rng.IntN(8) == 0 {
			tok += []string{"d2", "_1", "e0", "x", "T"}[rng.IntN(5)]
		}
		for _, end := range []string{"", ",", "}", " ", "/"} {
			if tok == "" || tok[0] != '-' && (tok[0] < '0' || tok[0] > '9') {
				continue // number is called at a '-' or a digit
			}
			var p parser
			p.reset([]byte(tok + end))
			var got string
			j := p.simpleNumber(0, &got)
			if j == 0 {
				continue
			}
			taken++
			want, err := PlainNumber(tok)
			if err != nil || j != len(tok) || got != want {
				t.Fatalf("%q: %q (end %d), PlainNumber %q, %v", tok+end, got, j, want, err)
			}
		}
	}
	if taken < 10000 {
		t.Fatalf("fast path took only %d tokens", taken)
	}
}
