package localfs

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// TestWriter_writeback writes a file of 2.5 × writebackEvery in odd-sized
// pieces: the writer asks for the writeback of whole stretches as it goes,
// and the committed file holds every byte in order.
func TestWriter_writeback(t *testing.T) {
	ctx := context.Background()
	d := New(t.TempDir())
	sw, err := d.Create(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	w := sw.(*writer)
	want := make([]byte, writebackEvery*5/2)
	for i := range want {
		want[i] = byte(i * 7 / 3)
	}
	for p := want; len(p) > 0; {
		n := min(len(p), 1<<20+13)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if w.started < 2*writebackEvery || w.started > w.n || w.n != int64(len(want)) {
		t.Fatalf("wrote %d bytes, writeback started for %d; want all %d written and at least %d started", w.n, w.started, len(want), 2*writebackEvery)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("committed file differs from what was written (%d bytes against %d)", len(got), len(want))
	}
}
