package ion

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ddbexport/ddbexport/codec/internal/utf8seq"
)

// scanText stops where the byte-at-a-time scan would.
func TestScanText(t *testing.T) {
	texts := []string{"", "abc", "héllo wörld\"x", "😀😀😀😀😀😀😀😀\\n", "العربية'", "ab\xffcd", "abcdefgh\xe2\x82", "x\tyz", "abcdefghijk\x01", "\xed\xa0\x80", "Ω\x7f\""}
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "b", " ", "é", "€", "😀", `\n`, `\\`, `\"`, `\'`, "\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0010ffff",
		"\xff", "\xe2\x82", "\xc0\xaf", "\x80", "\"", "'", "\\", "\x01", "\x1f", "\x7f", "\t",
		"\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xbf", "\xf0\x90\x80", "\xe0\xa0"}
	const valid = 18 // pieces[:valid] are valid text
	for n := range 200000 {
		var sb strings.Builder
		for range rng.IntN(30) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(3) > 0 || n%4 == 0 {
				p = pieces[rng.IntN(valid)] // mostly valid text
			}
			sb.WriteString(p)
		}
		texts = append(texts, sb.String())
	}
	// Every lead byte with continuation bytes of every range after it,
	// at every offset in a word.
	conts := []byte{0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf}
	for c0 := 0x80; c0 < 0x100; c0++ {
		for _, c1 := range conts {
			for _, c2 := range conts[rng.IntN(len(conts)):] {
				for off := range 10 {
					texts = append(texts, strings.Repeat("a", off)+string([]byte{byte(c0), c1, c2, 0x80 + byte(rng.IntN(64))})+"bcdefghijkl")
				}
			}
		}
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
			for _, o := range []int{0, 3} {
				out := bytes.Repeat([]byte{0xee}, o+len(b))
				j, k := unescapeText(b, 0, q, out, o)
				wj, wout := unescapeRef(b, q)
				if j != wj || !bytes.Equal(out[o:k], wout) || !bytes.Equal(out[:o], bytes.Repeat([]byte{0xee}, o)) {
					t.Errorf("unescapeText %q %c at %d: %d, %q, want %d, %q", s, q, o, j, out[o:k], wj, wout)
				}
			}
		}
	}
}

// unescapeRef is unescapeText a byte at a time.
func unescapeRef(b []byte, q byte) (int, []byte) {
	var out []byte
	j := 0
	for j < len(b) {
		c := b[j]
		if c == '\\' && j+1 < len(b) && simpleEscape[b[j+1]] != 0xff {
			out = append(out, simpleEscape[b[j+1]])
			j += 2
			continue
		}
		if c == q || c == '\\' || c < 0x20 {
			break
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			out = append(out, b[j:j+size]...)
			j += size
			continue
		}
		out = append(out, c)
		j++
	}
	return j, out
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
	taken, exps := 0, 0
	for trial := range 100000 {
		tok := ""
		if rng.IntN(2) == 0 {
			tok = "-"
		}
		tok += digits(rng.IntN(41), trial%3 == 0)
		if rng.IntN(2) == 0 {
			tok += "." + digits(rng.IntN(41), trial%5 < 3)
		}
		switch rng.IntN(8) {
		case 0:
			tok += []string{"d2", "_1", "e0", "x", "T", "d", "d+", "D-", "d1_0", "d5x", "d1.5"}[rng.IntN(11)]
		case 1, 2:
			tok += []string{"d", "D"}[rng.IntN(2)] + []string{"", "+", "-"}[rng.IntN(3)] + strconv.Itoa(rng.IntN(200)) // an exponent
			if rng.IntN(20) == 0 {
				tok += "0000000000"
			}
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
			if j < 0 {
				// Out of range: the error of the full scan.
				var q parser
				q.reset([]byte(tok + end))
				var s string
				if err == nil || q.number(0, &s) >= 0 || p.Err.Error() != q.Err.Error() || p.Pos != q.Pos {
					t.Fatalf("%q: %v at %d, PlainNumber %v, full scan %v at %d", tok+end, p.Err, p.Pos, err, q.Err, q.Pos)
				}
				continue
			}
			if err != nil || j != len(tok) || got != want {
				t.Fatalf("%q: %q (end %d), PlainNumber %q, %v", tok+end, got, j, want, err)
			}
			if k := strings.IndexAny(tok, "dD"); k >= 0 {
				exps++
				d0, intEnd := 0, strings.IndexByte(tok, '.')
				if tok[0] == '-' {
					d0 = 1
				}
				if intEnd < 0 {
					intEnd = k
				}
				n, e := expDecimal([]byte(tok+end), 0, d0, intEnd, k)
				w, why := scanDecimal(tok, 0)
				if e != len(tok) || why != "" || n != w {
					t.Fatalf("%q: expDecimal %+v, %d; scanDecimal %+v, %q", tok, n, e, w, why)
				}
			}
		}
	}
	if taken < 10000 || exps < 5000 {
		t.Fatalf("fast path took only %d tokens, %d with exponents", taken, exps)
	}
}

// utf8Block flags invalid UTF-8 before its cut, and cuts valid
// text at the start of the character that goes on past the word.
func TestUTF8Block(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "é", "€", "😀", "\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0010ffff",
		"\xff", "\xc0\xaf", "\x80", "\xbf", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xf0\x90\x80", "\xe0\xa0", "\xc2", "\xe1\x80", "\xdf", "\xef\xbf", "\xf4\x8f\xbf"}
	for n := range 500000 {
		var b []byte
		for len(b) < 12 {
			p := pieces[rng.IntN(len(pieces))]
			if n%2 == 0 && rng.IntN(4) > 0 {
				p = pieces[rng.IntN(12)]
			}
			b = append(b, p...)
		}
		if n%3 == 0 { // random bytes now and then
			b[rng.IntN(8)] = byte(rng.Uint32())
		}
		cut, err := utf8Block(binary.LittleEndian.Uint64(b))
		if cut < 5 || cut > 8 {
			t.Fatalf("% x: cut %d", b[:8], cut)
		}
		for c := 0; c <= cut; c++ {
			if c < cut && b[c] >= 0x80 {
				continue
			}
			// No invalid text passes; valid text passes unless the cut
			// is at a byte that begins no valid character (the slow
			// scan then finds it).
			ok := err&^(^uint64(0)<<(8*c+8)) == 0
			valid := utf8.Valid(b[:c])
			if ok && !valid || !ok && valid && (c == 8 || b[c] < 0x80 || utf8seq.Len(b, c) > 0) {
				t.Fatalf("% x, prefix %d: passes %v, valid %v (err %x, cut %d)", b[:8], c, ok, valid, err, cut)
			}
		}
		if utf8.Valid(b[:cut]) {
			// The character at the cut goes on past the word.
			if cut < 8 {
				_, size := utf8.DecodeRune(b[cut:])
				if b[cut] >= 0xc0 && b[cut] < 0xf8 && cut+size <= 8 && utf8.Valid(b[cut:cut+size]) {
					t.Fatalf("% x: cut %d before a whole character", b[:8], cut)
				}
			}
		}
	}
}
