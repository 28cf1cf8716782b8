package digits

import (
	"encoding/base64"
	"testing"
)

func TestHex(t *testing.T) {
	for _, tt := range []struct {
		in   string
		j, n int
		r    rune
		k    int
		ok   bool
	}{
		{`\u00e9`, 2, 4, 0xe9, 6, true},
		{`\uD83D`, 2, 4, 0xd83d, 6, true},
		{`\x7F"`, 2, 2, 0x7f, 4, true},
		{`\U0001F600`, 2, 8, 0x1f600, 10, true},
		{`\u00g9`, 2, 4, 0, 4, false},
		{`\u00`, 2, 4, 0, 4, false},
	} {
		r, k, ok := Hex([]byte(tt.in), tt.j, tt.n)
		if r != tt.r || k != tt.k || ok != tt.ok {
			t.Errorf("Hex(%q, %d, %d) = %#x, %d, %v; want %#x, %d, %v", tt.in, tt.j, tt.n, r, k, ok, tt.r, tt.k, tt.ok)
		}
	}
}

func TestBase64(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for c := range 256 {
		want := byte(0xff)
		for i := range len(alphabet) {
			if alphabet[i] == byte(c) {
				want = byte(i)
			}
		}
		if Base64[c] != want {
			t.Errorf("Base64[%#x] = %#x, want %#x", c, Base64[c], want)
		}
	}
	// The table decodes what encoding/base64 encodes.
	src := []byte{0xfb, 0xff, 0x00, 0x10}
	enc := base64.StdEncoding.EncodeToString(src)
	v := uint(Base64[enc[0]])<<18 | uint(Base64[enc[1]])<<12 | uint(Base64[enc[2]])<<6 | uint(Base64[enc[3]])
	if got := []byte{byte(v >> 16), byte(v >> 8), byte(v)}; string(got) != string(src[:3]) {
		t.Errorf("decoded %x, want %x", got, src[:3])
	}
}
