package ddbjson_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

var benchInputs = []struct {
	name string
	data func() []byte
}{
	{"items", sync.OnceValue(func() []byte { return genLines(1, 10_000, 300, 2048) })}, // ~11 MB
	{"100KB", sync.OnceValue(func() []byte { return genBigLines(2, 100, 100<<10) })},   // ~10 MB
}

func countLines(data []byte) int { return bytes.Count(data, []byte{'\n'}) }

func BenchmarkDecoder_Next(b *testing.B) {
	for _, in := range benchInputs {
		data := in.data()
		lines := countLines(data)
		for _, mode := range []struct {
			name  string
			reuse bool
		}{{"reuse", true}, {"owned", false}} {
			b.Run(in.name+"/"+mode.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				d := ddbjson.NewDecoder(nil, codec.DecodeOptions{})
				for b.Loop() {
					d.Reset(bytes.NewReader(data), codec.DecodeOptions{ReuseRecord: mode.reuse})
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

// BenchmarkEncodingJSONMap is the baseline: encoding/json unmarshalling
// each line into a map[string]any, without any of the format's checks.
func BenchmarkEncodingJSONMap(b *testing.B) {
	for _, in := range benchInputs {
		data := in.data()
		lines := bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'})
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				for _, line := range lines {
					var m map[string]any
					if err := json.Unmarshal(line, &m); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
