package bench_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/bench"
	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
)

// exports generates table-shaped exports of about size bytes, in both
// formats from the same items, once per size for the test binary.
var exports = struct {
	sync.Mutex
	m map[int64][]*bench.Export
}{m: map[int64][]*bench.Export{}}

func exportsOf(tb testing.TB, size int64) []*bench.Export {
	exports.Lock()
	defer exports.Unlock()
	if es, ok := exports.m[size]; ok {
		return es
	}
	dir, err := os.MkdirTemp("", "ddbexport-bench-test-")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	gens, err := bench.Generate(ctx, dir, bench.GenerateOptions{Size: size, Shape: gen.ShapeTable,
		Formats: []codec.Format{codec.FormatDynamoDBJSON, codec.FormatION}})
	if err != nil {
		tb.Fatal(err)
	}
	var es []*bench.Export
	for _, g := range gens {
		e, err := bench.Open(ctx, g.Store, g.Ref, dir)
		if err != nil {
			tb.Fatal(err)
		}
		es = append(es, e)
	}
	exports.m[size] = es
	return es
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, es := range exports.m {
		if len(es) > 0 {
			os.RemoveAll(es[0].TempDir)
		}
	}
	os.Exit(code)
}

// TestStages runs every stage once on a tiny export: each reads the whole
// export (Measure checks its count) and gives a sample.
func TestStages(t *testing.T) {
	for _, e := range exportsOf(t, 300<<10) {
		for _, s := range bench.Stages() {
			if !s.Applies(e.Format) || s.Unavailable() != "" {
				continue
			}
			sm, method, err := bench.Measure(context.Background(), e, s, bench.Options{Workers: 2})
			if err != nil {
				t.Errorf("%s on %s: %v", s.Name, e.Format, err)
				continue
			}
			if sm.Wall <= 0 || method == "" || (sm.PeakRSS <= 0) != (method == bench.RSSChild) {
				t.Errorf("%s on %s: %+v, %q", s.Name, e.Format, sm, method)
			}
		}
	}
}

// BenchmarkStages measures every stage on a table-shaped export of about
// 30 MB uncompressed, with one worker and with every core. Bytes are
// stored bytes; items/s and the peak RSS (MB) are reported too.
//
//	go test -run '^$' -bench Stages -benchtime 5x ./bench
func BenchmarkStages(b *testing.B) {
	for _, s := range bench.Stages() {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			for _, e := range exportsOf(b, 30<<20) {
				if !s.Applies(e.Format) {
					continue
				}
				b.Run(s.Name+"/"+e.Format.String()+"/workers="+strconv.Itoa(workers), func(b *testing.B) {
					if why := s.Unavailable(); why != "" {
						b.Skip(why)
					}
					b.ReportAllocs()
					var rss int64
					for b.Loop() {
						sm, _, err := bench.Measure(context.Background(), e, s, bench.Options{Workers: workers})
						if err != nil {
							b.Fatal(err)
						}
						rss = max(rss, sm.PeakRSS)
					}
					b.SetBytes(e.StoredBytes)
					b.ReportMetric(float64(e.Items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
					b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
				})
			}
		}
	}
}
