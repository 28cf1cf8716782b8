package ion_test

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
	"github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
)

// Shorthands for expected values.
var (
	S, N, Bool, Null, M, L, SS, NS = codec.S, codec.N, codec.Bool, codec.Null, codec.M, codec.L, codec.SS, codec.NS
	B, BS, named, item, full       = codectest.B, codectest.BS, codectest.Named, codectest.Item, codectest.Full
)

// format is ion for codectest's checks.
var format = codectest.Format{
	NewDecoder:   func(r io.Reader, opt codec.DecodeOptions) codec.Decoder { return ion.NewDecoder(r, opt) },
	DecodeRecord: ion.DecodeRecord,
}

// The official example of export-format.md §7 (DOC-OUT), and the same item
// in DynamoDB JSON (DOC-OUT's JSON example).
const (
	docION  = `$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}`
	docJSON = `{"Item":{"Authors":{"SS":["Author1","Author2"]},"Dimensions":{"S":"8.5 x 11.0 x 1.5"},"ISBN":{"S":"333-3333333333"},"Id":{"N":"103"},"InPublication":{"BOOL":false},"PageCount":{"N":"600"},"Price":{"N":"2000"},"ProductCategory":{"S":"Book"},"Title":{"S":"Book 103 Title"}}}`
)

var positiveTests = []struct {
	name  string
	input string
	kind  codec.Kind
	want  []*codec.Record
}{
	{name: "DynamoDB's example", input: docION + "\n", kind: codec.KindFull, want: []*codec.Record{full(
		named("Authors", SS("Author1", "Author2")), named("Dimensions", S("8.5 x 11.0 x 1.5")), named("ISBN", S("333-3333333333")),
		named("Id", N("103")), named("InPublication", Bool(false)), named("PageCount", N("600")), named("Price", N("2000")),
		named("ProductCategory", S("Book")), named("Title", S("Book 103 Title")))}},
	{name: "no version marker, two markers", input: "{Item:{a:1.}}\n$ion_1_0 $ion_1_0 {Item:{a:2.}}", want: []*codec.Record{
		full(named("a", N("1"))), full(named("a", N("2")))}},
	{name: "all ten types", input: `$ion_1_0 {Item:{s:"x",n:-1.5,b:{{aGVsbG8=}},t:true,f:false,z:null,m:{h:null,i:true,g:9.},l:[1.,"Dsb"],ss:$dynamodb_SS::["a","b"],ns:$dynamodb_NS::[3.,2.],bs:$dynamodb_BS::[{{aXMgZmFzdA==}},{{c2N5bGxhZGI=}}]}}`,
		want: []*codec.Record{full(named("s", S("x")), named("n", N("-1.5")), named("b", B("hello")), named("t", Bool(true)), named("f", Bool(false)),
			named("z", Null()), named("m", M(named("h", Null()), named("i", Bool(true)), named("g", N("9")))), named("l", L(N("1"), S("Dsb"))),
			named("ss", SS("a", "b")), named("ns", NS("3", "2")), named("bs", BS("is fast", "scylladb")))}},
	{name: "decimal notations", input: `{Item:{a:103.,b:6d2,c:-0.5d-3,d:1.50,e:0d-5,f:-0.,g:1_000.5,h:0.000_1,i:1D+2,j:12.5d-1,k:0.,l:100.000,m:1.23456789012345678901234567890123456780d-130}}`,
		want: []*codec.Record{full(named("a", N("103")), named("b", N("600")), named("c", N("-0.0005")), named("d", N("1.5")), named("e", N("0")),
			named("f", N("0")), named("g", N("1000.5")), named("h", N("0.0001")), named("i", N("100")), named("j", N("1.25")), named("k", N("0")),
			named("l", N("100")), named("m", N("1.2345678901234567890123456789012345678E-130")))}},
	{name: "ints as N", input: `{Item:{a:42,b:-7,c:0,d:1_000,e:0x1F,f:-0b101,g:0XF_f}}`, want: []*codec.Record{full(
		named("a", N("42")), named("b", N("-7")), named("c", N("0")), named("d", N("1000")), named("e", N("31")), named("f", N("-5")), named("g", N("255")))}},
	{name: "field names", input: `{Item:{plain_1$:"a",'my-attr':"b","my attr":"c",'''long''' '''name''':"d",'it\'s':"e",'null':"f",$dynamodb_SS:"g",'':nope}}`,
		want: nil}, // replaced below: empty name is an error
	{name: "field name forms", input: `{Item:{plain_1$:"a",'my-attr':"b","my attr":"c",'''long''' '''name''':"d",'it\'s':"e",'null':"f",$dynamodb_SS:"g"}}`,
		want: []*codec.Record{full(named("plain_1$", S("a")), named("my-attr", S("b")), named("my attr", S("c")), named("longname", S("d")),
			named("it's", S("e")), named("null", S("f")), named("$dynamodb_SS", S("g")))}},
	{name: "escapes", input: `{Item:{a:"\a\b\t\n\f\r\v\"\'\?\0\\\/\x41\u00e9\U0001F600\ud83d\ude00",b:'''it's '' ok''' '''!''',c:"日本 ü"}}`,
		want: []*codec.Record{full(named("a", S("\a\b\t\n\f\r\v\"'?\x00\\/Aé😀😀")), named("b", S("it's '' ok!")), named("c", S("日本 ü")))}},
	{name: "whitespace and comments", input: " /* c */ $ion_1_0 /**/ { Item : { a /* x */ : [ 1. , { b : null.struct } , ] , c\t:\t$dynamodb_SS :: [ \"x\" , \"y\" , ] , } , } // end\r",
		want: []*codec.Record{full(named("a", L(N("1"), M(named("b", Null())))), named("c", SS("x", "y")))}},
	{name: "typed nulls", input: `{Item:{a:null.null,b:null.struct,c:null.string,d:null.decimal,e:null.blob}}`,
		want: []*codec.Record{full(named("a", Null()), named("b", Null()), named("c", Null()), named("d", Null()), named("e", Null()))}},
	{name: "blob whitespace, empty values", input: `{Item:{b:{{ AA  ==}},e:{{}},s:"",m:{},l:[],x:{{ aGVs bG8= }}}}`,
		want: []*codec.Record{full(named("b", B("\x00")), named("e", B("")), named("s", S("")), named("m", M()), named("l", L()), named("x", B("hello")))}},
	{name: "quoted annotation", input: `{Item:{a:'$dynamodb_NS'::[1.5, 15d-1 ]}}`, want: nil},
	{name: "NS of ints and decimals", input: `{Item:{a:'$dynamodb_NS'::[1, 1.5, 6d2, 0x10]}}`,
		want: []*codec.Record{full(named("a", NS("1", "1.5", "600", "16")))}},
	{name: "incremental: int timestamp", input: `$ion_1_0 {Metadata:{WriteTimestampMicros:1768386096366933},Keys:{pk:"2",sk:"1"},NewImage:{pk:"2",sk:"1",test:"test2"}}`,
		kind: codec.KindChange, want: []*codec.Record{{WriteTimestampMicros: 1768386096366933,
			Keys: item(named("pk", S("2")), named("sk", S("1"))), NewImage: item(named("pk", S("2")), named("sk", S("1")), named("test", S("test2")))}}},
	{name: "incremental: decimal timestamp, both images", input: `$ion_1_0 {Metadata:{WriteTimestampMicros:1768387654353205.},Keys:{k:"1"},OldImage:{k:"1",n:1.},NewImage:{k:"1"}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1768387654353205, Keys: item(named("k", S("1"))), OldImage: item(named("k", S("1")), named("n", N("1"))), NewImage: item(named("k", S("1")))}}},
	{name: "incremental: typed timestamp, unknown metadata, delete", input: `$ion_1_0 {Keys:{k:"1"},OldImage:{k:"1"},Metadata:{x:(a + "b" {c:1}), y:2020T, WriteTimestampMicros:{N:"1.6999992001E+15"}, z:[a::b, {{"c"}}]}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1699999200100000, Keys: item(named("k", S("1"))), OldImage: item(named("k", S("1")))}}},
	{name: "unknown metadata: every scalar", input: `{Keys:{k:"1"},Metadata:{a:0x1F, b:-0b1_01, c:1.5e3, d:+inf, e:-inf, f:nan, g:2007-02-23T12:14:33.079-08:00, h:null.timestamp, i:{{ aGk= }}, j:{{'''c'''}}, k:1_000.5d-2, l:'x'::2000T, WriteTimestampMicros:5}}`,
		want: []*codec.Record{{WriteTimestampMicros: 5, Keys: item(named("k", S("1")))}}},
	{name: "largest timestamp", input: `{Metadata:{WriteTimestampMicros:9223372036854775807d0},Keys:{k:""}}`,
		want: []*codec.Record{{WriteTimestampMicros: 1<<63 - 1, Keys: item(named("k", S("")))}}},
	{name: "slow path: symbol table", input: `$ion_1_0 $ion_symbol_table::{symbols:["pk","x y"]} {Item:{$10:"a",$11:1.50}}`,
		want: []*codec.Record{full(named("pk", S("a")), named("x y", N("1.5")))}},
	{name: "unterminated final line, CRLF", input: "{Item:{a:1.}}\r\n{Item:{a:2.}}", want: []*codec.Record{full(named("a", N("1"))), full(named("a", N("2")))}},
	{name: "nested", input: `{Item:{m:{l:[[],{n:$dynamodb_NS::[1.,2.]},false]}}}`,
		want: []*codec.Record{full(named("m", M(named("l", L(L(), M(named("n", NS("1", "2"))), Bool(false))))))}},
}

func init() {
	// Drop the placeholders (entries with want nil) kept for fuzz seeds.
	out := positiveTests[:0]
	for _, tt := range positiveTests {
		if tt.want != nil {
			out = append(out, tt)
		}
	}
	positiveTests = out
}

func TestDecodePositive(t *testing.T) {
	for _, tt := range positiveTests {
		t.Run(tt.name, func(t *testing.T) { format.CheckGood(t, tt.input, tt.kind, tt.want) })
	}
}

// TestDocExample: DynamoDB's ION example decodes to the same item as its
// DynamoDB JSON form.
func TestDocExample(t *testing.T) {
	a, err := ion.DecodeRecord([]byte(docION), codec.KindFull)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ddbjson.DecodeRecord([]byte(docJSON), codec.KindFull)
	if err != nil {
		t.Fatal(err)
	}
	if !codectest.EqualRecord(a, b) || !codectest.SameRecord(a, b) {
		t.Fatalf("ION %s\nJSON %s", codectest.FmtRecord(a), codectest.FmtRecord(b))
	}
	if got := string(ion.AppendRecord(nil, a)); got != docION {
		t.Errorf("AppendRecord:\n got %s\nwant %s", got, docION)
	}
}

const marker = codectest.Marker

var negativeTests = []struct {
	name  string
	input string
	kind  codec.Kind
	err   error
	path  string
}{
	{name: "truncated", input: `{Item:{a:"x"}¶`, err: codec.ErrSyntax},
	{name: "missing colon", input: `{Item:{a ¶"x"}}`, err: codec.ErrSyntax},
	{name: "truncated string", input: `{Item:{a:"x¶`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "invalid escape", input: `{Item:{a:"\¶q"}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "bad hex escape", input: `{Item:{a:"\u00¶g0"}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "lone surrogate", input: `{Item:{a:"¶\udc00"}}`, err: codec.ErrUTF8, path: "Item.a"},
	{name: "invalid UTF-8", input: "{Item:{a:\"x¶\xff\"}}", err: codec.ErrUTF8, path: "Item.a"},
	{name: "control character", input: "{Item:{a:\"x¶\x01\"}}", err: codec.ErrSyntax, path: "Item.a"},
	{name: "unterminated comment", input: `{Item:{a:1.} ¶/* x`, err: codec.ErrSyntax},
	{name: "Ion float", input: `{Item:{a:¶1e0}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "Ion float 2", input: `{Item:{a:¶-1.5E-3}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "nan", input: `{Item:{a:[1.,¶nan]}}`, err: codec.ErrNumber, path: "Item.a[1]"},
	{name: "+inf", input: `{Item:{a:¶+inf}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "-inf", input: `{Item:{a:¶-inf}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "39 digits", input: `{Item:{a:¶1.23456789012345678901234567890123456789}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "1d126", input: `{Item:{a:¶1d126}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "1d-131", input: `{Item:{a:¶1d-131}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "huge int", input: `{Item:{a:¶1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}}`, err: codec.ErrNumber, path: "Item.a"},
	{name: "leading zero", input: `{Item:{a:¶007}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "double underscore", input: `{Item:{a:¶1__0}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "trailing underscore", input: `{Item:{a:¶1_.5}}`, err: codec.ErrSyntax, path: "Item.a"},
	{name: "timestamp", input: `{Item:{a:¶2020-01-01T}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "timestamp year", input: `{Item:{a:¶2020T}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "symbol value", input: `{Item:{a:¶foo}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "quoted symbol value", input: `{Item:{a:¶'foo'}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "sexp", input: `{Item:{a:¶(1 2)}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "clob", input: `{Item:{a:¶{{"x"}}}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "unknown annotation", input: `{Item:{a:¶$dynamodb_XS::["x"]}}`, err: codec.ErrUnknownType, path: "Item.a"},
	{name: "annotated string", input: `{Item:{a:¶foo::"x"}}`, err: codec.ErrUnknownType, path: "Item.a"},
	{name: "two annotations", input: `{Item:{a:$dynamodb_SS::¶x::["x"]}}`, err: codec.ErrUnknownType, path: "Item.a"},
	{name: "set annotation on a string", input: `{Item:{a:$dynamodb_SS::¶"x"}}`, err: codec.ErrValue, path: "Item.a"},
	{name: "empty set", input: `{Item:{a:$dynamodb_SS::¶[]}}`, err: codec.ErrEmptySet, path: "Item.a"},
	{name: "number in SS", input: `{Item:{a:$dynamodb_SS::["x",¶1.]}}`, err: codec.ErrValue, path: "Item.a[1]"},
	{name: "string in NS", input: `{Item:{a:$dynamodb_NS::[¶"1"]}}`, err: codec.ErrValue, path: "Item.a[0]"},
	{name: "null in BS", input: `{Item:{a:$dynamodb_BS::[¶null]}}`, err: codec.ErrValue, path: "Item.a[0]"},
	{name: "duplicate in SS", input: `{Item:{tags:$dynamodb_SS::["a","b",¶"a"]}}`, err: codec.ErrDuplicateInSet, path: "Item.tags[2]"},
	{name: "duplicate in NS by value", input: `{Item:{n:$dynamodb_NS::[6d2,7.,¶600.00]}}`, err: codec.ErrDuplicateInSet, path: "Item.n[2]"},
	{name: "duplicate in NS int and decimal", input: `{Item:{n:$dynamodb_NS::[1,¶1.0]}}`, err: codec.ErrDuplicateInSet, path: "Item.n[1]"},
	{name: "duplicate in BS", input: `{Item:{b:$dynamodb_BS::[{{aGVsbG8=}},¶{{ aGVs bG8= }}]}}`, err: codec.ErrDuplicateInSet, path: "Item.b[1]"},
	{name: "bad base64 length", input: `{Item:{b:{{aGVsbG8¶}}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "bad base64 char", input: `{Item:{b:{{aGV¶$bG8=}}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 unused bits", input: `{Item:{b:{{aGVsbG¶9=}}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "base64 misplaced padding", input: `{Item:{b:{{A¶===}}}}`, err: codec.ErrBase64, path: "Item.b"},
	{name: "duplicate attribute", input: `{Item:{a:"x",¶'a':"y"}}`, err: codec.ErrDuplicateName, path: "Item.a"},
	{name: "duplicate member", input: `{Item:{m:{x:1.,¶"x":2.}}}`, err: codec.ErrDuplicateName, path: "Item.m.x"},
	{name: "empty name", input: `{Item:{a:1.,¶'':2.}}`, err: codec.ErrValue, path: "Item"},
	{name: "empty name in a map", input: `{Item:{m:{¶"":2.}}}`, err: codec.ErrValue, path: "Item.m"},
	{name: "trailing data", input: `{Item:{a:"x"}} ¶x`, err: codec.ErrTrailingData},
	{name: "second record", input: `{Item:{a:"x"}}¶{Item:{a:"x"}}`, err: codec.ErrTrailingData},
	{name: "trailing marker", input: `{Item:{a:"x"}} ¶$ion_1_0`, err: codec.ErrTrailingData},
	{name: "empty line", input: "{Item:{a:1.}}\n¶\n{Item:{a:1.}}", err: codec.ErrEmptyLine},
	{name: "marker only", input: "¶$ion_1_0 // nothing", err: codec.ErrEmptyLine},
	{name: "record not a struct", input: `$ion_1_0 ¶[{Item:{a:1.}}]`, err: codec.ErrRecordShape},
	{name: "no Item", input: `¶{}`, kind: codec.KindFull, err: codec.ErrRecordShape},
	{name: "unknown key", input: `{Item:{a:"x"},¶Foo:{}}`, err: codec.ErrRecordShape},
	{name: "Item empty", input: `{¶Item:{}}`, err: codec.ErrRecordShape},
	{name: "Item not a struct", input: `{Item:¶[]}`, err: codec.ErrRecordShape},
	{name: "Item null", input: `{Item:¶null.struct}`, err: codec.ErrRecordShape},
	{name: "Item with Keys", input: `{Item:{a:"x"},¶Keys:{a:"x"}}`, err: codec.ErrRecordShape},
	{name: "change record in full file", input: `{¶Metadata:{WriteTimestampMicros:1},Keys:{k:"1"}}`, kind: codec.KindFull, err: codec.ErrRecordShape},
	{name: "Keys missing", input: `¶{Metadata:{WriteTimestampMicros:1},NewImage:{k:"1"}}`, err: codec.ErrRecordShape},
	{name: "NewImage empty", input: `{Metadata:{WriteTimestampMicros:1},Keys:{k:"1"},¶NewImage:{}}`, err: codec.ErrRecordShape},
	{name: "no timestamp", input: `{Metadata:¶{x:1},Keys:{k:"1"}}`, err: codec.ErrRecordShape},
	{name: "negative timestamp", input: `{Metadata:{WriteTimestampMicros:¶-5},Keys:{k:"1"}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "fractional timestamp", input: `{Metadata:{WriteTimestampMicros:¶1.5},Keys:{k:"1"}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "timestamp overflow", input: `{Metadata:{WriteTimestampMicros:¶9223372036854775808},Keys:{k:"1"}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "string timestamp", input: `{Metadata:{WriteTimestampMicros:¶"1"},Keys:{k:"1"}}`, err: codec.ErrRecordShape, path: "Metadata.WriteTimestampMicros"},
	{name: "typed timestamp not a number", input: `{Metadata:{WriteTimestampMicros:¶{N:"x"}},Keys:{k:"1"}}`, err: codec.ErrNumber, path: "Metadata.WriteTimestampMicros"},
	{name: "float timestamp", input: `{Metadata:{WriteTimestampMicros:¶1e15},Keys:{k:"1"}}`, err: codec.ErrNumber, path: "Metadata.WriteTimestampMicros"},
	{name: "too deep", input: `{Item:{a:` + strings.Repeat("[", 256) + `¶[]` + strings.Repeat("]", 256) + `}}`, err: codec.ErrTooDeep},
	{name: "slow path: unknown symbol ID", input: `¶$ion_1_0 {Item:{$99:"a"}}`, err: codec.ErrSyntax},
	{name: "slow path: rule broken", input: `¶$ion_symbol_table::{symbols:["a"]} {Item:{$10:"a",a:"b"}}`, err: codec.ErrDuplicateName, path: "Item.a"},
	{name: "slow path: keyword name", input: `{Item:{nul¶l:1.}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: leading zeros", input: `{Keys:{k:"1"},Metadata:{A:00¶,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: bad number", input: `{Keys:{k:"1"},Metadata:{A¶:-,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: bad timestamp", input: `¶{Keys:{k:"1"},Metadata:{A:2020-13-01,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: bad blob", input: `{Keys:{k:"1"},Metadata:{A:{{¶!!}},WriteTimestampMicros:1}}`, err: codec.ErrBase64},
	{name: "unknown metadata: bad null", input: `{Keys:{k:"1"},Metadata:{A:null.¶x,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: keyword annotation", input: `{Keys:{k:"1"},Metadata:{A:true:¶:1,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "unknown metadata: unknown symbol ID", input: `¶{Keys:{k:"1"},Metadata:{A:$99,WriteTimestampMicros:1}}`, err: codec.ErrSyntax},
	{name: "error on line 3", input: "{Item:{a:1.}}\n{Item:{a:2.}}\n{Item:{a:¶1e3}}\n{Item:{a:4.}}", err: codec.ErrNumber, path: "Item.a"},
}

func TestDecodeNegative(t *testing.T) {
	for _, tt := range negativeTests {
		t.Run(tt.name, func(t *testing.T) { format.CheckBad(t, tt.input, tt.kind, tt.err, tt.path, "f.ion") })
	}
}

func TestOnErrorContinues(t *testing.T) {
	input := "{Item:{a:1.}}\n" +
		"{Item:{a:$dynamodb_SS::[]}}\n" + // line 2: empty set
		"\n" + // line 3
		"{Item:{a:2.}}\n" +
		strings.Repeat("x", 100) + "\n" + // line 5: too long
		"{Item:{a:3.}}"
	for _, reuse := range []bool{false, true} {
		var errs []string
		opt := codec.DecodeOptions{MaxRecordBytes: 90, ReuseRecord: reuse, OnError: func(e *codec.DecodeError) {
			errs = append(errs, fmt.Sprintf("%d:%s:%d", e.Line, e.Reason(), e.Offset))
		}}
		d := ion.NewDecoder(iotest.HalfReader(strings.NewReader(input)), opt)
		var lines []int64
		for d.Next() {
			lines = append(lines, d.Line())
		}
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
		if fmt.Sprint(lines) != "[1 4 6]" {
			t.Errorf("record lines %v", lines)
		}
		if got, want := fmt.Sprint(errs), "[2:empty_set:37 3:empty_line:42 5:record_too_long:147]"; got != want {
			t.Errorf("errors %s, want %s", got, want)
		}
	}
}

func TestReadError(t *testing.T) {
	gzErr := fmt.Errorf("%w: %w", codec.ErrCompressed, io.ErrUnexpectedEOF)
	d := ion.NewDecoder(io.MultiReader(strings.NewReader(docION+"\n{Item:"), iotest.ErrReader(gzErr)), codec.DecodeOptions{})
	n := 0
	for d.Next() {
		n++
	}
	if n != 1 || !errors.Is(d.Err(), codec.ErrCompressed) {
		t.Fatalf("%d records, %v", n, d.Err())
	}
}

func TestRegistered(t *testing.T) {
	d, err := codec.NewDecoder(codec.FormatION, strings.NewReader(docION), codec.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.(*ion.Decoder); !ok || !d.Next() || d.RecordOffset() != 0 {
		t.Fatalf("%T", d)
	}
}

func TestReuseRecord(t *testing.T) {
	var sb strings.Builder
	for _, tt := range positiveTests {
		sb.WriteString(strings.TrimRight(tt.input, "\r\n") + "\n")
	}
	input := sb.String()
	owned, err := format.DecodeAll(input, codec.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := ion.NewDecoder(strings.NewReader(input), codec.DecodeOptions{})
	var kept []*codec.Record
	for d.Next() {
		kept = append(kept, d.Record())
	}
	reuse := ion.NewDecoder(strings.NewReader(input), codec.DecodeOptions{ReuseRecord: true})
	k := 0
	for reuse.Next() {
		if !codectest.SameRecord(reuse.Record(), owned[k]) {
			t.Errorf("record %d differs", k)
		}
		k++
	}
	d.Reset(strings.NewReader(strings.Repeat(`{Item:{zzzz:"zzzzzzzzzzzzzzzzzzzzzzz",y:'''zzzzzzz'''}}`+"\n", 100)), codec.DecodeOptions{})
	for d.Next() {
	}
	for i := range kept {
		if !codectest.SameRecord(kept[i], owned[i]) {
			t.Errorf("owned record %d changed", i)
		}
	}
}

// TestDecodeAllocs: with ReuseRecord, decoding allocates nothing per record
// once the buffers have grown (a few allocations per file at most); owned
// records share chunks, far fewer than one allocation per record.
func TestDecodeAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	var buf bytes.Buffer
	data := encodeAll(t, genRecords(t, gen.Options{Items: 200, Seed: 3}), ion.NewEncoder(&buf), &buf)
	reused, owned := codectest.Allocs(t, ion.NewDecoder(nil, codec.DecodeOptions{}), data)
	if reused > 2 {
		t.Errorf("ReuseRecord: %v allocations per file of 200 records", reused)
	}
	t.Logf("owned: %v allocations per file of 200 records (%d bytes)", owned, len(data))
	if owned > 100 {
		t.Errorf("owned: %v allocations per file of 200 records", owned)
	}
}

// TestOwnedChunks: owned records carved from shared chunks stay intact
// while later lines are decoded, including numbers whose plain form
// outgrows the line (the arena leaves the chunk), escaped strings, blobs,
// lines through ion-go, bad lines and lines longer than a chunk's share.
func TestOwnedChunks(t *testing.T) {
	lines := []string{
		`{Item:{a:1d37,b:2d37,c:3d37,d:$dynamodb_NS::[4d37,5d37]}}`,
		`{Item:{s:"a\"b\\c\u00e9",t:'''x''' '''y''',b:{{aGVsbG8gd29ybGQ=}}}}`,
		`$ion_1_0 $ion_symbol_table::{symbols:["pk","x y"]} {Item:{$10:"a",$11:1.50}}`,
		`{Item:{bad:"x",bad:"y"}}`,
		`{Item:{k:"` + strings.Repeat("long ", 3000) + `",n:7d2}}`,
		`{Item:{m:{x:[1.,2.50,{{AA==}}]},z:1d10}}`,
	}
	var input strings.Builder
	for i := range 300 {
		input.WriteString(lines[i%len(lines)] + "\n")
	}
	d := ion.NewDecoder(strings.NewReader(input.String()), codec.DecodeOptions{OnError: func(*codec.DecodeError) {}})
	var kept []*codec.Record
	for d.Next() {
		kept = append(kept, d.Record())
	}
	if err := d.Err(); err != nil || len(kept) != 250 {
		t.Fatal(err, len(kept))
	}
	k := 0
	for i := range 300 {
		line := lines[i%len(lines)]
		want, err := ion.DecodeRecord([]byte(line), codec.KindAny)
		if err != nil {
			continue
		}
		if !codectest.SameRecord(kept[k], want) {
			t.Fatalf("record %d (line %d) changed: %s", k, i+1, codectest.FmtRecord(kept[k]))
		}
		k++
	}
}
