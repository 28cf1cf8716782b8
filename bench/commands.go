package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	sinkexport "github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// The stages of ddbexport's commands call what the commands call
// (cmd/ddbexport: verify.go, convert.go, parquet.go) with the commands'
// defaults, minus the progress bar and the printing.

func runVerify(quick bool) func(ctx context.Context, e *Export, workers int) (counts, error) {
	return func(ctx context.Context, e *Export, workers int) (counts, error) {
		rep, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{Workers: workers, Quick: quick})
		if err != nil {
			return counts{}, err
		}
		if rep.ExitCode() != verify.ExitIntact {
			return counts{}, fmt.Errorf("verify: %s", rep.Status)
		}
		return counts{n: rep.Totals.Items}, nil
	}
}

// otherFormat is the format convert writes from f.
func otherFormat(f codec.Format) codec.Format {
	if f == codec.FormatION {
		return codec.FormatDynamoDBJSON
	}
	return codec.FormatION
}

// runConvert is convert --to <the other format> --out DIR, as
// cmd/ddbexport/convert.go does it: one data file per source data file,
// verified on the same pass, the new export's manifests written at Close.
func runConvert(ctx context.Context, e *Export, workers int) (counts, error) {
	target := otherFormat(e.Format)
	if _, err := codec.NewEncoder(target, io.Discard); err != nil {
		return counts{}, err
	}
	out, err := e.tempOut("convert")
	if err != nil {
		return counts{}, err
	}
	defer os.RemoveAll(out)
	partition := map[string]int{}
	for _, k := range e.Keys {
		partition[k] = len(partition)
	}
	tmpl, err := newExportSummary(e.Summary)
	if err != nil {
		return counts{}, err
	}
	w, err := sinkexport.New(ctx, localfs.New(out), sinkexport.Options{
		Summary: tmpl,
		Format:  target,
		Files:   max(len(partition), 1),
		NewEncoder: func(w io.Writer) codec.Encoder {
			enc, _ := codec.NewEncoder(target, w)
			return enc
		},
	})
	if err != nil {
		return counts{}, err
	}
	rep, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{
		Workers: workers,
		Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
			return w.Partition(ctx, partition[t.Key])
		},
	})
	if err != nil || rep.ExitCode() != verify.ExitIntact {
		w.Abort()
		if err == nil {
			err = fmt.Errorf("convert: the source does not verify: %s", rep.Status)
		}
		return counts{}, err
	}
	sum, _, err := w.Close(ctx)
	if err != nil {
		return counts{}, err
	}
	if sum.ItemCount != rep.Totals.Items {
		return counts{}, fmt.Errorf("convert: wrote %d items of %d", sum.ItemCount, rep.Totals.Items)
	}
	return counts{n: sum.ItemCount}, nil
}

// newExportSummary is cmd/ddbexport's: the summary of a new export of the
// same table, with a new export ID.
func newExportSummary(src *manifest.Summary) (manifest.Summary, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return manifest.Summary{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := fmt.Sprintf("0%013d-%s", now.UnixMilli(), hex.EncodeToString(b[:]))
	arn := src.TableArn + "/export/" + id
	if src.TableArn == "" {
		arn = "arn:aws:dynamodb:us-east-1:000000000000:table/unknown/export/" + id
	}
	bucket := src.S3Bucket
	if bucket == "" {
		bucket = "ddbexport-convert"
	}
	return manifest.Summary{
		ExportArn: arn, StartTime: now, TableArn: src.TableArn, TableID: src.TableID,
		ExportTime: src.ExportTime, ExportFromTime: src.ExportFromTime, ExportToTime: src.ExportToTime,
		S3Bucket: bucket, S3Prefix: src.S3Prefix, S3SseAlgorithm: src.S3SseAlgorithm, S3SseKmsKeyID: src.S3SseKmsKeyID,
		OutputView: src.OutputView, ExportType: src.Type(),
	}, nil
}

// inferSink learns the types of one data file's records.
type inferSink struct {
	in   *parquet.Inferrer
	done func(*parquet.Inferrer)
}

func (s *inferSink) Write(r *codec.Record) error { s.in.Add(r); return nil }
func (s *inferSink) Close() error                { s.done(s.in); return nil }

// inferPass is cmd/ddbexport's: verify the export and infer its schema on
// the same pass, pinning what was read of each data file.
func inferPass(ctx context.Context, e *Export, workers int) (*parquet.Schema, map[string]verify.Pin, error) {
	var (
		mu    sync.Mutex
		iopt  = parquet.InferOptions{Numbers: parquet.NumbersAuto, Mixed: parquet.MixedColumns}
		total = parquet.NewInferrer(iopt)
		pins  = map[string]verify.Pin{}
	)
	vopt := verify.Options{
		Workers: workers,
		Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
			return &inferSink{in: parquet.NewInferrer(iopt), done: func(in *parquet.Inferrer) {
				mu.Lock()
				total.Merge(in)
				mu.Unlock()
			}}, nil
		},
		OnFile: func(r *pipeline.Result) {
			if !r.Missing && r.IOErr == nil {
				pins[r.Key] = verify.Pin{Size: r.StoredBytes, MD5: r.MD5}
			}
		},
	}
	rep, err := verify.Verify(ctx, e.Store, e.Ref, vopt)
	if err != nil {
		return nil, nil, err
	}
	if rep.ExitCode() != verify.ExitIntact {
		return nil, nil, fmt.Errorf("schema: the export does not verify: %s", rep.Status)
	}
	s, err := total.Schema()
	if err != nil {
		return nil, nil, fmt.Errorf("inferring the schema: %w", err)
	}
	return s, pins, nil
}

// SchemaFile returns the export's inferred schema as a schema file (what
// ddbexport schema --json prints), inferring it on first use.
func (e *Export) SchemaFile(ctx context.Context) ([]byte, error) {
	e.schemaOnce.Do(func() {
		s, _, err := inferPass(ctx, e, 0)
		if err != nil {
			e.schemaErr = err
			return
		}
		var b bytes.Buffer
		if e.schemaErr = s.WriteJSON(&b); e.schemaErr == nil {
			e.schema = b.Bytes()
		}
	})
	return e.schema, e.schemaErr
}

// runParquet is convert --to parquet --out DIR, with the command's
// defaults: with infer, a first pass infers the schema (and verifies) and
// the second converts; without, the schema file (made beforehand by
// SchemaFile, untimed) is read and one pass converts.
func runParquet(infer bool) func(ctx context.Context, e *Export, workers int) (counts, error) {
	return func(ctx context.Context, e *Export, workers int) (counts, error) {
		var (
			schema *parquet.Schema
			pins   map[string]verify.Pin
			err    error
		)
		if infer {
			if schema, pins, err = inferPass(ctx, e, workers); err != nil {
				return counts{}, err
			}
		} else {
			raw, err := e.SchemaFile(ctx)
			if err != nil {
				return counts{}, err
			}
			if schema, err = parquet.ReadSchema(bytes.NewReader(raw)); err != nil {
				return counts{}, err
			}
		}
		out, err := e.tempOut("parquet")
		if err != nil {
			return counts{}, err
		}
		defer os.RemoveAll(out)
		if os.Getenv("GOMEMLIMIT") == "" { // as convert does
			n := workers
			if n <= 0 {
				n = runtime.GOMAXPROCS(0)
			}
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(parquet.HeapBound(n, parquet.DefaultRowGroupSize)))
		}
		s := e.Summary
		opt := parquet.Options{
			Schema:         schema,
			TargetFileSize: parquet.DefaultTargetFileSize,
			RowGroupSize:   parquet.DefaultRowGroupSize,
			Compression:    parquet.DefaultCompression,
			Source: parquet.Source{
				ExportArn: s.ExportArn, TableArn: s.TableArn, ExportType: string(s.Type()),
				ExportFormat: s.OutputFormat, ItemCount: s.ItemCount,
			},
		}
		if !s.ExportTime.IsZero() {
			opt.Source.ExportTime = s.ExportTime.UTC().Format("2006-01-02T15:04:05Z07:00")
		}
		w, err := parquet.New(ctx, localfs.New(out), opt)
		if err != nil {
			return counts{}, err
		}
		rep, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{
			Workers: workers,
			Pins:    pins,
			Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
				return w.Partition(ctx, t.File.DataFileS3Key), nil
			},
		})
		if err != nil || rep.ExitCode() != verify.ExitIntact {
			w.Abort(ctx, true)
			if err == nil {
				err = fmt.Errorf("parquet: the source does not verify or fit the schema: %s", rep.Status)
			}
			return counts{}, err
		}
		m, err := w.Close(ctx)
		if err != nil {
			return counts{}, err
		}
		if m.Rows != rep.Totals.Items {
			return counts{}, fmt.Errorf("parquet: wrote %d rows of %d items", m.Rows, rep.Totals.Items)
		}
		return counts{n: m.Rows}, nil
	}
}
