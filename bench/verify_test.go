package bench

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// BenchmarkVerify verifies a generated full export of about 30 MB
// uncompressed, decoding every record (full) or counting them (quick),
// with one worker and with every core. Bytes are stored bytes.
func BenchmarkVerify(b *testing.B) {
	dir := b.TempDir()
	st := localfs.New(dir)
	ref, sum, err := gen.Write(context.Background(), st, gen.Options{Items: 30_000, Files: 8, Seed: 1, MaxItemBytes: 16 << 10},
		func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		b.Fatal(err)
	}
	refs, err := manifest.Find(context.Background(), st, "")
	if err != nil || len(refs) != 1 || refs[0].ID != ref.ID {
		b.Fatalf("find: %v %v", refs, err)
	}
	for _, quick := range []bool{false, true} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			name := "full"
			if quick {
				name = "quick"
			}
			b.Run(name+"/workers="+strconv.Itoa(workers), func(b *testing.B) {
				b.ReportAllocs()
				var stored int64
				for b.Loop() {
					rep, err := verify.Verify(context.Background(), st, refs[0], verify.Options{Quick: quick, Workers: workers})
					if err != nil {
						b.Fatal(err)
					}
					if rep.ExitCode() != 0 || rep.Totals.Items != sum.ItemCount {
						b.Fatalf("exit %d, %d items", rep.ExitCode(), rep.Totals.Items)
					}
					stored = rep.Totals.StoredBytes
				}
				b.SetBytes(stored)
				b.ReportMetric(float64(sum.ItemCount)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
