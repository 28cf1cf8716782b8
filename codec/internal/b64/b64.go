// Package b64 is the table the format decoders decode base64 with, in
// their own loops (DynamoDB JSON strings, Ion blobs), faster than
// encoding/base64 and with their own errors.
package b64

// Decode maps the standard base64 alphabet to its 6-bit values, and
// every other byte (padding '=' too) to 0xff.
var Decode = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()
