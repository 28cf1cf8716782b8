package main

import (
	"runtime/debug"
	"testing"

	"github.com/ddbexport/ddbexport/sink/parquet"
)

func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := limitMemory(parquet.HeapBound(2, 32<<20))
	if got, want := debug.SetMemoryLimit(-1), int64(2*(64<<20+48<<20)+32<<20); got != want {
		t.Errorf("limit during the conversion: %d; want %d (256 MiB: 2 workers, 32 MiB row groups)", got, want)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after: %d; want %d, as before", got, before)
	}

	// A limit the user sets is the user's.
	t.Setenv("GOMEMLIMIT", "1GiB")
	limitMemory(1 << 20)()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("with GOMEMLIMIT set: limit %d; want it untouched (%d)", got, before)
	}
}
