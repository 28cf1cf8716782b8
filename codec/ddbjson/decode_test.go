package ddbjson_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/codec/internal/codectest"
)

// Shorthands for expected values.
var (
	S, N, Bool, Null, M, L, SS, NS = codec.S, codec.N, codec.Bool, codec.Null, codec.M, codec.L, codec.SS, codec.NS
	B, BS, named, item, full       = codectest.B, codectest.BS, codectest.Named, codectest.Item, codectest.Full
)

// format is ddbjson for codectest's checks.
var format = codectest.Format{
	NewDecoder:   func(r io.Reader, opt codec.DecodeOptions) codec.Decoder { return ddbjson.NewDecoder(r, opt) },
	DecodeRecord: ddbjson.DecodeRecord,
}

// Real lines from export-format.md §6.1 and §6.3.
const (
	realFull1   = `{"Item":{"pk":{"S":"1"},"sk":{"S":"3"},"test2":{"S":"2"},"test1":{"S":"1"}}}`
	realFull2   = `{"Item":{"id":{"S":"bar"},"baz":{"N":"0"}}}`
	realFull3   = `{"Item":{"id":{"S":"K3TXQk84Si"},"a":{"BOOL":false},"b":{"NULL":true},"c":{"SS":["8gfX8dh0xa","fRjHZJ2Ce9"]},"d":{"NS":["3","2"]},"e":{"L":[{"N":"1"},{"S":"Dsb87qc6Es"}]},"f":{"M":{"h":{"NULL":true},"i":{"BOOL":true},"g":{"N":"9"}}},"j":{"B":"aGVsbG8="},"k":{"BS":["aXMgZmFzdA==","c2N5bGxhZGI="]}}}`
	realFull4   = `{"Item":{"pk":{"S":"pk001-1605121017583"},"sk":{"S":"sk001"}}}`
	realInsert  = `{"Metadata":{"WriteTimestampMicros":{"N":"1768386096366933"}},"Keys":{"pk":{"S":"2"},"sk":{"S":"1"}},"NewImage":{"pk":{"S":"2"},"sk":{"S":"1"},"test":{"S":"test2"}}}`
	realUpdate  = `{"Metadata":{"WriteTimestampMicros":{"N":"1768387654353205"}},"Keys":{"pk":{"S":"1"},"sk":{"S":"3"}},"OldImage":{"pk":{"S":"1"},"sk":{"S":"3"},"test1":{"S":"1"},"test2":{"S":"2"}},"NewImage":{"bin_update":{"BS":["0000","0001"]},"pk":{"S":"1"},"sk":{"S":"3"},"test1":{"S":"1"},"test2":{"S":"2"}}}`
	realDelete  = `{"Metadata":{"WriteTimestampMicros":{"N":"1768387654353205"}},"Keys":{"pk":{"S":"2"},"sk":{"S":"3"}},"OldImage":{"pk":{"S":"2"},"sk":{"S":"3"},"test":{"S":"test"}}}`
	realRecords = realFull1 + "\n" + realFull2 + "\n" + realFull3 + "\n" + realFull4 + "\n"
)

func mustB64(s string) string {
	var out []byte
	// tiny decoder through the package itself keeps the test honest
	rec, err := ddbjson.DecodeRecord([]byte(`{"Item":{"x":{"B":"`+s+`"}}}`), codec.KindFull)
	if err != nil {
		panic(err)
	}
	out = []byte(rec.Item[0].Str)
	return string(out)
}

var positiveTests = []struct {
	name  string
	input string // one or more lines
	kind  codec.Kind
	want  []*codec.Record
}{
	{name: "real full 1", input: realFull1 + "\n", want: []*codec.Record{full(
		named("pk", S("1")), named("sk", S("3")), named("test2", S("2")), named("test1", S("1")))}},
	{name: "real full 2", input: realFull2 + "\n", kind: codec.KindFull, want: []*codec.Record{full(
		named("id", S("bar")), named("baz", N("0")))}},
	{name: "real full 3", input: realFull3 + "\n", want: []*codec.Record{full(
		named("id", S("K3TXQk84Si")),
		named("a", Bool(false)),
		named("b", Null()),
		named("c", SS("8gfX8dh0xa", "fRjHZJ2Ce9")),
		named("d", NS("3", "2")),
		named("e", L(N("1"), S("Dsb87qc6Es"))),
		named("f", M(named("h", Null()), named("i", Bool(true)), named("g", N("9")))),
		named("j", B("hello")),
		named("k", BS("is fast", "scylladb")),
	)}},
	{name: "real full 4", input: realFull4, want: []*codec.Record{full(
		named("pk", S("pk001-1605121017583")), named("sk", S("sk001")))}},
	{name: "real insert", input: realInsert + "\n", kind: codec.KindChange, want: []*codec.Record{{
		WriteTimestampMicros: 1768386096366933,
		Keys:                 item(named("pk", S("2")), named("sk", S("1"))),
		NewImage:             item(named("pk", S("2")), named("sk", S("1")), named("test", S("test2"))),
	}}},
	{name: "real update", input: realUpdate + "\n", want: []*codec.Record{{
		WriteTimestampMicros: 1768387654353205,
		Keys:                 item(named("pk", S("1")), named("sk", S("3"))),
		OldImage:             item(named("pk", S("1")), named("sk", S("3")), named("test1", S("1")), named("test2", S("2"))),
		NewImage: item(named("bin_update", BS(mustB64("0000"), mustB64("0001"))),
			named("pk", S("1")), named("sk", S("3")), named("test1", S("1")), named("test2", S("2"))),
	}}},
	{name: "real delete", input: realDelete + "\n", kind: codec.KindChange, want: []*codec.Record{{
		WriteTimestampMicros: 1768387654353205,
		Keys:                 item(named("pk", S("2")), named("sk", S("3"))),
		OldImage:             item(named("pk", S("2")), named("sk", S("3")), named("test", S("test"))),
	}}},
	{name: "delete under NEW_IMAGE: Keys alone", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}}}`, kind: codec.KindChange,
		want: []*codec.Record{{WriteTimestampMicros: 1, Keys: item(named("k", S("1")))}}},
	{name: "change keys in any order, unknown metadata",
		input: `{"NewImage":{"a":{"N":"1"}},"Keys":{"a":{"N":"1"}},"Metadata":{"x":[1,{"y":null}],"WriteTimestampMicros":{"N":"0"},"z":"\u00e9"}}`,
		want:  []*codec.Record{{Keys: item(named("a", N("1"))), NewImage: item(named("a", N("1")))}}},
	{name: "both images, largest timestamp", input: `{"Metadata":{"WriteTimestampMicros":{"N":"9223372036854775807"}},"Keys":{"k":{"S":""}},"OldImage":{"k":{"S":""}},"NewImage":{"k":{"S":""}}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1<<63 - 1, Keys: item(named("k", S(""))), OldImage: item(named("k", S(""))), NewImage: item(named("k", S("")))}}},
	{name: "timestamp in exponent notation", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1.6999992001E+15"}},"Keys":{"k":{"S":"1"}}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1699999200100000, Keys: item(named("k", S("1")))}}},
	{name: "timestamp in decimal notation", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1768387654353205.0"}},"Keys":{"k":{"S":"1"}}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1768387654353205, Keys: item(named("k", S("1")))}}},
	{name: "escaped names", input: `{"Item":{"\u0041ttr":{"S":"a\/b\"c\\d\b\f\n\r\t"},"\ud83d\ude00":{"S":"\u00e9\u20ac\uD834\uDD1E"}}}`,
		want: []*codec.Record{full(named("Attr", S("a/b\"c\\d\b\f\n\r\t")), named("😀", S("é€𝄞")))}},
	{name: "escaped type descriptors and record keys", input: `{"\u0049tem":{"a":{"\u0053":"x"},"b":{"B\u004fOL":true},"c":{"\u004e\u0053":["1"]},"d":{"N\u0055LL":true}}}`,
		want: []*codec.Record{full(named("a", S("x")), named("b", Bool(true)), named("c", NS("1")), named("d", Null()))}},
	{name: "raw UTF-8", input: `{"Item":{"名前":{"S":"日本語 – ünïcödé 😀"}}}`,
		want: []*codec.Record{full(named("名前", S("日本語 – ünïcödé 😀")))}},
	{name: "whitespace everywhere", input: " \t{ \"Item\" : { \"a\" : { \"L\" : [ { \"N\" : \"1\" } , { \"M\" : { \"x\" : { \"NULL\" : true } } } ] } , \"b\"\t:\t{\t\"SS\"\t:\t[\t\"x\"\t,\t\"y\"\t]\t}\t}\t}\t\r",
		want: []*codec.Record{full(named("a", L(N("1"), M(named("x", Null())))), named("b", SS("x", "y")))}},
	{name: "pretty printed within a line", input: "{\r\"Item\": {\r  \"a\": {\"BS\": [\"AA==\", \"AAA=\"]},\r  \"b\": {\"M\": {}}\r}\r}",
		want: []*codec.Record{full(named("a", BS("\x00", "\x00\x00")), named("b", M()))}},
	{name: "number limits", input: `{"Item":{"a":{"N":"1E-130"},"b":{"N":"-9.9999999999999999999999999999999999999E+125"},"c":{"N":"12345678901234567890123456789012345678"},"d":{"N":"0.000"},"e":{"N":"+.5e3"},"f":{"NS":["1e125","-1E-130","0"]}}}`,
		want: []*codec.Record{full(named("a", N("1E-130")), named("b", N("-9.9999999999999999999999999999999999999E+125")),
			named("c", N("12345678901234567890123456789012345678")), named("d", N("0.000")), named("e", N("+.5e3")),
			named("f", NS("1e125", "-1E-130", "0")))}},
	{name: "empty S B M L", input: `{"Item":{"s":{"S":""},"b":{"B":""},"m":{"M":{}},"l":{"L":[]}}}`,
		want: []*codec.Record{full(named("s", S("")), named("b", B("")), named("m", M()), named("l", L()))}},
	{name: "CRLF", input: realFull2 + "\r\n" + realFull4 + "\r\n", want: []*codec.Record{
		full(named("id", S("bar")), named("baz", N("0"))),
		full(named("pk", S("pk001-1605121017583")), named("sk", S("sk001")))}},
	{name: "unterminated final line", input: realFull2 + "\n" + realFull4, want: []*codec.Record{
		full(named("id", S("bar")), named("baz", N("0"))),
		full(named("pk", S("pk001-1605121017583")), named("sk", S("sk001")))}},
	{name: "nested", input: `{"Item":{"m":{"M":{"l":{"L":[{"L":[]},{"M":{"n":{"NS":["1","2"]}}},{"BOOL":false}]}}}}}`,
		want: []*codec.Record{full(named("m", M(named("l", L(L(), M(named("n", NS("1", "2"))), Bool(false))))))}},
	{name: "base64 with escaped slash", input: `{"Item":{"b":{"B":"\/\/8="}}}`, want: []*codec.Record{full(named("b", B("\xff\xff")))}},
	{name: "large map and sets", input: largeItemLine(40),
		want: []*codec.Record{largeItem(40)}},
}

func largeItemLine(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"Item":{`)
	for i := range n {
		fmt.Fprintf(&sb, `"a%d":{"N":"%d"},`, i, i)
	}
	sb.WriteString(`"ss":{"SS":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"s%d"`, i)
	}
	sb.WriteString(`]},"ns":{"NS":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"%d"`, i)
	}
	sb.WriteString(`]}}}`)
	return sb.String()
}

func largeItem(n int) *codec.Record {
	var it codec.Item
	var ss, ns []string
	for i := range n {
		it = append(it, named(fmt.Sprintf("a%d", i), N(fmt.Sprint(i))))
		ss = append(ss, fmt.Sprintf("s%d", i))
		ns = append(ns, fmt.Sprint(i))
	}
	it = append(it, named("ss", SS(ss...)), named("ns", NS(ns...)))
	return &codec.Record{Item: it}
}

func TestDecodePositive(t *testing.T) {
	for _, tt := range positiveTests {
		t.Run(tt.name, func(t *testing.T) { format.CheckGood(t, tt.input, tt.kind, tt.want) })
	}
}

// marker marks the expected error position in negative test inputs.
const marker = codectest.Marker

func deepL(n int) string {
	return `{"Item":{"a":` + strings.Repeat(`{"L":[`, n-1) + marker + `{"N":"1"}` + strings.Repeat(`]}`, n-1) + `}}`
}

var negativeTests = []struct {
	name  string
	input string // marker at the error position; Line is derived from it
	kind  codec.Kind
	err   error
	path  string
}{
	{name: "invalid JSON", input: `{"Item":{"a":{"S":"x"}¶]}}`, err: codec.ErrSyntax},
	{name: "missing colon", input: `{"Item":{"a"¶{"S":"x"}}}`, err: codec.ErrSyntax},
	{name: "truncated", input: `{"Item":{"a":{"S":"x"}}¶`, err: codec.ErrSyntax},
	{name: "truncated string", input: `{"Item":{"a":{"S":"x¶`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "not JSON", input: `¶Item`, err: codec.ErrSyntax},
	{name: "bad literal", input: `{"Item":{"a":{"BOOL":tru¶x}}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "invalid escape", input: `{"Item":{"a":{"S":"\¶x"}}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "bad hex escape", input: `{"Item":{"a":{"S":"\u00¶g0"}}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "control character", input: "{\"Item\":{\"a\":{\"S\":\"x¶\ty\"}}}", err: codec.ErrSyntax, path: "Item.a"},
	{name: "unknown type", input: `{"Item":{"a":{¶"X":"1"}}}`, err: codec.ErrUnknownType, path: "Item.a"},
	{name: "lowercase type", input: `{"Item":{"a":{"M":{"b":{¶"s":"1"}}}}}`, err: codec.ErrUnknownType, path: "Item.a.M.b"},
	{name: "two type keys", input: `{"Item":{"a":{"S":"x",¶"N":"1"}}}`, err: codec.ErrTypeCount, path: "Item.a"},
	{name: "empty type object", input: `{"Item":{"a":¶{}}}`, err: codec.ErrTypeCount, path: "Item.a"},
	{name: "value not an object", input: `{"Item":{"a":¶"x"}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "empty set", input: `{"Item":{"a":{"SS":¶[]}}}`, err: codec.ErrEmptySet, path: "Item.a.SS"},
	{name: "duplicate in SS", input: `{"Item":{"tags":{"SS":["a","b",¶"a"]}}}`, err: codec.ErrDuplicateInSet, path: "Item.tags.SS[2]"},
	{name: "duplicate in NS", input: `{"Item":{"n":{"NS":["1",¶"1.0"]}}}`, err: codec.ErrDuplicateInSet, path: "Item.n.NS[1]"},
	{name: "duplicate in NS exponent", input: `{"Item":{"n":{"NS":["600","7",¶"6E2"]}}}`, err: codec.ErrDuplicateInSet, path: "Item.n.NS[2]"},
	{name: "duplicate in BS", input: `{"Item":{"b":{"BS":["aGVsbG8=",¶"aGVsbG8="]}}}`, err: codec.ErrDuplicateInSet, path: "Item.b.BS[1]"},
	{name: "duplicate in large SS", input: `{"Item":{"b":{"SS":["0","1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17",¶"3"]}}}`, err: codec.ErrDuplicateInSet, path: "Item.b.SS[18]"},
	{name: "duplicate in large NS", input: `{"Item":{"b":{"NS":["0","1","2","3","4","5","6","7","8","9","10","11","1.5",¶"1.50"]}}}`, err: codec.ErrDuplicateInSet, path: "Item.b.NS[13]"},
	{name: "duplicate in large BS", input: `{"Item":{"b":{"BS":["AA==","AQ==","Ag==","Aw==","BA==","BQ==","Bg==","Bw==","CA==","CQ==",¶"BA=="]}}}`, err: codec.ErrDuplicateInSet, path: "Item.b.BS[10]"},
	{name: "duplicate in spaced set", input: `{"Item":{"b":{"SS":[ "a" , "\u0062" ,` + "	" + `¶"a" ]}}}`, err: codec.ErrDuplicateInSet, path: "Item.b.SS[2]"},
	{name: "duplicate in spaced map", input: `{"Item":{"m":{"M":{ "a" : {"L":[{"S":"}"}]} , "b" : {"NULL":true} , ¶"a" : {"S":"x"} }}}}`, err: codec.ErrDuplicateName, path: "Item.m.M.a"},
	{name: "non-string in set", input: `{"Item":{"b":{"NS":["1",¶2]}}}`, err: codec.ErrValue, path: "Item.b.NS[1]"},
	{name: "bad base64 length", input: `{"Item":{"b":{"B":¶"aGVsbG8"}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "bad base64 char", input: `{"Item":{"b":{"B":"aGV¶$bG8="}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 without padding", input: `{"Item":{"b":{"BS":["AA==",¶"AAA"]}}}`, err: codec.ErrBase64, path: "Item.b.BS[1]"},
	{name: "base64 unused bits", input: `{"Item":{"b":{"B":"aGVsbG¶9="}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 unused bits 2", input: `{"Item":{"b":{"B":"Q¶R=="}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 padding inside", input: `{"Item":{"b":{"B":"AA¶=AAAAA"}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 bad padding", input: `{"Item":{"b":{"B":"AA¶=A"}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 escaped newline", input: `{"Item":{"b":{"B":¶"AA\n=="}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "39 significant digits", input: `{"Item":{"n":{"N":¶"123456789012345678901234567890123456789"}}}`, err: codec.ErrNumber, path: "Item.n"},
	{name: "1E-131", input: `{"Item":{"n":{"N":¶"1E-131"}}}`, err: codec.ErrNumber, path: "Item.n"},
	{name: "1E+126", input: `{"Item":{"n":{"N":¶"1E+126"}}}`, err: codec.ErrNumber, path: "Item.n"},
	{name: "not a number", input: `{"Item":{"n":{"L":[{"N":¶"12a"}]}}}`, err: codec.ErrNumber, path: "Item.n.L[0]"},
	{name: "bad number in NS", input: `{"Item":{"n":{"NS":["1",¶""]}}}`, err: codec.ErrNumber, path: "Item.n.NS[1]"},
	{name: "N as JSON number", input: `{"Item":{"n":{"N":¶12}}}`, err: codec.ErrValue, path: "Item.n"},
	{name: "NULL false", input: `{"Item":{"z":{"NULL":¶false}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "NULL null", input: `{"Item":{"z":{"NULL":¶null}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "BOOL as string", input: `{"Item":{"z":{"BOOL":¶"true"}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "M as array", input: `{"Item":{"z":{"M":¶[]}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "L as object", input: `{"Item":{"z":{"L":¶{}}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "SS as string", input: `{"Item":{"z":{"SS":¶"a"}}}`, err: codec.ErrValue, path: "Item.z"},
	{name: "wrong type with bad JSON is syntax", input: `{"Item":{"z":{"M":[1,¶]}}}`, err: codec.ErrSyntax, path: "Item.z"},
	{name: "duplicate attribute", input: `{"Item":{"a":{"S":"x"},¶"a":{"S":"y"}}}`, err: codec.ErrDuplicateName, path: "Item.a"},
	{name: "duplicate member", input: `{"NewImage":{"m":{"M":{"x":{"S":"1"},¶"x":{"N":"1"}}}},"Keys":{"k":{"S":"1"}},"Metadata":{"WriteTimestampMicros":{"N":"1"}}}`, err: codec.ErrDuplicateName, path: "NewImage.m.M.x"},
	{name: "duplicate escaped name", input: `{"Item":{"a":{"S":"x"},¶"\u0061":{"S":"y"}}}`, err: codec.ErrDuplicateName, path: "Item.a"},
	{name: "duplicate in large map", input: `{"Item":{"a0":{"S":""},"a1":{"S":""},"a2":{"S":""},"a3":{"S":""},"a4":{"S":""},"a5":{"S":""},"a6":{"S":""},"a7":{"S":""},"a8":{"S":""},"a9":{"S":""},"a10":{"S":""},"a11":{"S":""},"a12":{"S":""},"a13":{"S":""},"a14":{"S":""},"a15":{"S":""},"a16":{"S":""},¶"a3":{"S":""}}}`, err: codec.ErrDuplicateName, path: "Item.a3"},
	{name: "duplicate key attribute", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"},¶"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrDuplicateName, path: "Keys.k"},
	{name: "trailing garbage", input: `{"Item":{"a":{"S":"x"}}} ¶x`, err: codec.ErrTrailingData},
	{name: "second record on the line", input: `{"Item":{"a":{"S":"x"}}}¶{"Item":{"a":{"S":"x"}}}`, err: codec.ErrTrailingData},
	{name: "missing Item", input: `¶{}`, kind: codec.KindFull, err: codec.ErrRecordShape},
	{name: "no known key", input: `¶{}`, err: codec.ErrRecordShape},
	{name: "unknown top-level key", input: `{"Item":{"a":{"S":"x"}},¶"Foo":{}}`, err: codec.ErrRecordShape},
	{name: "lowercase top-level key", input: `{¶"item":{}}`, err: codec.ErrRecordShape},
	{name: "duplicate Item", input: `{"Item":{"a":{"S":"x"}},¶"Item":{"a":{"S":"x"}}}`, err: codec.ErrRecordShape},
	{name: "Item not an object", input: `{"Item":¶[]}`, err: codec.ErrRecordShape},
	{name: "Item null", input: `{"Item":¶null}`, err: codec.ErrRecordShape},
	{name: "record not an object", input: `¶[{"Item":{}}]`, err: codec.ErrRecordShape},
	{name: "Item with Keys", input: `{"Item":{"a":{"S":"x"}},¶"Keys":{"a":{"S":"x"}}}`, err: codec.ErrRecordShape},
	{name: "Keys with Item", input: `{"Keys":{"a":{"S":"x"}},¶"Item":{"a":{"S":"x"}}}`, err: codec.ErrRecordShape},
	{name: "full record in change file", input: `{¶"Item":{}}`, kind: codec.KindChange, err: codec.ErrRecordShape},
	{name: "change record in full file", input: `{¶"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, kind: codec.KindFull, err: codec.ErrRecordShape},
	{name: "bare-number WriteTimestampMicros", input: `{"Metadata":{"WriteTimestampMicros":¶1768387654353205},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "negative timestamp", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"-5"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "fractional timestamp", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"1.5"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "negative timestamp in exponent notation", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"-1.5E+3"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "fractional timestamp in exponent notation", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"1.6999992001E+9"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "fractional timestamp with trailing zeros", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"12.50"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "timestamp overflow in exponent notation", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"9.223372036854775808E+18"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "timestamp overflow in decimal notation", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"9223372036854775808.000"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "huge timestamp", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"1E+125"}},"Keys":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "timestamp overflow", input: `{"Metadata":{"WriteTimestampMicros":¶{"N":"9223372036854775808"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "string timestamp", input: `{"Metadata":{"WriteTimestampMicros":¶{"S":"1"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "invalid timestamp number", input: `{"Metadata":{"WriteTimestampMicros":{"N":¶"x"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrNumber, path: "Metadata.WriteTimestampMicros"},
	{name: "no timestamp", input: `{"Metadata":¶{"Other":1},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrRecordShape},
	{name: "bad JSON in metadata", input: `{"Metadata":{"Other":[1,¶}],"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},"NewImage":{}}`, err: codec.ErrSyntax},
	{name: "Keys missing", input: `¶{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"NewImage":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape},
	{name: "Keys empty", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},¶"Keys":{},"NewImage":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape},
	{name: "Item empty", input: `{¶"Item":{}}`, err: codec.ErrRecordShape},
	{name: "Item empty with spaces", input: `{ ¶"Item" : { } }`, kind: codec.KindFull, err: codec.ErrRecordShape},
	{name: "NewImage empty", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},¶"NewImage":{}}`, err: codec.ErrRecordShape},
	{name: "OldImage empty", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},¶"OldImage":{},"NewImage":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape},
	{name: "empty images", input: `{"Metadata":{"WriteTimestampMicros":{"N":"9223372036854775807"}},"Keys":{"k":{"S":""}},¶"OldImage":{},"NewImage":{}}`, err: codec.ErrRecordShape},
	{name: "empty name in Item", input: `{"Item":{¶"":{"S":"x"}}}`, err: codec.ErrValue, path: "Item"},
	{name: "empty name after others", input: `{"Item":{"a":{"S":"x"}, ¶"":{"S":"x"}}}`, err: codec.ErrValue, path: "Item"},
	{name: "empty name with spaces", input: `{"Item":{"a":{"S":"x"},¶""  :{"S":"x"}}}`, err: codec.ErrValue, path: "Item"},
	{name: "empty name in Keys", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{¶"":{"S":"1"}},"NewImage":{"k":{"S":"1"}}}`, err: codec.ErrValue, path: "Keys"},
	{name: "empty name in NewImage", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},"NewImage":{"k":{"S":"1"},¶"":{"N":"1"}}}`, err: codec.ErrValue, path: "NewImage"},
	{name: "empty name in OldImage", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},"OldImage":{¶"":{"N":"1"}}}`, err: codec.ErrValue, path: "OldImage"},
	{name: "empty name in a map", input: `{"Item":{"k":{"S":"1"},"m":{"M":{"a":{"NULL":true},¶"":{"S":"x"}}}}}`, err: codec.ErrValue, path: "Item.m.M"},
	{name: "empty name in a map in a list", input: `{"Item":{"k":{"S":"1"},"l":{"L":[{"M":{¶"":{"S":"x"}}}]}}}`, err: codec.ErrValue, path: "Item.l.L[0].M"},
	{name: "no metadata", input: `¶{"Keys":{"k":{"S":"1"}},"NewImage":{"k":{"S":"1"}}}`, err: codec.ErrRecordShape},
	{name: "null image", input: `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"k":{"S":"1"}},"NewImage":¶null}`, err: codec.ErrRecordShape},
	{name: "empty line", input: realFull2 + "\n¶\n" + realFull4, err: codec.ErrEmptyLine},
	{name: "whitespace line", input: realFull2 + "\n¶ \t\r\n" + realFull4, err: codec.ErrEmptyLine},
	{name: "invalid UTF-8", input: "{\"Item\":{\"a\":{\"S\":\"x¶\xffy\"}}}", err: codec.ErrUTF8, path: "Item.a"},
	{name: "invalid UTF-8 in name", input: "{\"Item\":{\"a¶\xc3(\":{\"S\":\"x\"}}}", err: codec.ErrUTF8},
	{name: "encoded surrogate", input: "{\"Item\":{\"a\":{\"S\":\"¶\xed\xa0\x80\"}}}", err: codec.ErrUTF8, path: "Item.a"},
	{name: "lone surrogate", input: `{"Item":{"a":{"S":"x¶\ud800"}}}`, err: codec.ErrUTF8, path: "Item.a"},
	{name: "lone low surrogate", input: `{"Item":{"a":{"S":"¶\udc00\ud800"}}}`, err: codec.ErrUTF8, path: "Item.a"},
	{name: "high surrogate then letter", input: `{"Item":{"a":{"SS":["¶\ud800\u0041"]}}}`, err: codec.ErrUTF8, path: "Item.a.SS[0]"},
	{name: "too deep", input: deepL(ddbjson.MaxDepth + 1), err: codec.ErrTooDeep},
	{name: "error on line 3", input: realFull1 + "\n" + realFull2 + "\n" + `{"Item":{"a":{"N":¶"1e999"}}}` + "\n" + realFull3, err: codec.ErrNumber, path: "Item.a"},
}

func TestDecodeNegative(t *testing.T) {
	for _, tt := range negativeTests {
		t.Run(tt.name, func(t *testing.T) { format.CheckBad(t, tt.input, tt.kind, tt.err, tt.path, "f.json") })
	}
}

func TestOnErrorContinues(t *testing.T) {
	input := realFull1 + "\n" +
		`{"Item":{"a":{"SS":[]}}}` + "\n" + // line 2: empty set
		"\n" + // line 3: empty line
		realFull2 + "\n" +
		`{"Item":` + "\n" + // line 5: syntax
		strings.Repeat("x", 100) + "\n" + // line 6: too long
		realFull4 + "\n" +
		strings.Repeat("y", 200) // line 8: too long, unterminated
	for _, reuse := range []bool{false, true} {
		var errs []*codec.DecodeError
		opt := codec.DecodeOptions{MaxRecordBytes: 90, ReuseRecord: reuse, OnError: func(e *codec.DecodeError) { errs = append(errs, e) }}
		d := ddbjson.NewDecoder(iotest.HalfReader(strings.NewReader(input)), opt)
		var lines []int64
		var recs []*codec.Record
		for d.Next() {
			lines = append(lines, d.Line())
			recs = append(recs, d.Record().Clone())
		}
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
		if fmt.Sprint(lines) != "[1 4 7]" {
			t.Errorf("record lines %v, want [1 4 7]", lines)
		}
		if len(recs) == 3 && (recs[0].Item[2].Name != "test2" || recs[2].Item[0].Str != "pk001-1605121017583") {
			t.Errorf("wrong records: %v", recs)
		}
		type got struct {
			line   int64
			reason string
			offset int64
		}
		var gotErrs []got
		for _, e := range errs {
			gotErrs = append(gotErrs, got{e.Line, e.Reason(), e.Offset})
		}
		l2 := int64(len(realFull1) + 1)
		l3 := l2 + 25
		l5 := l3 + 1 + int64(len(realFull2)) + 1
		l6 := l5 + 9
		l8 := l6 + 101 + int64(len(realFull4)) + 1
		want := []got{{2, "empty_set", l2 + 19}, {3, "empty_line", l3}, {5, "syntax", l5 + 8}, {6, "record_too_long", l6 + 90}, {8, "record_too_long", l8 + 90}}
		if fmt.Sprint(gotErrs) != fmt.Sprint(want) {
			t.Errorf("errors\n got %v\nwant %v", gotErrs, want)
		}
		if d.Line() != 8 || d.InputOffset() != int64(len(input)) {
			t.Errorf("Line %d InputOffset %d, want 8 %d", d.Line(), d.InputOffset(), len(input))
		}
	}
}

func TestRecordTooLongStops(t *testing.T) {
	input := realFull2 + "\n" + `{"Item":{"a":{"S":"` + strings.Repeat("x", 5000) + `"}}}` + "\n" + realFull4 + "\n"
	recs, err := format.DecodeAll(input, codec.DecodeOptions{MaxRecordBytes: 1000})
	var de *codec.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, codec.ErrRecordTooLong) || de.Line != 2 || de.Offset != int64(len(realFull2)+1+1000) {
		t.Fatalf("err = %v", err)
	}
	if len(recs) != 1 {
		t.Errorf("%d records", len(recs))
	}
	// Exactly at the limit is fine.
	line := `{"Item":{"a":{"S":"` + strings.Repeat("x", 100) + `"}}}`
	recs, err = format.DecodeAll(line+"\n"+line, codec.DecodeOptions{MaxRecordBytes: len(line)})
	if err != nil || len(recs) != 2 {
		t.Fatalf("at the limit: %v, %d records", err, len(recs))
	}
	_, err = format.DecodeAll(line+"\n"+line, codec.DecodeOptions{MaxRecordBytes: len(line) - 1})
	if !errors.Is(err, codec.ErrRecordTooLong) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestLongLines(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 2<<20/16) // 2 MiB
	bin := bytes.Repeat([]byte{0, 1, 2, 0xff}, 300<<10)
	var it codec.Item
	it = append(it, named("big", S(big)), named("bin", codec.B(bin)))
	for i := range 5000 {
		it = append(it, named(fmt.Sprintf("n%d", i), N(fmt.Sprint(i*7))))
	}
	rec := &codec.Record{Item: it}
	line := ddbjson.AppendRecord(nil, rec)
	if len(line) < 3<<20 {
		t.Fatalf("line is only %d bytes", len(line))
	}
	input := string(line) + "\n" + realFull2 + "\n" + string(line) + "\n"
	for _, r := range []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r },
		iotest.HalfReader,
		iotest.DataErrReader,
	} {
		d := ddbjson.NewDecoder(r(strings.NewReader(input)), codec.DecodeOptions{})
		var recs []*codec.Record
		for d.Next() {
			recs = append(recs, d.Record())
		}
		if err := d.Err(); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || !codectest.SameRecord(recs[0], rec) || !codectest.SameRecord(recs[2], rec) {
			t.Fatal("long records differ")
		}
	}
	d := ddbjson.NewDecoder(iotest.OneByteReader(strings.NewReader(input)), codec.DecodeOptions{ReuseRecord: true})
	n := 0
	for d.Next() {
		n++
	}
	if d.Err() != nil || n != 3 {
		t.Fatalf("one byte reader: %v, %d records", d.Err(), n)
	}
}

func TestFramingSmallReads(t *testing.T) {
	var input strings.Builder
	var want []*codec.Record
	for i := range 200 {
		r := &codec.Record{Item: codec.Item{named("pk", S(strings.Repeat("k", i))), named("n", N(fmt.Sprint(i)))}}
		want = append(want, r)
		input.Write(ddbjson.AppendRecord(nil, r))
		if i%3 == 0 {
			input.WriteByte('\r')
		}
		input.WriteByte('\n')
	}
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"onebyte": iotest.OneByteReader, "half": iotest.HalfReader, "dataerr": iotest.DataErrReader,
	} {
		t.Run(name, func(t *testing.T) {
			d := ddbjson.NewDecoder(wrap(strings.NewReader(input.String())), codec.DecodeOptions{MaxRecordBytes: 300})
			k := 0
			for d.Next() {
				if !codectest.SameRecord(d.Record(), want[k]) {
					t.Fatalf("record %d differs", k)
				}
				k++
			}
			if d.Err() != nil || k != len(want) {
				t.Fatalf("%v, %d records", d.Err(), k)
			}
		})
	}
}

type errAfterReader struct {
	data string
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	gzErr := fmt.Errorf("%w: truncated gzip stream: %w", codec.ErrCompressed, io.ErrUnexpectedEOF)
	for _, tail := range []string{"", `{"Item":{"a":`} {
		var errs int
		d := ddbjson.NewDecoder(&errAfterReader{data: realRecords + tail, err: gzErr}, codec.DecodeOptions{OnError: func(*codec.DecodeError) { errs++ }})
		n := 0
		for d.Next() {
			n++
		}
		err := d.Err()
		if n != 4 || errs != 0 {
			t.Errorf("%d records, %d record errors", n, errs)
		}
		if !errors.Is(err, codec.ErrCompressed) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Err() = %v", err)
		}
		var de *codec.DecodeError
		if errors.As(err, &de) {
			t.Errorf("a read error became a DecodeError: %v", err)
		}
		if d.Next() {
			t.Error("Next after a read error")
		}
	}
	// A read error while skipping a long line.
	d := ddbjson.NewDecoder(&errAfterReader{data: strings.Repeat("x", 1000), err: io.ErrUnexpectedEOF}, codec.DecodeOptions{MaxRecordBytes: 10, OnError: func(*codec.DecodeError) {}})
	for d.Next() {
	}
	if d.Err() != io.ErrUnexpectedEOF {
		t.Errorf("Err() = %v", d.Err())
	}
}

func TestEmptyInput(t *testing.T) {
	for _, in := range []string{"", "\n"} {
		recs, err := format.DecodeAll(in, codec.DecodeOptions{OnError: func(*codec.DecodeError) {}})
		if len(recs) != 0 || err != nil {
			t.Errorf("%q: %d records, %v", in, len(recs), err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	compact := []string{realFull1, realFull2, realFull3, realFull4, realInsert, realUpdate, realDelete,
		`{"Item":{"s":{"S":""},"b":{"B":""},"m":{"M":{}},"l":{"L":[]},"e":{"S":"tab\there \"q\" \\ é 😀 \u0001"}}}`,
	}
	var inputs []string
	inputs = append(inputs, compact...)
	for _, tt := range positiveTests {
		inputs = append(inputs, strings.Split(strings.TrimRight(tt.input, "\n"), "\n")...)
	}
	for _, line := range inputs {
		rec, err := ddbjson.DecodeRecord([]byte(line), codec.KindAny)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		enc := ddbjson.AppendRecord(nil, rec)
		rec2, err := ddbjson.DecodeRecord(enc, codec.KindAny)
		if err != nil {
			t.Fatalf("%s: re-encoded %s: %v", line, enc, err)
		}
		if !codectest.EqualRecord(rec, rec2) || !codectest.SameRecord(rec, rec2) {
			t.Errorf("round trip differs:\n%s\n%s", line, enc)
		}
	}
	for _, line := range compact {
		rec, _ := ddbjson.DecodeRecord([]byte(line), codec.KindAny)
		if enc := ddbjson.AppendRecord(nil, rec); string(enc) != line {
			t.Errorf("not byte-identical:\n got %s\nwant %s", enc, line)
		}
	}
}

func TestReuseRecord(t *testing.T) {
	input := realRecords + realInsert + "\n" + realUpdate + "\n" + realDelete + "\n" + `{"Item":{"e":{"S":"\u00e9\/"},"b":{"B":"aGVsbG8="}}}` + "\n"
	owned := ddbjson.NewDecoder(strings.NewReader(input), codec.DecodeOptions{})
	var kept []*codec.Record
	for owned.Next() {
		kept = append(kept, owned.Record())
	}
	if owned.Err() != nil {
		t.Fatal(owned.Err())
	}
	for i := 1; i < len(kept); i++ {
		if kept[i] == kept[i-1] {
			t.Fatal("owned records share a Record")
		}
	}
	reuse := ddbjson.NewDecoder(strings.NewReader(input), codec.DecodeOptions{ReuseRecord: true})
	k := 0
	var first *codec.Record
	for reuse.Next() {
		if first == nil {
			first = reuse.Record()
		} else if reuse.Record() != first {
			t.Error("ReuseRecord returned a new Record")
		}
		if !codectest.SameRecord(reuse.Record(), kept[k]) {
			t.Errorf("record %d differs: %s vs %s", k, codectest.FmtRecord(reuse.Record()), codectest.FmtRecord(kept[k]))
		}
		k++
	}
	// The owned records are intact after all later Next calls and a Reset.
	owned.Reset(strings.NewReader(strings.Repeat(`{"Item":{"zzzz":{"S":"zzzzzzzzzzzzzzzzzzzzzzzzzz"}}}`+"\n", 100)), codec.DecodeOptions{})
	for owned.Next() {
	}
	want, _ := format.DecodeAll(input, codec.DecodeOptions{})
	for i := range kept {
		if !codectest.SameRecord(kept[i], want[i]) {
			t.Errorf("owned record %d changed: %s", i, codectest.FmtRecord(kept[i]))
		}
	}
}

func TestReset(t *testing.T) {
	d := ddbjson.NewDecoder(strings.NewReader(`{"Item":`), codec.DecodeOptions{ReuseRecord: true})
	for d.Next() {
	}
	if !errors.Is(d.Err(), codec.ErrSyntax) {
		t.Fatal(d.Err())
	}
	for range 3 {
		d.Reset(strings.NewReader(realRecords), codec.DecodeOptions{File: "x", ReuseRecord: true})
		n := 0
		for d.Next() {
			n++
		}
		if d.Err() != nil || n != 4 || d.Line() != 4 || d.InputOffset() != int64(len(realRecords)) {
			t.Fatalf("after Reset: %v, %d records, line %d", d.Err(), n, d.Line())
		}
	}
}

func TestDecodeRecordOwned(t *testing.T) {
	line := []byte(realFull3)
	rec, err := ddbjson.DecodeRecord(line, codec.KindFull)
	if err != nil {
		t.Fatal(err)
	}
	want := rec.Clone()
	for i := range line {
		line[i] = 'x'
	}
	if !codectest.SameRecord(rec, want) {
		t.Fatal("DecodeRecord's record aliases its input")
	}
	if _, err := ddbjson.DecodeRecord([]byte(realInsert), codec.KindFull); !errors.Is(err, codec.ErrRecordShape) {
		t.Fatalf("kind: %v", err)
	}
}

func TestDecodeAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	reused, owned := codectest.Allocs(t, ddbjson.NewDecoder(nil, codec.DecodeOptions{}), genLines(1, 200, 300, 2000))
	if reused > 2 {
		t.Errorf("ReuseRecord: %v allocations per file of 200 records", reused)
	}
	if owned > 3*200+2 {
		t.Errorf("owned: %v allocations per file of 200 records", owned)
	}
}

// WriteTimestampMicros may be written in any valid number notation; its
// value must be an integer in [0, 2^63-1].
func TestTimestampNotation(t *testing.T) {
	for _, tt := range []struct {
		n    string
		want int64 // -1: rejected
	}{
		{"0", 0}, {"007", 7}, {"0.000", 0}, {"-0", 0}, {"0E+999", 0}, {"+12", 12},
		{"1E+1", 10}, {"1200E-2", 12}, {"1.2e1", 12}, {".5E1", 5}, {"5.", 5},
		{"1768387654353205", 1768387654353205}, {"1768387654353205.0", 1768387654353205},
		{"1.6999992001E+15", 1699999200100000}, {"16999992001E5", 1699999200100000},
		{"9223372036854775807", 1<<63 - 1}, {"9.223372036854775807E18", 1<<63 - 1},
		{"922337203685477580700E-2", 1<<63 - 1}, {"00000000000000000000001", 1},
		{"999999999999999999", 999999999999999999},
		{"9223372036854775808", -1}, {"1E19", -1}, {"9.3E18", -1}, {"99999999999999999999", -1},
		{"1.5", -1}, {"1E-1", -1}, {"10E-2", -1}, {"1.0000000000000000000000000000000000001", -1},
		{"-1", -1}, {"-1E3", -1}, {"-9223372036854775808", -1},
	} {
		line := `{"Metadata":{"WriteTimestampMicros":{"N":"` + tt.n + `"}},"Keys":{"k":{"S":"1"}}}`
		rec, err := ddbjson.DecodeRecord([]byte(line), codec.KindChange)
		switch {
		case tt.want < 0:
			if err == nil || !errors.Is(err, codec.ErrRecordShape) {
				t.Errorf("%s: err = %v, want ErrRecordShape (got %d)", tt.n, err, rec.WriteTimestampMicros)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.n, err)
		case rec.WriteTimestampMicros != tt.want:
			t.Errorf("%s: %d, want %d", tt.n, rec.WriteTimestampMicros, tt.want)
		}
	}
	for n, want := range map[string]string{"1.5": "not an integer", "-2": "negative", "1E+19": "larger than 2^63-1"} {
		_, err := ddbjson.DecodeRecord([]byte(`{"Metadata":{"WriteTimestampMicros":{"N":"`+n+`"}},"Keys":{"k":{"S":"1"}}}`), codec.KindChange)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", n, err, want)
		}
	}
}

// A bad line after a record whose item filled a value chunk larger than
// the usual size is reported, not a panic: the chunk's room is given back
// as it was before the line (this panicked while ddbjson gave it back by
// length).
func TestOwnedChunkAfterBadLine(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"Item":{`)
	for i := range 520 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"%03d":{"S":""}`, i)
	}
	sb.WriteString("}}\n")
	sb.WriteString(`{"Item":{"a":{"M":{"b":{"S":"x"}}},"c":{"X":1}}}` + "\n")
	sb.WriteString(realFull2 + "\n")
	var errs []error
	recs, err := format.DecodeAll(sb.String(), codec.DecodeOptions{OnError: func(e *codec.DecodeError) { errs = append(errs, e) }})
	if err != nil || len(recs) != 2 || len(recs[0].Item) != 520 || len(errs) != 1 || !errors.Is(errs[0], codec.ErrUnknownType) {
		t.Fatalf("got %d records, errors %v, err %v", len(recs), errs, err)
	}
}
