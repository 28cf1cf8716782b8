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
