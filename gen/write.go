package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
)

// incrementalMinBilled is the billedSizeBytes of a small incremental
// export: real ones show 10000000 for a few changes (export-format.md §1.2).
const incrementalMinBilled = 10_000_000

// Write generates the export described by opt and writes it into st (the
// store stands for the bucket: see sink/export) with the layout, data
// files, manifests and checksums DynamoDB writes. newEncoder writes one
// data file's records in opt.Format: for DYNAMODB_JSON a func returning
// ddbjson.NewEncoder(w). A nil newEncoder is an error, and for ION it is
// ErrFormatNotSupported.
//
// The same opt (Seed included) gives byte-identical objects. Memory is
// about min(Files, MaxOpenFiles) × 0.9 MiB plus one record per worker.
// billedSizeBytes is the sum of the items' sizes (ItemSize) for a full
// export, and that of the images but at least 10000000 for an incremental
// one. It returns where the export is and its summary as written. On
// error, what was written stays in the store without manifests, like a
// failed DynamoDB export.
func Write(ctx context.Context, st store.Store, opt Options, newEncoder func(w io.Writer) codec.Encoder) (manifest.Ref, *manifest.Summary, error) {
	src, err := NewSource(opt)
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	o := src.opt
	if newEncoder == nil {
		if o.Format == codec.FormatION {
			return manifest.Ref{}, nil, ErrFormatNotSupported
		}
		return manifest.Ref{}, nil, errors.New("gen: no encoder: pass one writing DYNAMODB_JSON, such as ddbjson.NewEncoder")
	}
	var billed atomic.Int64
	w, err := export.New(ctx, st, export.Options{
		Summary:    src.Summary(),
		Format:     o.Format,
		Files:      o.Files,
		NewEncoder: newEncoder,
		Rand:       src.names(),
		BilledSizeBytes: func(export.Stats) int64 {
			if o.Kind == Incremental {
				return max(billed.Load(), incrementalMinBilled)
			}
			return billed.Load()
		},
		Overwrite: o.Overwrite,
	})
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	workers := o.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// One pass per group of MaxOpenFiles partitions; within a pass each
	// worker owns the partitions p with p%workers == its number, so each
	// file gets its records in index order whatever the scheduling.
	for lo := 0; lo < o.Files; lo += o.MaxOpenFiles {
		hi := min(lo+o.MaxOpenFiles, o.Files)
		if err := src.pass(ctx, w, lo, hi, min(workers, hi-lo), &billed); err != nil {
			w.Abort()
			return manifest.Ref{}, nil, err
		}
	}
	sum, _, err := w.Close(ctx)
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	ref := w.Ref()
	ref.HasSummary = true
	return ref, sum, nil
}

// pass writes the records of partitions [lo, hi) with n workers, and
// closes those partitions.
func (s *Source) pass(ctx context.Context, w *export.Writer, lo, hi, n int, billed *atomic.Int64) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			if err := s.work(ctx, w, lo, hi, n, k, billed); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (s *Source) work(ctx context.Context, w *export.Writer, lo, hi, n, k int, billed *atomic.Int64) error {
	// On error, partitions left open are discarded by Write's Abort.
	parts := map[int]*export.Partition{}
	var size int64
	for i := range s.opt.Items {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := s.Partition(i)
		if p < lo || p >= hi || (p-lo)%n != k {
			continue
		}
		part := parts[p]
		if part == nil {
			var err error
			if part, err = w.Partition(ctx, p); err != nil {
				return err
			}
			parts[p] = part
		}
		rec := s.Record(i)
		size += int64(ItemSize(rec.Item) + ItemSize(rec.NewImage) + ItemSize(rec.OldImage))
		if err := part.Write(rec); err != nil {
			return err
		}
	}
	billed.Add(size)
	for _, part := range parts {
		if err := part.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Lines returns n records of a full export generated with seed and
// default options, encoded by newEncoder (for DynamoDB JSON lines, a func
// returning ddbjson.NewEncoder(w)): input for decoder tests and
// benchmarks.
func Lines(seed int64, n int, newEncoder func(w io.Writer) codec.Encoder) ([]byte, error) {
	src, err := NewSource(Options{Seed: seed, Items: n})
	if err != nil {
		return nil, err
	}
	if newEncoder == nil {
		return nil, errors.New("gen: Lines needs an encoder")
	}
	var buf bytes.Buffer
	enc := newEncoder(&buf)
	for rec := range src.Records() {
		if err := enc.Encode(rec); err != nil {
			return nil, fmt.Errorf("gen: encode: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("gen: encode: %w", err)
	}
	return buf.Bytes(), nil
}
