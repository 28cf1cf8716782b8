package parquet_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestSmoke(t *testing.T) {
	for _, kind := range []gen.Kind{gen.Full, gen.Incremental} {
		src, err := gen.NewSource(gen.Options{Items: 300, Kind: kind, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		in := parquet.NewInferrer(parquet.InferOptions{})
		for r := range src.Records() {
			in.Add(r)
		}
		s, err := in.Schema()
		if err != nil {
			t.Fatal(err)
		}
		st := storetest.NewMem()
		ctx := context.Background()
		w, err := parquet.New(ctx, st, parquet.Options{Schema: s, Prefix: "out/", TargetFileSize: 100 << 10})
		if err != nil {
			t.Fatal(err)
		}
		p := w.Partition(ctx, "data/a.json.gz")
		for r := range src.Records() {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		m, err := w.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var rows int64
		for _, f := range m.Files {
			b := storetest.Get(t, st, "out/"+f.Path)
			pf, err := file.NewParquetReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := fr.ReadTable(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rows += tbl.NumRows()
			tbl.Release()
		}
		if rows != 300 {
			t.Errorf("rows %d", rows)
		}
	}
}
