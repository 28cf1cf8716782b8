package codec

import (
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Limits of DynamoDB numbers (DynamoDB developer guide, "Supported data
// types and naming rules"): up to 38 significant digits, a magnitude
// between 1E-130 and 9.9999999999999999999999999999999999999E+125, or zero.
const (
	MaxNumberDigits   = 38
	MinNumberExponent = -130 // smallest power of ten of a number's first significant digit
	MaxNumberExponent = 125  // largest power of ten of a number's first significant digit
)

// A NumberError describes why a text is not a valid DynamoDB number.
type NumberError struct {
	Text   string
	Reason string
}

func (e *NumberError) Error() string {
	return "invalid number " + strconv.Quote(truncate(e.Text, 64)) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrNumber) true for every NumberError.
func (e *NumberError) Is(target error) bool { return target == ErrNumber }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// number is the parsed shape of a decimal text, without allocation: the
// significant digits are the mantissa digits from first to last (skipping
// the '.' at dot), and the value is 0.d1d2…dk × 10^(adj+1).
type number struct {
	neg        bool
	first      int // index in text of the first significant digit, -1 for zero
	last       int // index in text of the last significant digit
	dot        int // index of '.', -1 if none
	sigDigits  int
	adj        int // power of ten of the first significant digit
	mantEnd    int // index just past the mantissa
	mantStart  int
	hasExpPart bool
	// expHuge is set when the exponent has more than maxExpDigits
	// significant digits: adj is then clamped far outside DynamoDB's range,
	// and the exact exponent is computed from the text at expStart:expEnd
	// (with its sign) when a form must show it.
	expHuge          bool
	expStart, expEnd int
}

// maxExpDigits bounds the significant digits of an exponent kept in an
// int; a longer exponent is clamped (see number.expHuge).
const maxExpDigits = 9

// parseNumber scans text as a decimal number: an optional sign, digits with
// an optional '.', at least one digit, and an optional exponent (e or E,
// optional sign, digits). It accepts what DynamoDB and Java's BigDecimal
// accept ("+1", ".5", "5.", "007", "1E-130", "1e5"); it does not check
// DynamoDB's limits.
func parseNumber(s string) (number, string) {
	var n number
	n.first, n.dot = -1, -1
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		n.neg = s[i] == '-'
		i++
	}
	n.mantStart = i
	digits := 0
	intDigits := 0 // digits before the dot
	pos := 0       // digit position of the first significant digit
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if c != '0' {
				if n.first < 0 {
					n.first = i
					pos = digits
				}
				n.last = i
			}
			digits++
			if n.dot < 0 {
				intDigits++
			}
			continue
		}
		if c == '.' && n.dot < 0 {
			n.dot = i
			continue
		}
		break
	}
	n.mantEnd = i
	if digits == 0 {
		if len(s) == 0 {
			return n, "empty"
		}
		return n, "no digits"
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		n.hasExpPart = true
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		expDigits := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if expDigits > 0 || s[i] != '0' {
				expDigits++
			}
			if expDigits <= maxExpDigits {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return n, "exponent has no digits"
		}
		n.expStart, n.expEnd = start-1, i // include the sign, if any
		if s[n.expStart] != '+' && s[n.expStart] != '-' {
			n.expStart++
		}
		if expDigits > maxExpDigits {
			// Far beyond any exponent DynamoDB allows, whatever the
			// mantissa: clamp it so that adj stays out of range.
			n.expHuge = true
			exp = 1 << 30
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return n, "unexpected character " + strconv.QuoteRune(r)
	}
	if n.first < 0 {
		return n, "" // zero
	}
	// Count significant digits between first and last, skipping the dot.
	n.sigDigits = n.last - n.first + 1
	if n.dot > n.first && n.dot < n.last {
		n.sigDigits--
	}
	n.adj = intDigits - 1 - pos + exp
	return n, ""
}

// CheckNumber reports whether s is a valid DynamoDB number: decimal text
// (see above) with at most 38 significant digits, leading and trailing
// zeros not counted, and a magnitude of zero or between 1E-130 and
// 9.9999999999999999999999999999999999999E+125. The error is a
// *NumberError.
func CheckNumber(s string) error {
	n, reason := parseNumber(s)
	if reason != "" {
		return &NumberError{Text: s, Reason: reason}
	}
	return n.check(s)
}

func (n *number) check(s string) error {
	if n.first < 0 {
		return nil
	}
	if n.sigDigits > MaxNumberDigits {
		return &NumberError{Text: s, Reason: strconv.Itoa(n.sigDigits) + " significant digits, more than 38"}
	}
	if n.adj > MaxNumberExponent {
		return &NumberError{Text: s, Reason: "magnitude above 9.9999999999999999999999999999999999999E+125"}
	}
	if n.adj < MinNumberExponent {
		return &NumberError{Text: s, Reason: "magnitude below 1E-130"}
	}
	return nil
}

// AppendCanonicalNumber appends the canonical form of the valid number s to
// dst: the significant digits without leading or trailing zeros, then "E"
// and the exponent of the last digit, with "-" for negative numbers, or "0"
// for zero. Two numbers are equal exactly when their canonical forms are.
// It returns dst unchanged and false if s is not a number.
func AppendCanonicalNumber(dst []byte, s string) ([]byte, bool) {
	n, reason := parseNumber(s)
	if reason != "" {
		return dst, false
	}
	if n.first < 0 {
		return append(dst, '0'), true
	}
	if n.neg {
		dst = append(dst, '-')
	}
	for i := n.first; i <= n.last; i++ {
		if s[i] != '.' {
			dst = append(dst, s[i])
		}
	}
	dst = append(dst, 'E')
	return n.appendExp(dst, s, 1-n.sigDigits), true
}

// appendExp appends the exact decimal value of adj+delta to dst, from the
// exponent's text when it is too long for an int.
func (n *number) appendExp(dst []byte, s string, delta int) []byte {
	if !n.expHuge {
		return strconv.AppendInt(dst, int64(n.adj)+int64(delta), 10)
	}
	e, _ := new(big.Int).SetString(s[n.expStart:n.expEnd], 10)
	clamped := int64(1 << 30)
	if e.Sign() < 0 {
		clamped = -clamped
	}
	// adj = mantissa offset + clamped exponent; swap in the exact one.
	e.Add(e, big.NewInt(int64(n.adj)-clamped+int64(delta)))
	return e.Append(dst, 10)
}

// AppendPlainNumber appends the valid number s to dst as a JSON number
// literal with the same value: s itself when it already is one, otherwise
// a normalized form ("+5" → "5", ".5" → "0.5", "5." → "5", "007" → "7").
// It returns dst unchanged and false if s is not a number.
func AppendPlainNumber(dst []byte, s string) ([]byte, bool) {
	n, reason := parseNumber(s)
	if reason != "" {
		return dst, false
	}
	if isJSONNumber(s) {
		return append(dst, s...), true
	}
	if n.first < 0 {
		return append(dst, '0'), true
	}
	// Rebuild as [-]d[.ddd][E±x] from the significant digits.
	if n.neg {
		dst = append(dst, '-')
	}
	k := n.sigDigits
	exp := n.adj - k + 1 // value = digits × 10^exp
	digits := make([]byte, 0, k)
	for i := n.first; i <= n.last; i++ {
		if s[i] != '.' {
			digits = append(digits, s[i])
		}
	}
	switch {
	case exp >= 0 && exp+k <= 40:
		dst = append(dst, digits...)
		for range exp {
			dst = append(dst, '0')
		}
	case exp < 0 && -exp < k:
		dst = append(dst, digits[:k+exp]...)
		dst = append(dst, '.')
		dst = append(dst, digits[k+exp:]...)
	case exp < 0 && n.adj >= -7:
		dst = append(dst, '0', '.')
		for range -n.adj - 1 {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'E')
		dst = n.appendExp(dst, s, 0)
	}
	return dst, true
}

// isJSONNumber reports whether s matches JSON's number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// NumberEqual reports whether a and b are the same number (by value, so
// "600", "6E2" and "600.00" are equal). Invalid numbers are equal only to
// the identical text.
func NumberEqual(a, b string) bool {
	if a == b {
		return true
	}
	var ba, bb [64]byte
	ca, oka := AppendCanonicalNumber(ba[:0], a)
	cb, okb := AppendCanonicalNumber(bb[:0], b)
	return oka && okb && string(ca) == string(cb)
}
