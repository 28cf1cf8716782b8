// Package exporttest holds test helpers about whole exports.
package exporttest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

// Records verifies the export ref in st and returns a copy of every
// record, in no particular order. The test fails if the export has a
// finding or a warning.
func Records(t testing.TB, st store.Store, ref manifest.Ref) []*codec.Record {
	t.Helper()
	var (
		mu   sync.Mutex
		recs []*codec.Record
	)
	rep, err := verify.Verify(context.Background(), st, ref, verify.Options{Sink: func(*pipeline.Task) (pipeline.RecordSink, error) {
		return collect{mu: &mu, recs: &recs}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != 0 || len(rep.Warnings) > 0 {
		var b bytes.Buffer
		rep.WriteText(&b)
		t.Fatalf("%s does not verify:\n%s", ref, b.String())
	}
	return recs
}

type collect struct {
	mu   *sync.Mutex
	recs *[]*codec.Record
}

func (c collect) Write(r *codec.Record) error {
	c.mu.Lock()
	*c.recs = append(*c.recs, r.Clone())
	c.mu.Unlock()
	return nil
}

func (c collect) Close() error { return nil }
