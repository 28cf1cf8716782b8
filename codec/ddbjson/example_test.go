package ddbjson_test

import (
	"fmt"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

func ExampleDecoder() {
	data := `{"Item":{"pk":{"S":"user#1"},"age":{"N":"42"},"tags":{"SS":["a","b"]}}}
{"Item":{"pk":{"S":"user#2"},"tags":{"SS":["a","a"]}}}
{"Item":{"pk":{"S":"user#3"},"ok":{"BOOL":true}}}
`
	dec := ddbjson.NewDecoder(strings.NewReader(data), codec.DecodeOptions{
		File: "data/example.json",
		Kind: codec.KindFull,
		OnError: func(e *codec.DecodeError) {
			fmt.Println("bad record:", e.Reason(), "at", e.Path, "line", e.Line)
		},
	})
	for dec.Next() {
		rec := dec.Record()
		pk, _ := rec.Item.Get("pk")
		fmt.Println(dec.Line(), pk.Str, len(rec.Item), "attributes")
	}
	if err := dec.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1 user#1 3 attributes
	// bad record: duplicate_in_set at Item.tags.SS[1] line 2
	// 3 user#3 2 attributes
}

func ExampleDecodeRecord() {
	_, err := ddbjson.DecodeRecord([]byte(`{"Item":{"n":{"N":"1E+126"}}}`), codec.KindFull)
	fmt.Println(err)
	// Output:
	// <input>:1 (offset 18): Item.n: invalid number "1E+126": magnitude above 9.9999999999999999999999999999999999999E+125
}
