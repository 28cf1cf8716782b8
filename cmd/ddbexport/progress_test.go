package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/pipeline"
)

func TestProgress_drawsCountsAndStops(t *testing.T) {
	var buf bytes.Buffer
	stats := new(pipeline.Stats)
	p := startProgress(&buf, "2/2 convert: ", stats, 3, 3<<20)
	stats.Files.Add(2)
	stats.Items.Add(1234)
	stats.StoredBytes.Add(2 << 20)
	time.Sleep(400 * time.Millisecond)
	p.stop()
	out := buf.String()
	for _, want := range []string{"2/2 convert: files 2/3", "items 1234", "2.0/3.0 MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
}

func TestProgress_notOnAPipe(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}
