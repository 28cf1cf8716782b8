package ion_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ion"
)

func ExampleDecoder() {
	data := `$ion_1_0 {Item:{Id:103.,PageCount:6d2,Authors:$dynamodb_SS::["Author1","Author2"]}}
$ion_1_0 {Item:{Id:104.,Price:1e3}}
$ion_1_0 {Item:{Id:105.,'my-attr':{{aGVsbG8=}}}}
`
	dec := ion.NewDecoder(strings.NewReader(data), codec.DecodeOptions{
		File: "data/example.ion",
		Kind: codec.KindFull,
		OnError: func(e *codec.DecodeError) {
			fmt.Println("bad record:", e.Reason(), "at", e.Path, "line", e.Line)
		},
	})
	for dec.Next() {
		rec := dec.Record()
		fmt.Println(dec.Line(), rec.Item)
	}
	if err := dec.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1 ["Id":{N:103} "PageCount":{N:600} "Authors":{SS:[{S:"Author1"},{S:"Author2"}]}]
	// bad record: bad_number at Item.Price line 2
	// 3 ["Id":{N:105} "my-attr":{B:68656c6c6f}]
}

func ExampleEncoder() {
	enc := ion.NewEncoder(os.Stdout)
	enc.Encode(&codec.Record{Item: codec.Item{
		codec.N("103").Named("Id"), codec.N("600").Named("PageCount"), codec.N("1.50").Named("Price"),
		codec.SS("a", "b").Named("tags"), codec.Null().Named("my attr"),
	}})
	enc.Encode(&codec.Record{WriteTimestampMicros: 1768387654353205, Keys: codec.Item{codec.S("1").Named("pk")},
		NewImage: codec.Item{codec.S("1").Named("pk"), codec.B([]byte("hi")).Named("b")}})
	enc.Close()
	// Output:
	// $ion_1_0 {Item:{Id:103.,PageCount:6d2,Price:1.5,tags:$dynamodb_SS::["a","b"],'my attr':null}}
	// $ion_1_0 {Metadata:{WriteTimestampMicros:1768387654353205.},Keys:{pk:"1"},NewImage:{pk:"1",b:{{aGk=}}}}
}

func ExamplePlainNumber() {
	for _, s := range []string{"6d2", "103.", "-0.5d-3", "1.50", "0d-5", "1d125", "1e0"} {
		n, err := ion.PlainNumber(s)
		fmt.Printf("%s → %q %v\n", s, n, err)
	}
	// Output:
	// 6d2 → "600" <nil>
	// 103. → "103" <nil>
	// -0.5d-3 → "-0.0005" <nil>
	// 1.50 → "1.5" <nil>
	// 0d-5 → "0" <nil>
	// 1d125 → "1E+125" <nil>
	// 1e0 → "" invalid number "1e0": an Ion float, not a decimal (DynamoDB exports write numbers as Ion decimals)
}
