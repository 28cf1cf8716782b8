package ion

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// blob decodes what encoding/base64's strict decoder decodes (whitespace
// removed), and rejects what it rejects, on valid, spaced and corrupted
// base64 of every length up to 64 bytes (the fast path of whole quartets
// and the loop after it).
func TestBlobBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t$-_\x80"
	for n := 0; n <= 64; n++ {
		for trial := range 200 {
			raw := make([]byte, n)
			for k := range raw {
				raw[k] = byte(rng.Uint32())
			}
			text := []byte(base64.StdEncoding.EncodeToString(raw))
			switch trial % 4 {
			case 1: // whitespace somewhere
				if len(text) > 0 {
					k := rng.IntN(len(text) + 1)
					text = append(text[:k], append([]byte{" \t"[rng.IntN(2)]}, text[k:]...)...)
				}
			case 2: // a byte replaced
				if len(text) > 0 {
					text[rng.IntN(len(text))] = alphabet[rng.IntN(len(alphabet))]
				}
			case 3: // cut short or extended
				if len(text) > 0 && rng.IntN(2) == 0 {
					text = text[:rng.IntN(len(text))]
				} else {
					text = append(text, alphabet[rng.IntN(len(alphabet))])
				}
			}
			line := append(append([]byte("{{"), text...), "}}"...)
			var p parser
			p.reset(line)
			var got string
			end := p.blob(0, &got)
			stripped := bytes.Map(func(r rune) rune {
				if r == ' ' || r == '\t' {
					return -1
				}
				return r
			}, text)
			want, err := base64.StdEncoding.Strict().DecodeString(string(stripped))
			switch {
			case err != nil && end >= 0:
				t.Fatalf("%q: accepted (%x), base64: %v", line, got, err)
			case err == nil && end < 0:
				t.Fatalf("%q: %v, base64 decodes %x", line, p.Err, want)
			case err == nil && (end != len(line) || got != string(want)):
				t.Fatalf("%q: %x (end %d), want %x", line, got, end, want)
			case end < 0 && (p.Pos < 2 || p.Pos > len(line)):
				t.Fatalf("%q: error at %d", line, p.Pos)
			}
		}
	}
}
