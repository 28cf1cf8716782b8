package codec_test

import (
	"errors"
	"fmt"

	"github.com/ddbexport/ddbexport/codec"
)

func ExampleCheckNumber() {
	for _, s := range []string{"42", "-1.5E-130", "1E126", "1.2.3", "123456789012345678901234567890123456789"} {
		err := codec.CheckNumber(s)
		var ne *codec.NumberError
		if errors.As(err, &ne) {
			fmt.Printf("%s: %s (ErrNumber: %v)\n", s, ne.Reason, errors.Is(err, codec.ErrNumber))
			continue
		}
		fmt.Printf("%s: ok\n", s)
	}
	// Output:
	// 42: ok
	// -1.5E-130: ok
	// 1E126: magnitude above 9.9999999999999999999999999999999999999E+125 (ErrNumber: true)
	// 1.2.3: unexpected character '.' (ErrNumber: true)
	// 123456789012345678901234567890123456789: 39 significant digits, more than 38 (ErrNumber: true)
}

func ExampleNumberEqual() {
	fmt.Println(codec.NumberEqual("600", "6E2"))
	fmt.Println(codec.NumberEqual("600.00", "+0.6e3"))
	fmt.Println(codec.NumberEqual("-0", "0"))
	fmt.Println(codec.NumberEqual("1", "1.000001"))
	// Output:
	// true
	// true
	// true
	// false
}

func ExampleEqual() {
	a := codec.M(
		codec.S("1").Named("pk"),
		codec.NS("3", "2").Named("nums"),
		codec.L(codec.N("1"), codec.S("x")).Named("list"),
	)
	b := codec.M(
		codec.L(codec.N("1.0"), codec.S("x")).Named("list"),
		codec.NS("2", "3").Named("nums"),
		codec.S("1").Named("pk"),
	)
	c := codec.M(
		codec.S("1").Named("pk"),
		codec.NS("3", "2").Named("nums"),
		codec.L(codec.S("x"), codec.N("1")).Named("list"),
	)
	fmt.Println(codec.Equal(a, b)) // member order, set order and number form do not matter
	fmt.Println(codec.Equal(a, c)) // list order does
	// Output:
	// true
	// false
}

func ExampleAppendPlainNumber() {
	for _, s := range []string{"+5", ".5", "5.", "007", "1.50E+3", "-.000000012"} {
		b, _ := codec.AppendPlainNumber(nil, s)
		fmt.Printf("%s → %s\n", s, b)
	}
	// Output:
	// +5 → 5
	// .5 → 0.5
	// 5. → 5
	// 007 → 7
	// 1.50E+3 → 1.50E+3
	// -.000000012 → -1.2E-8
}

func ExampleAppendCanonicalNumber() {
	for _, s := range []string{"600", "6E2", "600.00", "-0.0", "1.5"} {
		b, _ := codec.AppendCanonicalNumber(nil, s)
		fmt.Printf("%s → %s\n", s, b)
	}
	// Output:
	// 600 → 6E2
	// 6E2 → 6E2
	// 600.00 → 6E2
	// -0.0 → 0
	// 1.5 → 15E-1
}
