package merge

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	sinkexport "github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func storetestMem() store.Store { return storetest.NewMem() }

func newTestWriter(st store.Store) (*sinkexport.Writer, error) {
	return sinkexport.New(context.Background(), st, sinkexport.Options{
		Summary: manifest.Summary{
			ExportArn: "arn:aws:dynamodb:us-east-1:123456789012:table/t/export/01700000000000-00000000",
			S3Bucket:  "b", StartTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		},
		NewEncoder: func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) },
	})
}

// readItems closes w and returns its items' "v" by "pk".
func readItems(t *testing.T, st store.Store, w *sinkexport.Writer) map[string]string {
	t.Helper()
	if _, _, err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := store.ReadAll(context.Background(), st, w.DataKey(0), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := codec.Open(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := ddbjson.NewDecoder(rc, codec.DecodeOptions{Kind: codec.KindFull})
	out := map[string]string{}
	for dec.Next() {
		it := dec.Record().Item
		pk, _ := it.Get("pk")
		v, _ := it.Get("v")
		out[pk.Str] = v.Str
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
