// Package memtest measures the memory of the process for tests that
// bound it: the Go heap's peaks while some work runs, and the process's
// resident set from /proc/self/status.
package memtest

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A HeapSampler records the largest live heap (runtime/metrics
// /gc/heap/live:bytes: the heap marked live by the last collection) and
// the largest heap in use (live or garbage not yet collected) seen while
// it runs.
type HeapSampler struct {
	live, inuse atomic.Uint64
	stop        chan struct{}
	done        sync.WaitGroup
}

// StartHeapSampler samples the heap every interval until Stop.
func StartHeapSampler(every time.Duration) *HeapSampler {
	h := &HeapSampler{stop: make(chan struct{})}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(samples)
			h.live.Store(max(h.live.Load(), samples[0].Value.Uint64()))
			h.inuse.Store(max(h.inuse.Load(), samples[1].Value.Uint64()))
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns the peaks.
func (h *HeapSampler) Stop() (live, inuse uint64) {
	close(h.stop)
	h.done.Wait()
	return h.live.Load(), h.inuse.Load()
}

// ProcStatus returns a size field of /proc/self/status (VmRSS, VmHWM) in
// bytes.
func ProcStatus(field string) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}
