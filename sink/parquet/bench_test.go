package parquet_test

import (
	"context"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// BenchmarkWriter writes items of a realistic table (tableItems: a dozen
// attributes of stable types) through one Partition into memory, with
// the default options. Bytes are those of the items' DynamoDB JSON, the
// export's input.
func BenchmarkWriter(b *testing.B) {
	for _, c := range []struct{ name, compression string }{{"zstd", ""}, {"snappy", "snappy"}} {
		b.Run(c.name, func(b *testing.B) {
			items := newTableItems()
			const n = 4096
			recs := make([]*codec.Record, n)
			var size int64
			var buf []byte
			in := parquet.NewInferrer(parquet.InferOptions{Keys: []string{"pk", "sk"}})
			for i := range recs {
				recs[i] = &codec.Record{Item: items.item(i)}
				buf = ddbjson.AppendRecord(buf[:0], recs[i])
				size += int64(len(buf)) + 1
				in.Add(recs[i])
			}
			s, err := in.Schema()
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			w, err := parquet.New(ctx, storetest.NewMem(), parquet.Options{Schema: s, Compression: c.compression})
			if err != nil {
				b.Fatal(err)
			}
			p := w.Partition(ctx, "data/a.json.gz")
			b.SetBytes(size / n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := p.Write(recs[i%n]); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
			if _, err := w.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
