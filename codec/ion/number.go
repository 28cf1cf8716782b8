package ion

import (
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
)

// maxPlainLen is the longest number text written in plain digits; a number
// whose plain form would be longer is written in E notation ("1E+125").
// How DynamoDB's own JSON writes such numbers is unknown
// (export-format.md §13.4); both forms are the same number.
const maxPlainLen = 40

// PlainNumber converts the text of an Ion decimal (103., 6d2, -0.5d-3,
// 1.50, 0d-5, -0., 1_000.5) or of an Ion decimal int (42, -7, 1_000)
// into the plain form DynamoDB uses for an N in its JSON: "600", "103",
// "-0.0005", "1.5", "0". Leading and trailing zeros are trimmed, as
// DynamoDB stores numbers (export-format.md §6.2); every zero, -0. and
// 0d-5 included, is "0". A number whose plain form would be longer than 40
// characters is written in E notation, [-]d[.ddd]E±x ("1E+125",
// "1.5E-130"). The conversion works on the digits and the exponent, never
// through a float.
//
// The result always passes codec.CheckNumber: a value DynamoDB cannot
// hold (more than 38 significant digits, a magnitude outside 1E-130 to
// 9.99…E+125) is a *codec.NumberError, as is a text that is not an Ion
// decimal or decimal int (Ion floats such as 1e0 among them: DynamoDB
// exports write numbers as decimals).
func PlainNumber(ionDecimalText string) (string, error) {
	s := ionDecimalText
	if strings.ContainsAny(s, "eE") && !isRadixInt(s) {
		return "", floatError(s)
	}
	if isRadixInt(s) {
		dec, ok := radixToDecimal(s)
		if !ok {
			return "", &codec.NumberError{Text: s, Reason: "not an Ion int"}
		}
		s = dec
	}
	n, why := scanDecimal(s, 0)
	if why != "" || n.end != len(s) {
		if why == "" {
			why = "unexpected character " + strconv.QuoteRune(rune(s[n.end]))
		}
		return "", &codec.NumberError{Text: ionDecimalText, Reason: why}
	}
	out, why := n.appendPlain(nil, s)
	if why != "" {
		return "", &codec.NumberError{Text: ionDecimalText, Reason: why}
	}
	return string(out), nil
}

// isRadixInt reports whether s starts like a hexadecimal or binary Ion
// int: 0x, 0X, 0b, 0B, with an optional '-'.
func isRadixInt(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'b' || s[1] == 'B')
}

// radixToDecimal converts a hexadecimal or binary Ion int, with
// underscores between digits, to decimal digits.
func radixToDecimal(s string) (string, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	base := 16
	if s[1] == 'b' || s[1] == 'B' {
		base = 2
	}
	d := s[2:]
	if d == "" || d[0] == '_' || d[len(d)-1] == '_' || strings.Contains(d, "__") {
		return "", false
	}
	for k := 0; k < len(d); k++ {
		c := d[k]
		ok := c == '_' || (base == 2 && (c == '0' || c == '1')) ||
			(base == 16 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'))
		if !ok {
			return "", false
		}
	}
	v, ok := new(big.Int).SetString(strings.ReplaceAll(d, "_", ""), base)
	if !ok {
		return "", false
	}
	if neg {
		v.Neg(v)
	}
	return v.String(), true
}

// decimal is the parsed shape of an Ion decimal or decimal int token: the
// digits of its coefficient, without leading or trailing zeros, are the
// digit characters of s[mant:mantEnd] (skipping '_' and '.') from first to
// last; its value is digits × 10^exp.
type decimal struct {
	neg         bool
	first, last int // indexes of the first and last significant digits; first < 0 for zero
	sig         int // significant digits
	exp         int // exponent of the last significant digit (clamped far out of range if huge)
	end         int // index just past the token
	isDec       bool
}

// scanDecimal scans an Ion decimal or decimal int at s[i:]:
// -?(0|[1-9](_?[0-9])*)(\.([0-9](_?[0-9])*)?)?([dD][+-]?[0-9]+)? , where an
// int has neither '.' nor exponent. It stops at the first byte that cannot
// continue the token and returns why the text is not a number.
func scanDecimal(s string, i int) (decimal, string) {
	var n decimal
	n.first, n.last = -1, -1
	if i < len(s) && s[i] == '-' {
		n.neg = true
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return n, "no digits"
	}
	frac := 0  // digits after '.'
	zeros := 0 // zeros after the last significant digit
	inFrac := false
	if s[i] == '0' && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '_') {
		return n, "leading zero"
	}
	for {
		// One run of digits with single underscores between them.
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return n, "no digits"
		}
		for i < len(s) {
			c := s[i]
			if c == '_' {
				if i+1 >= len(s) || s[i+1] < '0' || s[i+1] > '9' {
					return n, "'_' not between digits"
				}
				i++
				continue
			}
			if c < '0' || c > '9' {
				break
			}
			if inFrac {
				frac++
			}
			if c != '0' {
				if n.first < 0 {
					n.first = i
				}
				n.sig += zeros + 1
				zeros = 0
				n.last = i
			} else if n.first >= 0 {
				zeros++
			}
			i++
		}
		if !inFrac && i < len(s) && s[i] == '.' {
			inFrac = true
			n.isDec = true
			i++
			if i < len(s) && s[i] >= '0' && s[i] <= '9' {
				continue
			}
		}
		break
	}
	exp := 0
	if i < len(s) && (s[i] == 'd' || s[i] == 'D') {
		n.isDec = true
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 1<<30 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return n, "exponent has no digits"
		}
		if eneg {
			exp = -exp
		}
	}
	n.end = i
	n.exp = exp - frac + zeros
	return n, ""
}

// appendPlain appends the plain form of n (see PlainNumber), whose text is
// s, to dst, or returns why DynamoDB cannot hold the number.
func (n *decimal) appendPlain(dst []byte, s string) ([]byte, string) {
	if n.first < 0 {
		return append(dst, '0'), ""
	}
	k := n.sig
	if k > codec.MaxNumberDigits {
		return dst, strconv.Itoa(k) + " significant digits, more than 38"
	}
	adj := k - 1 + n.exp
	if adj > codec.MaxNumberExponent {
		return dst, "magnitude above 9.9999999999999999999999999999999999999E+125"
	}
	if adj < codec.MinNumberExponent {
		return dst, "magnitude below 1E-130"
	}
	var plainLen int
	switch {
	case n.exp >= 0:
		plainLen = k + n.exp
	case -n.exp < k:
		plainLen = k + 1
	default:
		plainLen = 2 - n.exp
	}
	if n.neg {
		dst = append(dst, '-')
		plainLen++
	}
	start := len(dst)
	dst = appendDigits(dst, s, n.first, n.last)
	switch {
	case plainLen > maxPlainLen:
		if k > 1 {
			// d.ddd: open a gap for the point after the first digit.
			dst = append(dst, 0)
			copy(dst[start+2:], dst[start+1:start+k])
			dst[start+1] = '.'
		}
		dst = append(dst, 'E')
		if adj >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(adj), 10)
	case n.exp >= 0:
		for range n.exp {
			dst = append(dst, '0')
		}
	case -n.exp < k:
		p := start + k + n.exp // the point goes before dst[p]
		dst = append(dst, 0)
		copy(dst[p+1:], dst[p:start+k])
		dst[p] = '.'
	default:
		z := -n.exp - k // zeros after "0."
		dst = slices.Grow(dst, z+2)[:len(dst)+z+2]
		copy(dst[start+z+2:], dst[start:start+k])
		dst[start], dst[start+1] = '0', '.'
		for j := start + 2; j < start+2+z; j++ {
			dst[j] = '0'
		}
	}
	return dst, ""
}

// appendDigits appends the digits of s[first:last+1], skipping '_' and '.'.
func appendDigits(dst []byte, s string, first, last int) []byte {
	for j := first; j <= last; j++ {
		if c := s[j]; c >= '0' && c <= '9' {
			dst = append(dst, c)
		}
	}
	return dst
}
