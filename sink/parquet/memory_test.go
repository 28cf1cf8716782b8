package parquet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/internal/memtest"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// TestMemoryBounded writes an export many times larger than the file and
// row group sizes, from two partitions at once (one per core of the
// machine the limits were set on), and checks that the heap in use stays
// within a bound set by the options, not by the export.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 240 MB of items; skipped with -short")
	}
	if raceEnabled {
		t.Skip("the race detector's heap is not the product's, and 240 MB take minutes with it")
	}
	const (
		inputBytes = 240 << 20 // DynamoDB JSON of the items written
		partitions = 2
		target     = 4 << 20
		rowGroup   = 1 << 20
	)
	items := newTableItems()
	in := parquet.NewInferrer(parquet.InferOptions{Keys: []string{"pk", "sk"}})
	for i := range 1000 {
		in.Add(&codec.Record{Item: items.item(i)})
	}
	s, err := in.Schema()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	st := localfs.New(dir)
	w, err := parquet.New(ctx, st, parquet.Options{Schema: s, TargetFileSize: target, RowGroupSize: rowGroup})
	if err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	sampler := memtest.StartHeapSampler(2 * time.Millisecond)
	start := time.Now()

	var (
		wg    sync.WaitGroup
		rows  [partitions]int64
		bytes [partitions]int64
		errs  [partitions]error
	)
	for k := range partitions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := w.Partition(ctx, fmt.Sprintf("data/%d.json.gz", k))
			items := newTableItems() // one per goroutine: it reuses a buffer
			var buf []byte
			for i := k; bytes[k] < inputBytes/partitions; i += partitions {
				r := &codec.Record{Item: items.item(i)}
				buf = ddbjson.AppendRecord(buf[:0], r)
				bytes[k] += int64(len(buf)) + 1
				if err := p.Write(r); err != nil {
					errs[k] = err
					p.Close()
					return
				}
				rows[k]++
			}
			errs[k] = p.Close()
		}()
	}
	wg.Wait()
	m, err := w.Close(ctx)
	live, inuse := sampler.Stop()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var total, stored int64
	for k := range partitions {
		total += bytes[k]
	}
	var maxFile int64
	for _, f := range m.Files {
		stored += f.Bytes
		maxFile = max(maxFile, f.Bytes)
	}
	growth := int64(live) - int64(base)
	t.Logf("%d MB of input (%d items) in %d files, %d MB stored, largest file %.1f MiB, in %v; heap: %.1f MiB before, peak live %.1f MiB (+%.1f MiB), peak in use (with garbage) %.1f MiB",
		total>>20, rows[0]+rows[1], len(m.Files), stored>>20, float64(maxFile)/(1<<20), elapsed.Round(time.Millisecond),
		float64(base)/(1<<20), float64(live)/(1<<20), float64(growth)/(1<<20), float64(inuse)/(1<<20))
	if m.Rows != rows[0]+rows[1] {
		t.Errorf("manifest rows %d, wrote %d", m.Rows, rows[0]+rows[1])
	}
	// The bound: Options.RowGroupSize says memory is about workers × (2 ×
	// RowGroupSize + 48 MiB), 100 MiB for these 2 workers, counting the
	// garbage the Go heap holds before a collection (GOGC=100 lets the
	// heap reach twice the live heap). Live: per worker, a row group of 1
	// MiB of item data encoded with its pages and dictionaries, a batch of
	// 256 KiB of input in Arrow arrays, the 1 MiB write buffer, and the
	// zstd encoders arrow-go takes from a sync.Pool (a window of several
	// MiB and tables each). Measured: 35 to 45 MiB live with zstd (15 with
	// snappy), twice that in use. 64 MiB live and 128 MiB in use leave a
	// margin for the collector's timing. Before the writer let go of each
	// file it published, the live heap grew with the number of files
	// written (60 to 90 MiB here, for 24 files; without bound for a longer
	// export).
	const bound = 64 << 20
	if growth > bound {
		t.Errorf("live heap grew by %.1f MiB writing %d MB; want at most %d MiB", float64(growth)/(1<<20), total>>20, bound>>20)
	}
	if inUse := int64(inuse) - int64(base); inUse > 2*bound {
		t.Errorf("heap in use grew by %.1f MiB writing %d MB; want at most %d MiB", float64(inUse)/(1<<20), total>>20, 2*bound>>20)
	}
	// A file passes the target by at most the row group being built
	// (its pages reach the file when it closes) and a batch of rows.
	if maxFile > target+2*rowGroup {
		t.Errorf("largest file %d bytes, target %d", maxFile, target)
	}
	if len(m.Files) < 10 {
		t.Errorf("%d files; want many", len(m.Files))
	}
	// Two of the files read back whole hold the items written.
	offsets := map[string]int64{}
	for i, f := range m.Files {
		if i != 0 && i != len(m.Files)-1 {
			for _, in := range f.Inputs {
				offsets[in.File] += in.Rows
			}
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		rf, err := readParquet(raw)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		j := 0
		for _, in := range f.Inputs {
			var k int
			fmt.Sscanf(in.File, "data/%d.json.gz", &k)
			for n := range in.Rows {
				want := items.item(k + partitions*int(offsets[in.File]+n))
				if !codec.ItemEqual(rf.Records[j].Item, want) {
					t.Fatalf("%s row %d differs:\n got %v\nwant %v", f.Path, j, rf.Records[j].Item, want)
				}
				j++
			}
			offsets[in.File] += in.Rows
		}
	}
}
