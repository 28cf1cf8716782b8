package bench_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
)

// tableRecords are 5,000 records of gen's table shape, the items of the
// exports in BENCHMARKS.md (the codecs' own benchmarks use varied items).
var tableRecords = sync.OnceValue(func() []*codec.Record {
	src, err := gen.NewSource(gen.Options{Items: 5000, Seed: 1, Shape: gen.ShapeTable})
	if err != nil {
		panic(err)
	}
	var rs []*codec.Record
	for r := range src.Records() {
		rs = append(rs, r)
	}
	return rs
})

func encodeAll(tb testing.TB, f codec.Format, w io.Writer, rs []*codec.Record) {
	enc, err := codec.NewEncoder(f, w)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
}

var formats = []codec.Format{codec.FormatDynamoDBJSON, codec.FormatION}

// BenchmarkEncode encodes table-shaped records; bytes are the encoded
// bytes.
func BenchmarkEncode(b *testing.B) {
	rs := tableRecords()
	for _, f := range formats {
		b.Run(f.String(), func(b *testing.B) {
			var out bytes.Buffer
			encodeAll(b, f, &out, rs)
			b.SetBytes(int64(out.Len()))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				encodeAll(b, f, &out, rs)
			}
			b.ReportMetric(float64(len(rs))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkDecode decodes and validates the same records, as verify does
// (records reused); bytes are the encoded bytes.
func BenchmarkDecode(b *testing.B) {
	rs := tableRecords()
	for _, f := range formats {
		b.Run(f.String(), func(b *testing.B) {
			var in bytes.Buffer
			encodeAll(b, f, &in, rs)
			data := in.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				dec, err := codec.NewDecoder(f, bytes.NewReader(data), codec.DecodeOptions{ReuseRecord: true})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for dec.Next() {
					n++
				}
				if err := dec.Err(); err != nil || n != len(rs) {
					b.Fatal(err, n)
				}
			}
			b.ReportMetric(float64(len(rs))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
