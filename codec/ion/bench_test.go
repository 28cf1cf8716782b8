package ion_test

import (
	"bytes"
	"sync"
	"testing"

	ionlib "github.com/amazon-ion/ion-go/ion"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
)

// benchData holds the same generated items in ION and DynamoDB JSON.
var benchData = sync.OnceValues(func() (ionData, jsonData []byte) {
	src, err := gen.NewSource(gen.Options{Items: 10_000, Seed: 7})
	if err != nil {
		panic(err)
	}
	var ib, jb bytes.Buffer
	ie, je := ion.NewEncoder(&ib), ddbjson.NewEncoder(&jb)
	for r := range src.Records() {
		if ie.Encode(r) != nil || je.Encode(r) != nil {
			panic("encode")
		}
	}
	ie.Close()
	je.Close()
	return ib.Bytes(), jb.Bytes()
})

func BenchmarkDecoder_Next(b *testing.B) {
	ionData, jsonData := benchData()
	lines := bytes.Count(ionData, []byte{'\n'})
	for _, f := range []struct {
		name string
		data []byte
		new  func() codec.Decoder
	}{
		{"ION", ionData, func() codec.Decoder { return ion.NewDecoder(nil, codec.DecodeOptions{}) }},
		{"DYNAMODB_JSON", jsonData, func() codec.Decoder { return ddbjson.NewDecoder(nil, codec.DecodeOptions{}) }},
	} {
		for _, reuse := range []bool{true, false} {
			mode := "owned"
			if reuse {
				mode = "reuse"
			}
			b.Run(f.name+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(f.data)))
				b.ReportAllocs()
				d := f.new()
				for b.Loop() {
					d.(codec.Resetter).Reset(bytes.NewReader(f.data), codec.DecodeOptions{ReuseRecord: reuse})
					n := 0
					for d.Next() {
						n++
					}
					if err := d.Err(); err != nil || n != lines {
						b.Fatal(err, n)
					}
				}
				b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}

// BenchmarkIonGoReader is the baseline: ion-go's text reader walking every
// value of the same ION data (reading each scalar), without the format's
// checks.
func BenchmarkIonGoReader(b *testing.B) {
	ionData, _ := benchData()
	lines := bytes.Count(ionData, []byte{'\n'})
	b.SetBytes(int64(len(ionData)))
	b.ReportAllocs()
	for b.Loop() {
		if n := ionGoValues(b, ionData); n != lines {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

var _ = ionlib.NoType
