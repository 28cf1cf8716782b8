package merge_test

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/internal/exporttest"
	"github.com/ddbexport/ddbexport/internal/memtest"
	"github.com/ddbexport/ddbexport/merge"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// TestMemoryBounded merges a history whose table is many times larger
// than Options.Memory and checks the heap's peak against the bound plus a
// fixed overhead, and the result against the history's table state.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and merges about 90 MB of records; skipped with -short")
	}
	if raceEnabled {
		t.Skip("the race detector's heap is not the product's, and the history takes minutes with it")
	}
	const (
		memory   = 8 << 20
		overhead = 8 << 20 // read buffers, decoders and gzip state of 2 workers
	)
	ctx := context.Background()
	dir := t.TempDir()
	st := localfs.New(dir)
	h, err := gen.WriteHistory(ctx, st, gen.HistoryOptions{
		Options: gen.Options{Items: 30_000, Seed: 12, Shape: gen.ShapeTable, Files: 8, MaxItemBytes: 8 << 10},
		Exports: 3, Changes: 8_000,
	})
	if err != nil {
		t.Fatal(err)
	}
	exps := loadAll(t, st)
	base, incs, err := merge.Choose(exps, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := localfs.New(t.TempDir())
	tmp := t.TempDir()

	runtime.GC()
	debug.FreeOSMemory()
	rssBefore, rssOK := memtest.ProcStatus("VmRSS")
	if rssOK {
		// Reset the peak (VmHWM) to the current RSS.
		rssOK = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	}
	sampler := memtest.StartHeapSampler(time.Millisecond)
	res, err := merge.Merge(ctx, base, incs, out, merge.Options{Memory: memory, Workers: 2, TempDir: tmp})
	live, inuse := sampler.Stop()
	if hwm, ok := memtest.ProcStatus("VmHWM"); rssOK && ok {
		// Peak RSS: the bound plus a fixed overhead (the heap's own
		// growth before a collection, up to twice what is live, and the
		// runtime's spans and stacks).
		limit := rssBefore + 2*(memory+overhead) + 16<<20
		t.Logf("peak RSS %.1f MiB, %.1f MiB above the RSS before the merge (limit %.1f MiB above)",
			float64(hwm)/(1<<20), float64(hwm-rssBefore)/(1<<20), float64(limit-rssBefore)/(1<<20))
		if hwm > limit {
			t.Errorf("peak RSS %.1f MiB: more than %.1f MiB above the %.1f MiB before the merge", float64(hwm)/(1<<20), float64(limit-rssBefore)/(1<<20), float64(rssBefore)/(1<<20))
		}
	} else {
		t.Log("peak RSS not measured: /proc/self/status or clear_refs not available")
	}
	if err != nil {
		t.Fatal(err)
	}
	emptyDir(t, tmp)
	var uncompressed int64
	for _, r := range res.Reports {
		uncompressed += r.Totals.UncompressedBytes
	}
	t.Logf("%d input records, %.0f MB uncompressed; %d items out in %d partitions; heap peak: %.1f MiB live, %.1f MiB in use (Memory %d MiB)",
		res.Records, float64(uncompressed)/1e6, res.Summary.ItemCount, res.Partitions, float64(live)/(1<<20), float64(inuse)/(1<<20), memory>>20)
	if uncompressed < 10*memory {
		t.Fatalf("inputs of %d bytes: not many times Memory", uncompressed)
	}
	if inuse > memory+overhead {
		t.Errorf("heap in use peaked at %.1f MiB, above Memory %d MiB + %d MiB", float64(inuse)/(1<<20), memory>>20, overhead>>20)
	}
	got := map[string]codec.Item{}
	for _, r := range exporttest.Records(t, out, res.Ref) {
		got[keyOf(t, []string{"pk"}, r.Item)] = r.Item
	}
	compareTables(t, "merged", got, truth(t, st, h, []string{"pk"}))
}
