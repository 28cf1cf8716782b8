package ion_test

import (
	"errors"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ion"
)

func TestPlainNumber(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"103.", "103"}, {"6d2", "600"}, {"2d3", "2000"}, {"-0.5d-3", "-0.0005"}, {"1.50", "1.5"},
		{"0d-5", "0"}, {"-0.", "0"}, {"0.", "0"}, {"0", "0"}, {"-0", "0"}, {"0.000", "0"}, {"0d99999999999", "0"},
		{"1_000.5", "1000.5"}, {"1_000", "1000"}, {"42", "42"}, {"-7", "-7"}, {"12.5d-1", "1.25"}, {"1D+2", "100"},
		{"0.000_1", "0.0001"}, {"100.000", "100"}, {"1.", "1"}, {"0x10", "16"}, {"-0b101", "-5"}, {"0xF_f", "255"},
		{"1d37", "10000000000000000000000000000000000000"},   // 38 characters: plain
		{"1d39", "1000000000000000000000000000000000000000"}, // 40: plain
		{"1d40", "1E+40"}, {"1d125", "1E+125"}, {"-15d124", "-1.5E+125"},
		{"1d-38", "0.00000000000000000000000000000000000001"}, // 40 characters
		{"1d-39", "1E-39"}, {"1d-130", "1E-130"}, {"-123d-132", "-1.23E-130"},
		{"9.9999999999999999999999999999999999999d125", "9.9999999999999999999999999999999999999E+125"},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
		{"1234567890123456789012345678901234567800000", "1.2345678901234567890123456789012345678E+42"},
		{"0.0000000000000000000000000001", "0.0000000000000000000000000001"},
		{"123.456d3", "123456"}, {"123.456d-3", "0.123456"}, {"1234.5d-2", "12.345"},
	} {
		got, err := ion.PlainNumber(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("PlainNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if err := codec.CheckNumber(got); err != nil {
			t.Errorf("PlainNumber(%q) = %q: %v", tt.in, got, err)
		}
		if !codec.NumberEqual(got, tt.want) {
			t.Errorf("not equal")
		}
	}
	for _, in := range []string{
		"", "-", ".", ".5", "1e0", "1E5", "nan", "+inf", "-inf", "+1.", "007", "00.5", "1__0", "1_", "_1", "1._5",
		"1d", "1d+", "1d1_0", "1.2.3", "0x", "0x_1", "0b2", "1d126", "1d-131", "10000000000000000000000000000000000000001",
		"1.23456789012345678901234567890123456789", "2020-01-01T", "1 ", "abc",
	} {
		got, err := ion.PlainNumber(in)
		var ne *codec.NumberError
		if err == nil || !errors.As(err, &ne) || !errors.Is(err, codec.ErrNumber) {
			t.Errorf("PlainNumber(%q) = %q, %v; want a *codec.NumberError", in, got, err)
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"600", "6d2"}, {"2000", "2d3"}, {"103", "103."}, {"1.5", "1.5"}, {"1.50", "1.5"}, {"-0.0005", "-0.0005"},
		{"0", "0."}, {"-0", "0."}, {"0.00", "0."}, {"10", "1d1"}, {"7", "7."}, {"-42", "-42."},
		{"1E+125", "1d125"}, {"1E-130", "1d-130"}, {"1.5E-3", "0.0015"}, {"6E+2", "6d2"}, {"+.5e3", "5d2"},
		{"0.00000000000000000000000000000000000001", "0.00000000000000000000000000000000000001"},
		{"1E-39", "1d-39"}, {"x", `"x"`},
	} {
		got := string(ion.AppendDecimal(nil, tt.in))
		if got != tt.want {
			t.Errorf("AppendDecimal(%q) = %s, want %s", tt.in, got, tt.want)
			continue
		}
		if tt.in == "x" {
			continue
		}
		back, err := ion.PlainNumber(got)
		if err != nil || !codec.NumberEqual(back, tt.in) {
			t.Errorf("PlainNumber(%s) = %q, %v; want the value of %s", got, back, err, tt.in)
		}
	}
}

func TestAppendName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Item", "Item"}, {"a_1$", "a_1$"}, {"_x", "_x"}, {"my-attr", "'my-attr'"}, {"my attr", "'my attr'"},
		{"null", "'null'"}, {"true", "'true'"}, {"false", "'false'"}, {"nan", "'nan'"}, {"$10", "'$10'"},
		{"$ion_1_0", "'$ion_1_0'"}, {"1a", "'1a'"}, {"it's", `'it\'s'`}, {"é", "'é'"}, {"a\nb", `'a\nb'`},
	} {
		if got := string(ion.AppendName(nil, tt.in)); got != tt.want {
			t.Errorf("AppendName(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
