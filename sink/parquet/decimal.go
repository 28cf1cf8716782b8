package parquet

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/ddbexport/ddbexport/codec"
)

// decimal is a number's exact value: (-1)^neg × digits × 10^exp, with
// digits holding the significant digits without leading or trailing zeros
// (empty for zero).
type decimal struct {
	ok     bool
	neg    bool
	digits []byte
	exp    int
}

// parseDecimal parses the number s, using buf for its digits; it returns
// buf for reuse.
func parseDecimal(buf []byte, s string) (decimal, []byte) {
	if d, b, ok := parsePlain(buf[:0], s); ok {
		return d, b
	}
	return parseCanonical(buf, s)
}

// A small is a number of at most 19 digits in the form
// -?[0-9]+(\.[0-9]*)?, the most common by far: its value is (-1)^neg × u
// × 10^-frac. Columns of int64 and decimal take it without the digit
// copying of parseDecimal.
type small struct {
	neg  bool
	u    uint64
	frac int
}

// parseSmall parses s if it is a small; ok is false otherwise, and the
// number is for parseDecimal.
func parseSmall(s string) (n small, ok bool) {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		n.neg, i = true, 1
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n.u = n.u*10 + uint64(s[i]-'0')
		i++
	}
	if i == start {
		return small{}, false
	}
	digits := i - start
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n.u = n.u*10 + uint64(s[i]-'0')
			i++
		}
		n.frac = i - f
		digits += n.frac
	}
	// 19 digits fit a uint64.
	if i != len(s) || digits > 19 {
		return small{}, false
	}
	return n, true
}

// int64 returns n as an int64 if it is an integer that fits.
func (n small) int64() (int64, bool) {
	u, frac := n.u, n.frac
	for frac > 0 && u%10 == 0 {
		u /= 10
		frac--
	}
	switch {
	case frac > 0:
		return 0, false
	case n.neg && u <= 1<<63:
		return int64(-u), true
	case !n.neg && u <= math.MaxInt64:
		return int64(u), true
	}
	return 0, false
}

// decimal128 returns n scaled by 10^scale as a decimal128 of precision 38,
// if it fits with no digit lost; ok is false where it may not, for
// parseDecimal to tell.
func (n small) decimal128(scale int) (decimal128.Num, bool) {
	u, frac := n.u, n.frac
	for frac > scale && u%10 == 0 {
		u /= 10
		frac--
	}
	if frac > scale || scale-frac >= len(pow10) {
		return decimal128.Num{}, false
	}
	hi, lo := bits.Mul64(u, pow10[scale-frac])
	if hi != 0 || lo > math.MaxInt64 {
		return decimal128.Num{}, false
	}
	if n.neg {
		return decimal128.FromI64(-int64(lo)), true
	}
	return decimal128.FromU64(lo), true
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// parsePlain parses the common forms -?[0-9]+(\.[0-9]*)? quickly; ok is
// false for any other form (exponents, Ion's 6d2, a leading '+' or '.'),
// which parseCanonical takes.
func parsePlain(buf []byte, s string) (decimal, []byte, bool) {
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return d, buf, false
	}
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			frac++
		}
	}
	if i != len(s) {
		return d, buf, false
	}
	// The digits without the point, without leading zeros.
	j := start
	for j < len(s) && (s[j] == '0' || s[j] == '.') {
		j++
	}
	for ; j < len(s); j++ {
		if s[j] != '.' {
			buf = append(buf, s[j])
		}
	}
	d.exp = -frac
	n := len(buf)
	for n > 0 && buf[n-1] == '0' {
		n--
		d.exp++
	}
	d.ok, d.digits = true, buf[:n]
	if n == 0 {
		return decimal{ok: true}, buf, true
	}
	return d, buf, true
}

func parseCanonical(buf []byte, s string) (decimal, []byte) {
	c, ok := codec.AppendCanonicalNumber(buf[:0], s)
	if !ok {
		return decimal{}, c
	}
	d := decimal{ok: true}
	if len(c) == 1 && c[0] == '0' {
		return d, c
	}
	i := 0
	if c[0] == '-' {
		d.neg, i = true, 1
	}
	j := i
	for j < len(c) && c[j] != 'E' {
		j++
	}
	d.digits = c[i:j]
	e, err := strconv.Atoi(string(c[j+1:]))
	if err != nil {
		// An exponent beyond int: far outside DynamoDB's range, and of
		// any column but a string.
		return decimal{}, c
	}
	d.exp = e
	return d, c
}

// scale is the number of digits after the point.
func (d decimal) scale() int { return max(0, -d.exp) }

// intDigits is the number of digits before the point.
func (d decimal) intDigits() int { return max(0, len(d.digits)+d.exp) }

// int64 returns d as an int64 if it is an integer that fits.
func (d decimal) int64() (int64, bool) {
	if len(d.digits) == 0 {
		return 0, true
	}
	if d.exp < 0 || len(d.digits)+d.exp > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range d.digits {
		u = u*10 + uint64(c-'0')
	}
	for range d.exp {
		if u > math.MaxUint64/10 {
			return 0, false
		}
		u *= 10
	}
	if d.neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// decimal128 returns d scaled by 10^scale as a decimal128 of precision
// 38, if it fits with no digit lost.
func (d decimal) decimal128(scale int) (decimal128.Num, bool) {
	if len(d.digits) == 0 {
		return decimal128.Num{}, true
	}
	if d.exp+scale < 0 || len(d.digits)+d.exp+scale > 38 {
		return decimal128.Num{}, false
	}
	// At most 38 digits: the unscaled value is below 10^38 < 2^127.
	var hi, lo uint64
	mul10add := func(c uint64) {
		h, l := bits.Mul64(lo, 10)
		var carry uint64
		lo, carry = bits.Add64(l, c, 0)
		hi = hi*10 + h + carry
	}
	for _, c := range d.digits {
		mul10add(uint64(c - '0'))
	}
	for range d.exp + scale {
		mul10add(0)
	}
	n := decimal128.New(int64(hi), lo)
	if d.neg {
		n = n.Negate()
	}
	return n, true
}

// float64 returns d rounded to the nearest float64.
func (d decimal) float64() float64 {
	if len(d.digits) == 0 {
		return 0
	}
	f, _ := strconv.ParseFloat(string(d.digits)+"e"+strconv.Itoa(d.exp), 64)
	if d.neg {
		f = -f
	}
	return f
}
