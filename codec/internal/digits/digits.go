// Package digits decodes the digits of base64 and hexadecimal text for the
// format decoders' own scanning loops (DynamoDB JSON strings and \u
// escapes, Ion blobs and \x \u \U escapes), which report errors their own
// way.
package digits

// Base64 maps the standard base64 alphabet to its 6-bit values, and
// every other byte (padding '=' too) to 0xff.
var Base64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()

// Hex returns the value of the n hex digits at b[j:] (either case) and
// the index after them, or false and the index of the first byte that is
// not a hex digit (len(b) if b ends first).
func Hex(b []byte, j, n int) (rune, int, bool) {
	var r rune
	for k := j; k < j+n; k++ {
		if k >= len(b) {
			return 0, k, false
		}
		c := b[k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, k, false
		}
		r = r<<4 | rune(c)
	}
	return r, j + n, true
}
