package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

// A Sample is one run of one stage.
type Sample struct {
	Wall time.Duration
	// CPU is the user and system time of the process over the run (and of
	// the child processes it waited for: igzip).
	CPU time.Duration
	// PeakRSS is the peak resident set size during the run, in bytes
	// (see RSSMethod); 0 if unknown.
	PeakRSS int64
}

// RSS methods, as Measure reports them.
const (
	// RSSReset: the process's VmHWM, reset before the run by writing "5"
	// to /proc/self/clear_refs after a GC that returned free memory to
	// the OS; the peak is that of the whole process during the run
	// (runtime and what earlier stages keep live included).
	RSSReset = "VmHWM of the process, reset before each run (clear_refs)"
	// RSSProcess: the reset is not permitted; the peak is the process's
	// since it started, an upper bound.
	RSSProcess = "VmHWM of the process since it started (clear_refs not permitted): an upper bound"
	// RSSChild: the work is done by child processes (igzip), whose peak
	// RSS is not known (a child's ru_maxrss counts its parent's pages up
	// to its exec).
	RSSChild = "not known: child processes"
)

// Options configures Measure.
type Options struct {
	// Workers is the stage's worker count (files at once); 0 means
	// GOMAXPROCS.
	Workers int
}

// Measure runs stage s once on e, in this process, and returns its
// sample and the method of its peak RSS. The run's count (stored bytes,
// uncompressed bytes or items, as s.Check says) must be the export's,
// else the run is an error.
func Measure(ctx context.Context, e *Export, s *Stage, opt Options) (Sample, string, error) {
	if why := s.Unavailable(); why != "" {
		return Sample{}, "", fmt.Errorf("%s: %s", s.Name, why)
	}
	if !s.Applies(e.Format) {
		return Sample{}, "", fmt.Errorf("%s: only for %s exports", s.Name, s.Format)
	}
	if s.Name == StageParquet {
		// The schema file is made beforehand, as a user would with
		// ddbexport schema --json: not timed.
		if _, err := e.SchemaFile(ctx); err != nil {
			return Sample{}, "", err
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	method := RSSProcess
	if resetHWM() {
		method = RSSReset
	}
	cpu0 := cpuTime()
	t0 := time.Now()
	c, err := s.run(ctx, e, opt.Workers)
	wall := time.Since(t0)
	cpu := cpuTime() - cpu0
	if err != nil {
		return Sample{}, "", fmt.Errorf("%s: %w", s.Name, err)
	}
	want := e.Items
	switch s.Check {
	case "stored":
		want = e.StoredBytes
	case "uncompressed":
		want = e.UncompressedBytes
	}
	if c.n != want {
		return Sample{}, "", fmt.Errorf("%s: counted %d %s, want %d: %w", s.Name, c.n, s.Check, want, errCount)
	}
	sm := Sample{Wall: wall, CPU: cpu, PeakRSS: peakRSS()}
	if c.child {
		sm.PeakRSS, method = 0, RSSChild
	}
	return sm, method, nil
}

// cpuTime is the user and system time of this process and of its waited
// children.
func cpuTime() time.Duration {
	var t time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			t += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return t
}

// resetHWM resets the process's peak RSS to its current RSS.
func resetHWM() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS returns VmHWM from /proc/self/status, in bytes, or 0.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
			return kb << 10
		}
	}
	return 0
}
