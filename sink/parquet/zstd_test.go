package parquet_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/sink/parquet"
)

// TestZstdCodec checks the zstd codec that Arrow writes pages with in this
// build (libzstd with cgo, else Arrow's own): every level, including
// Arrow's default and levels libzstd clamps, gives frames that an
// independent decoder (klauspost's) and Arrow's own Decode read back
// exactly.
func TestZstdCodec(t *testing.T) {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(c).String()
	t.Logf("ZstdEncoder %q, codec %s", parquet.ZstdEncoder, typ)
	if parquet.ZstdEncoder == "libzstd" && typ != "parquet.cZstd" {
		t.Errorf("ZstdEncoder is libzstd but Arrow's zstd codec is %s", typ)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	r := rand.New(rand.NewPCG(1, 2))
	text := make([]byte, 3<<20)
	words := []string{"order", "shipped", "DynamoDB", " ", "42", "Привет", "😀", "\x00"}
	for i := 0; i < len(text); {
		i += copy(text[i:], words[r.IntN(len(words))])
	}
	noise := make([]byte, 1<<20)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	inputs := map[string][]byte{
		"empty": {}, "1 byte": text[:1], "4 KiB text": text[:4<<10], "1 MiB text": text[:1<<20],
		"3 MiB text": text, "1 MiB noise": noise, "zeros": make([]byte, 200<<10),
	}
	for _, level := range []int{compress.DefaultCompressionLevel, 1, 3, 9, 22, 99, -5} {
		for name, in := range inputs {
			if level > 9 && len(in) > 4<<10 {
				continue // libzstd's top levels take seconds a MiB
			}
			t.Run(fmt.Sprintf("level %d/%s", level, name), func(t *testing.T) {
				dst := make([]byte, 0, c.CompressBound(int64(max(len(in), 1))))
				enc := c.EncodeLevel(dst, in, level)
				if bound := c.CompressBound(int64(max(len(in), 1))); int64(len(enc)) > bound {
					t.Errorf("%d bytes compressed, over CompressBound's %d", len(enc), bound)
				}
				got, err := dec.DecodeAll(enc, nil)
				if err != nil {
					t.Fatalf("klauspost's decoder: %v", err)
				}
				if !bytes.Equal(got, in) {
					t.Fatalf("klauspost's decoder read %d bytes back, not the %d written", len(got), len(in))
				}
				got, err = compress.Decode(c, make([]byte, 0, len(in)), enc)
				if err != nil || !bytes.Equal(got, in) {
					t.Fatalf("Arrow's Decode: %d bytes, %v", len(got), err)
				}
			})
		}
	}
	// Encode into a dst too small: a new slice, the same frame.
	small := c.EncodeLevel(make([]byte, 0, 8), text[:1<<20], 1)
	if got, err := dec.DecodeAll(small, nil); err != nil || !bytes.Equal(got, text[:1<<20]) {
		t.Fatalf("into a short dst: %v", err)
	}
}

// BenchmarkZstd compresses 1 MiB pages of a generated table's string
// values (PLAIN-encoded as Parquet writes them: a 4-byte length, then the
// bytes) with the zstd codec Arrow writes pages with in this build
// (libzstd with cgo), and with Arrow's pure-Go encoder, both at level 1:
//
//	go test -run '^$' -bench Zstd ./sink/parquet
func BenchmarkZstd(b *testing.B) {
	src, err := gen.NewSource(gen.Options{Items: 20000, Kind: gen.Full, Seed: 1, Shape: gen.ShapeTable})
	if err != nil {
		b.Fatal(err)
	}
	var pages [][]byte
	var page []byte
	for r := range src.Records() {
		for _, v := range r.Item {
			if v.Type != codec.TypeS {
				continue
			}
			page = binary.LittleEndian.AppendUint32(page, uint32(len(v.Str)))
			page = append(page, v.Str...)
			if len(page) >= 1<<20 {
				pages, page = append(pages, page), nil
			}
		}
	}
	if len(pages) == 0 {
		b.Fatal("no pages")
	}
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		b.Fatal(err)
	}
	// Arrow's pure-Go encoder, as its codec makes it for level 1.
	pure, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithAllLitEntropyCompression(true))
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range []struct {
		name   string
		encode func(dst, src []byte) []byte
	}{
		{"codec=" + strings.ReplaceAll(parquet.ZstdEncoder, " ", "-"), func(dst, src []byte) []byte { return c.EncodeLevel(dst, src, 1) }},
		{"pure-Go", func(dst, src []byte) []byte { return pure.EncodeAll(src, dst) }},
	} {
		b.Run(e.name, func(b *testing.B) {
			dst := make([]byte, 0, c.CompressBound(2<<20))
			var in, out int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := pages[i%len(pages)]
				dst = e.encode(dst[:0], p)
				in += len(p)
				out += len(dst)
			}
			b.SetBytes(int64(in / b.N))
			b.ReportMetric(float64(out)/float64(in), "ratio")
		})
	}
}
