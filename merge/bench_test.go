package merge_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/merge"
	"github.com/ddbexport/ddbexport/store/storetest"
	"github.com/ddbexport/ddbexport/verify"
)

// BenchmarkMerge compares merge with verify over the same inputs: a
// table's full export and three incremental exports each touching a
// quarter of its keys, with one worker and with every core. Throughput is
// of the inputs: b.SetBytes of their uncompressed records, and items/s of
// their records.
func BenchmarkMerge(b *testing.B) {
	ctx := context.Background()
	st := storetest.NewMem()
	if _, err := gen.WriteHistory(ctx, st, gen.HistoryOptions{
		Options: gen.Options{Items: 40_000, Seed: 1, Shape: gen.ShapeTable, Files: 8, MaxItemBytes: 8 << 10},
		Exports: 3,
	}); err != nil {
		b.Fatal(err)
	}
	exps := loadAll(b, st)
	base, incs, err := merge.Choose(exps, "", "")
	if err != nil {
		b.Fatal(err)
	}
	var records, bytes int64
	for _, e := range exps {
		rep, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{})
		if err != nil || rep.ExitCode() != 0 {
			b.Fatal(err)
		}
		records += rep.Totals.Items
		bytes += rep.Totals.UncompressedBytes
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("verify/workers=%d", workers), func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				for _, e := range exps {
					if _, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{Workers: workers}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(records*int64(b.N))/b.Elapsed().Seconds(), "items/s")
		})
		b.Run(fmt.Sprintf("merge/workers=%d", workers), func(b *testing.B) {
			b.SetBytes(bytes)
			tmp := b.TempDir()
			for b.Loop() {
				if _, err := merge.Merge(ctx, base, incs, storetest.NewMem(), merge.Options{Workers: workers, TempDir: tmp}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records*int64(b.N))/b.Elapsed().Seconds(), "items/s")
		})
	}
}
