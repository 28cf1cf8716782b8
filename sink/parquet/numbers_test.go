package parquet_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
)

// numberColumns are attributes, each with its values (one per item, in
// turn), and the column doc.go says they make with InferOptions.Numbers
// auto (the default), decimal and string.
var numberColumns = []struct {
	name                  string
	values                []string
	auto, decimal, asText string
}{
	{"int", []string{"0", "-0", "1", "-1", "42", "1E+3", "1.0", "5."}, "int64", "decimal(38,0)", "string"},
	{"int64_limits", []string{"9223372036854775807", "-9223372036854775808", "0"}, "int64", "decimal(38,0)", "string"},
	{"int64_plus_one", []string{"9223372036854775808", "1"}, "decimal(38,0)", "decimal(38,0)", "string"},
	{"int64_minus_one", []string{"-9223372036854775809"}, "decimal(38,0)", "decimal(38,0)", "string"},
	{"digits38", []string{"12345678901234567890123456789012345678", "-99999999999999999999999999999999999999"}, "decimal(38,0)", "decimal(38,0)", "string"},
	{"e38", []string{"1E+38", "1"}, "string", "string", "string"},
	{"money", []string{"19.99", "-0.01", "0", "1000000", ".5"}, "decimal(38,2)", "decimal(38,2)", "string"},
	{"scale38", []string{"0.12345678901234567890123456789012345678", "-1E-38"}, "decimal(38,38)", "decimal(38,38)", "string"},
	{"wide", []string{"1.5", "12345678901234567890123456789012345678"}, "string", "string", "string"},
	{"fits", []string{"1.5", "1234567890123456789012345678901234567"}, "decimal(38,1)", "decimal(38,1)", "string"},
	{"tiny", []string{"1E-130", "-1E-130"}, "string", "string", "string"},
	{"huge", []string{"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125"}, "string", "string", "string"},
	{"zero", []string{"0", "-0", "0.000", "0E+10"}, "int64", "decimal(38,0)", "string"},
}

func numberItems() []codec.Item {
	var items []codec.Item
	for i := range 24 {
		it := codec.Item{codec.N(fmt.Sprint(i)).Named("id")}
		var set []string
		for _, c := range numberColumns {
			v := c.values[i%len(c.values)]
			it = append(it, codec.N(v).Named(c.name))
			if i%len(c.values) == 0 {
				set = append(set, v)
			}
		}
		if len(set) == 0 {
			set = []string{"3"}
		}
		it = append(it, codec.NS(set...).Named("ns"), codec.L(codec.N("1E-130"), codec.N("7")).Named("l"))
		items = append(items, it)
	}
	return items
}

func TestRoundTrip_numbers(t *testing.T) {
	for _, mode := range []string{"", parquet.NumbersAuto, parquet.NumbersDecimal, parquet.NumbersString} {
		t.Run("numbers="+mode, func(t *testing.T) {
			inputs := split(fullRecords(numberItems()), 3)
			s, _ := roundTrip(t, inputs, parquet.InferOptions{Numbers: mode}, smallFiles)
			for _, c := range numberColumns {
				want := c.auto
				switch mode {
				case parquet.NumbersDecimal:
					want = c.decimal
				case parquet.NumbersString:
					want = c.asText
				}
				if got := describe(slotOf(t, s, c.name)); got != "N:"+want {
					t.Errorf("%s: %s, want N:%s", c.name, got, want)
				}
			}
			if usesDouble(s) {
				t.Error("a double column, and doubles were not asked for")
			}
		})
	}
}

// TestRoundTrip_double checks that doubles are used when asked, for every
// number, and hold each number rounded to the nearest float64.
func TestRoundTrip_double(t *testing.T) {
	inputs := split(fullRecords(numberItems()), 3)
	s, out := roundTrip(t, inputs, parquet.InferOptions{Numbers: parquet.NumbersDouble}, smallFiles)
	walkTypes(s, func(path string, ty *parquet.Type) {
		if ty.Number != "" && ty.Number != parquet.NumberDouble {
			t.Errorf("%s: %s, want double", path, ty.Number)
		}
	})
	// Doubles lose digits: some 38-digit number must differ exactly.
	lost := false
	for _, r := range out.Records {
		v, _ := r.Item.Get("digits38")
		lost = lost || !codec.NumberEqual(v.Str, "12345678901234567890123456789012345678") && !codec.NumberEqual(v.Str, "-99999999999999999999999999999999999999")
	}
	if !lost {
		t.Error("38-digit numbers read back exact from doubles")
	}
}

// TestDecimalText checks the test reader's decimal rebuilding on its own.
func TestDecimalText(t *testing.T) {
	for _, c := range []struct {
		hi    int64
		lo    uint64
		scale int
		want  string
	}{
		{0, 0, 0, "0"},
		{0, 0, 3, "0.000"},
		{0, 1999, 2, "19.99"},
		{-1, ^uint64(0), 2, "-0.01"},
		{0, 5, 38, "0.00000000000000000000000000000000000005"},
	} {
		n := bigFromTwos(be128(c.hi, c.lo))
		if got := decimalText(n, c.scale); got != c.want {
			t.Errorf("%d %d scale %d: %s, want %s", c.hi, c.lo, c.scale, got, c.want)
		}
	}
	max38, _ := new(big.Int).SetString("99999999999999999999999999999999999999", 10)
	b := make([]byte, 16)
	max38.FillBytes(b)
	if got := decimalText(bigFromTwos(b), 0); got != max38.String() {
		t.Errorf("10^38-1: %s", got)
	}
}
