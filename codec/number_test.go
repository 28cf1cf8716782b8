package codec_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

const (
	reasonAbove = "magnitude above 9.9999999999999999999999999999999999999E+125"
	reasonBelow = "magnitude below 1E-130"
)

var checkNumberTests = []struct {
	in     string
	reason string // "" for a valid number
}{
	// Accepted: what DynamoDB and Java's BigDecimal accept.
	{"0", ""},
	{"-0", ""},
	{"+0", ""},
	{"+1", ""},
	{"-1", ""},
	{".5", ""},
	{"5.", ""},
	{"-.5", ""},
	{"007", ""},
	{"1e5", ""},
	{"1E5", ""},
	{"1e+5", ""},
	{"1E-130", ""},
	{"-1E-130", ""},
	{"15E-131", ""}, // 1.5E-130
	{"0.1E-129", ""},
	{"9.9999999999999999999999999999999999999E+125", ""},
	{"-9.9999999999999999999999999999999999999E+125", ""},
	{"99999999999999999999999999999999999999E+88", ""}, // 38 nines, adj 125
	{"12345678901234567890123456789012345678", ""},
	{"1.2345678901234567890123456789012345678", ""},
	{"1" + strings.Repeat("0", 100), ""},               // 1E100
	{"100000000000000000000000000000000000000000", ""}, // 1E41: one significant digit
	{"0.00000000000000000000000000000000000000000000001", ""},
	{"0E-999999", ""}, // zero: any exponent
	{"0E+999999999999999999999", ""},
	{"-0.000E-5", ""},
	{"000.000", ""},
	{"1.000000000000000000000000000000000000000000000000", ""}, // trailing zeros do not count
	{"1E0000000000000000000000000005", ""},                     // leading zeros of the exponent
	{"1768387654353205", ""},

	// Rejected: syntax.
	{"", "empty"},
	{"-", "no digits"},
	{"+", "no digits"},
	{".", "no digits"},
	{"-.", "no digits"},
	{"e5", "no digits"},
	{".e5", "no digits"},
	{"NaN", "no digits"},
	{"Infinity", "no digits"},
	{"-Infinity", "no digits"},
	{" 1", "no digits"},
	{"1e", "exponent has no digits"},
	{"1e+", "exponent has no digits"},
	{"1E-", "exponent has no digits"},
	{"1.2.3", `unexpected character '.'`},
	{"0x10", `unexpected character 'x'`},
	{"1 ", `unexpected character ' '`},
	{"1_000", `unexpected character '_'`},
	{"1e5.5", `unexpected character '.'`},
	{"1e5e5", `unexpected character 'e'`},
	{"--1", "no digits"},
	{"1é", `unexpected character 'é'`},
	{"1\xff", "unexpected character '\uFFFD'"},

	// Rejected: DynamoDB's limits.
	{"123456789012345678901234567890123456789", "39 significant digits, more than 38"},
	{"1.23456789012345678901234567890123456789", "39 significant digits, more than 38"},
	{"0.000123456789012345678901234567890123456789", "39 significant digits, more than 38"},
	{"1E-131", reasonBelow},
	{"-1E-131", reasonBelow},
	{"1.5E-131", reasonBelow},
	{"0.01E-129", reasonBelow},
	{"1E+126", reasonAbove},
	{"10E+125", reasonAbove},
	{"-1E126", reasonAbove},
	{"1" + strings.Repeat("0", 126), reasonAbove},
	{"1E999999999999999999", reasonAbove},
	{"1E-999999999999999999", reasonBelow},
	{"1E+9223372036854775808", reasonAbove}, // past int64
	{"1E4294967296", reasonAbove},           // past uint32
	{"1E2147483648", reasonAbove},           // past int32
	{"1E1073741824", reasonAbove},
	{"0.0000000001E1000000000", reasonAbove}, // 1E999999990
}

func TestCheckNumber(t *testing.T) {
	for _, tt := range checkNumberTests {
		t.Run(tt.in, func(t *testing.T) {
			err := codec.CheckNumber(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("CheckNumber(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			var ne *codec.NumberError
			if !errors.As(err, &ne) {
				t.Fatalf("CheckNumber(%q) = %v, want a *NumberError", tt.in, err)
			}
			if ne.Reason != tt.reason || ne.Text != tt.in {
				t.Errorf("CheckNumber(%q) = {Text: %q, Reason: %q}, want reason %q", tt.in, ne.Text, ne.Reason, tt.reason)
			}
			if !errors.Is(err, codec.ErrNumber) {
				t.Errorf("errors.Is(%v, ErrNumber) = false", err)
			}
			if got := codec.Reason(err); got != "bad_number" {
				t.Errorf("Reason = %q, want bad_number", got)
			}
		})
	}
}

func TestNumberError_Error(t *testing.T) {
	err := codec.CheckNumber("1e")
	if got, want := err.Error(), `invalid number "1e": exponent has no digits`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	long := strings.Repeat("1", 100) + "x"
	got := codec.CheckNumber(long).Error()
	if want := `invalid number "` + strings.Repeat("1", 64) + `…": unexpected character 'x'`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Is(err, codec.ErrSyntax) {
		t.Error("a NumberError must not match ErrSyntax")
	}
}

func TestAppendCanonicalNumber(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"600", "6E2", "600.00", "+6e+2", "0.6E3", "6000E-1", "0000600", ".0006e6"}, "6E2"},
		{[]string{"-600", "-6E2", "-600.00", "-0.6E3"}, "-6E2"},
		{[]string{"0", "-0", "+0", "0.0", "000", ".0", "0.", "0E5", "-0E-999999", "0e+99999999999999999999"}, "0"},
		{[]string{"1", "1.0", "1.", "01", "10E-1", "0.1e1"}, "1E0"},
		{[]string{"1.5", "15E-1", "0.15E1", "1.50"}, "15E-1"},
		{[]string{"1E-130", "0.1E-129", "10E-131"}, "1E-130"},
		{[]string{"9.9999999999999999999999999999999999999E+125"}, "99999999999999999999999999999999999999E88"},
		{[]string{"123.456"}, "123456E-3"},
		{[]string{"1E99999999999999999999"}, "1E99999999999999999999"}, // out of range, still exact
		{[]string{"1E-99999999999999999999"}, "1E-99999999999999999999"},
		{[]string{"12.5E+99999999999999999999"}, "125E99999999999999999998"},
		{[]string{"0.001E-1000000000000"}, "1E-1000000000003"},
	}
	for _, tt := range tests {
		for _, in := range tt.in {
			got, ok := codec.AppendCanonicalNumber([]byte("x"), in)
			if !ok || string(got) != "x"+tt.want {
				t.Errorf("AppendCanonicalNumber(%q) = %q, %v; want %q, true", in, got, ok, "x"+tt.want)
			}
		}
	}
	for _, in := range []string{"", "-", "1e", "abc", "1.2.3"} {
		got, ok := codec.AppendCanonicalNumber([]byte("x"), in)
		if ok || string(got) != "x" {
			t.Errorf("AppendCanonicalNumber(%q) = %q, %v; want dst unchanged, false", in, got, ok)
		}
	}
}

func TestNumberEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"600", "6E2", true},
		{"600", "600.00", true},
		{"+6e+2", "0.6E3", true},
		{"-0", "0", true},
		{"-0.0", "0E10", true},
		{"1", "1.0", true},
		{"1", "-1", false},
		{"1", "10", false},
		{"1", "0.1", false},
		{"1", "2", false},
		{"12", "21", false},
		{"1E99999999999", "1E9999999999", false}, // huge exponents are not clamped together
		{"1E99999999999", "10E99999999998", true},
		{"abc", "abc", true}, // invalid: equal only to the identical text
		{"abc", "abd", false},
		{"1e", "1e", true},
		{"1e", "1", false},
		{"", "0", false},
	}
	for _, tt := range tests {
		if got := codec.NumberEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("NumberEqual(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := codec.NumberEqual(tt.b, tt.a); got != tt.want {
			t.Errorf("NumberEqual(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestAppendPlainNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		// Already JSON numbers: unchanged.
		{"0", "0"},
		{"-0", "-0"},
		{"5", "5"},
		{"1e5", "1e5"},
		{"1.50E+3", "1.50E+3"},
		{"-0.5e-7", "-0.5e-7"},
		// Normalized.
		{"+5", "5"},
		{".5", "0.5"},
		{"-.5", "-0.5"},
		{"5.", "5"},
		{"007", "7"},
		{"+0", "0"},
		{"-0.", "0"},
		{"00.0", "0"},
		{"0600", "600"},
		{"+1.50", "1.5"},
		{"012.345", "12.345"},
		{".000123", "0.000123"},
		{".0000000123", "1.23E-8"},
		{"+1" + strings.Repeat("0", 39), "1" + strings.Repeat("0", 39)}, // 40 digits
		{"+1" + strings.Repeat("0", 40), "1E40"},
		{"+12E+99999999999999999999", "1.2E100000000000000000000"},
		{"+12E-99999999999999999999", "1.2E-99999999999999999998"},
		{"01E-130", "1E-130"},
		{"-01.5E+125", "-1.5E125"},
	}
	for _, tt := range tests {
		got, ok := codec.AppendPlainNumber([]byte("x"), tt.in)
		if !ok || string(got) != "x"+tt.want {
			t.Errorf("AppendPlainNumber(%q) = %q, %v; want %q, true", tt.in, got, ok, "x"+tt.want)
		}
		if !json.Valid(got[1:]) {
			t.Errorf("AppendPlainNumber(%q) = %q, not JSON", tt.in, got[1:])
		}
	}
	if got, ok := codec.AppendPlainNumber(nil, "1.2.3"); ok || got != nil {
		t.Errorf("AppendPlainNumber(1.2.3) = %q, %v; want nil, false", got, ok)
	}
}

// refNumber is an independent reading of the number grammar with math/big,
// for the fuzz targets.
type refNumber struct {
	zero bool
	neg  bool
	sig  string   // significant digits, without leading or trailing zeros
	exp  *big.Int // power of ten of the last significant digit
	adj  *big.Int // power of ten of the first significant digit
}

var numberRE = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

func parseRef(s string) (refNumber, bool) {
	m := numberRE.FindStringSubmatch(s)
	if m == nil || m[2]+m[3] == "" {
		return refNumber{}, false
	}
	r := refNumber{neg: m[1] == "-", exp: new(big.Int), adj: new(big.Int)}
	if m[4] != "" {
		r.exp.SetString(m[4], 10)
	}
	mant := m[2] + m[3]
	r.exp.Sub(r.exp, big.NewInt(int64(len(m[3]))))
	trimmed := strings.TrimRight(mant, "0")
	r.exp.Add(r.exp, big.NewInt(int64(len(mant)-len(trimmed))))
	r.sig = strings.TrimLeft(trimmed, "0")
	if r.sig == "" {
		return refNumber{zero: true}, true
	}
	r.adj.Add(r.exp, big.NewInt(int64(len(r.sig)-1)))
	return r, true
}

func (r refNumber) valid() bool {
	return r.zero || len(r.sig) <= codec.MaxNumberDigits &&
		r.adj.Cmp(big.NewInt(codec.MinNumberExponent)) >= 0 && r.adj.Cmp(big.NewInt(codec.MaxNumberExponent)) <= 0
}

func (r refNumber) canonical() string {
	if r.zero {
		return "0"
	}
	s := r.sig + "E" + r.exp.String()
	if r.neg {
		s = "-" + s
	}
	return s
}

// rat returns the exact value, or false when the exponent is too large to
// expand cheaply.
func (r refNumber) rat() (*big.Rat, bool) {
	if r.zero {
		return new(big.Rat), true
	}
	if !r.exp.IsInt64() || r.exp.Int64() > 2000 || r.exp.Int64() < -2000 {
		return nil, false
	}
	m, _ := new(big.Int).SetString(r.sig, 10)
	if r.neg {
		m.Neg(m)
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs(r.exp.Int64())), nil)
	v := new(big.Rat).SetInt(m)
	if r.exp.Sign() >= 0 {
		return v.Mul(v, new(big.Rat).SetInt(p)), true
	}
	return v.Quo(v, new(big.Rat).SetInt(p)), true
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func addNumberSeeds(f *testing.F) {
	for _, tt := range checkNumberTests {
		f.Add(tt.in)
	}
	for _, s := range []string{"600", "6E2", "600.00", "+6e+2", "0.6E3", "-0", ".0000000123", "1e1", "0.5", "-5."} {
		f.Add(s)
	}
}

func FuzzNumber(f *testing.F) {
	addNumberSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		ref, syntaxOK := parseRef(s)
		err := codec.CheckNumber(s)
		if want := syntaxOK && ref.valid(); (err == nil) != want {
			t.Fatalf("CheckNumber(%q) = %v, want valid=%v", s, err, want)
		}
		if err != nil && !errors.Is(err, codec.ErrNumber) {
			t.Fatalf("CheckNumber(%q) = %v, not ErrNumber", s, err)
		}

		canon, ok := codec.AppendCanonicalNumber(nil, s)
		if ok != syntaxOK {
			t.Fatalf("AppendCanonicalNumber(%q) ok = %v, want %v", s, ok, syntaxOK)
		}
		plain, pok := codec.AppendPlainNumber(nil, s)
		if pok != syntaxOK {
			t.Fatalf("AppendPlainNumber(%q) ok = %v, want %v", s, pok, syntaxOK)
		}
		if !syntaxOK {
			return
		}
		if want := ref.canonical(); string(canon) != want {
			t.Fatalf("AppendCanonicalNumber(%q) = %q, want %q", s, canon, want)
		}
		if !json.Valid(plain) {
			t.Fatalf("AppendPlainNumber(%q) = %q, not a JSON number", s, plain)
		}
		var num json.Number
		if err := json.Unmarshal(plain, &num); err != nil || string(num) != string(plain) {
			t.Fatalf("AppendPlainNumber(%q) = %q, not a json.Number (%v)", s, plain, err)
		}
		if json.Valid([]byte(s)) && string(plain) != s {
			t.Fatalf("AppendPlainNumber(%q) = %q, want the JSON number unchanged", s, plain)
		}
		pref, ok := parseRef(string(plain))
		if !ok || pref.canonical() != ref.canonical() {
			t.Fatalf("AppendPlainNumber(%q) = %q, a different value", s, plain)
		}
		if v, ok := ref.rat(); ok {
			pv, ok := pref.rat()
			if !ok || pv.Cmp(v) != 0 {
				t.Fatalf("AppendPlainNumber(%q) = %q = %v, want %v", s, plain, pv, v)
			}
			// And by math/big's own parser, when the exponent is short.
			if m := numberRE.FindStringSubmatch(string(plain)); len(m[4]) <= 6 {
				if pv, ok := new(big.Rat).SetString(string(plain)); !ok || pv.Cmp(v) != 0 {
					t.Fatalf("AppendPlainNumber(%q) = %q = %v by big.Rat, want %v", s, plain, pv, v)
				}
			}
		}
	})
}

func FuzzNumberEqual(f *testing.F) {
	f.Add("600", "6E2")
	f.Add("-0", "0")
	f.Add("1.5", "15E-1")
	f.Add("1", "2")
	f.Add("1E99999999999", "10E99999999998")
	f.Add("abc", "abc")
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, oka := parseRef(a)
		rb, okb := parseRef(b)
		got := codec.NumberEqual(a, b)
		if got != codec.NumberEqual(b, a) {
			t.Fatalf("NumberEqual(%q, %q) is not symmetric", a, b)
		}
		if !oka || !okb {
			if want := a == b; got != want {
				t.Fatalf("NumberEqual(%q, %q) = %v, want %v (not both numbers)", a, b, got, want)
			}
			return
		}
		if want := ra.canonical() == rb.canonical(); got != want {
			t.Fatalf("NumberEqual(%q, %q) = %v, want %v", a, b, got, want)
		}
		va, oka := ra.rat()
		vb, okb := rb.rat()
		if oka && okb && got != (va.Cmp(vb) == 0) {
			t.Fatalf("NumberEqual(%q, %q) = %v, but the values are %v and %v", a, b, got, va, vb)
		}
	})
}
