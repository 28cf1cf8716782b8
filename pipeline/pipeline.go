// Package pipeline reads an export's data files in parallel, each once:
// the stored bytes stream through an MD5 hash, then gunzip, then either a
// record count (quick mode) or a decoder that validates every record and
// hands it to optional per-record checks. It records what it saw per file
// in a Result; judging the Results against the manifest is package verify's
// job.
//
// Memory is bounded by the options, not by the export's size: about
// Workers × (256 KiB read buffer + gzip window + MaxRecordBytes + decoded
// record), plus at most MaxProblemsPerFile problems per file, plus what the
// store holds per open object (store/s3 reads an object above 64 MiB as
// parallel ranged GETs: up to 32 MiB of chunks).
package pipeline

import (
	"cmp"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"slices"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
)

// A Task is one data file to read.
type Task struct {
	File manifest.File // the manifest's entry
	Key  string        // the file's key in the store
}

// Options configures Run. The zero value decodes DYNAMODB_JSON records of
// either shape (full or incremental) with every core.
type Options struct {
	// Workers is the number of files read at once; 0 means GOMAXPROCS.
	Workers int
	// Quick counts records (newline-terminated lines) without decoding.
	Quick bool
	// Format is the data format to decode (the summary's outputFormat);
	// FormatUnknown (the zero value) means DYNAMODB_JSON.
	Format codec.Format
	// Kind is the record shape to expect.
	Kind codec.Kind
	// MaxRecordBytes bounds one record; 0 means codec.DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxProblemsPerFile bounds the problems kept per file; more are
	// counted in Result.MoreProblems. 0 means 100.
	MaxProblemsPerFile int
	// Check, if set, is called for every decoded record with its file's
	// task, from several goroutines at once (but for one file always from
	// one goroutine, in record order); the problems it returns are kept in the file's
	// Result with the record's line (when their Line is 0). The record,
	// and the memory of its strings, are valid only during the call (see
	// codec.DecodeOptions.ReuseRecord): a Problem must hold copies
	// (strings.Clone), not the record's own strings.
	Check func(t *Task, r *codec.Record) []Problem
	// Sink, if set, is called once per data file before it is read, and
	// every good record of the file is written to the RecordSink it
	// returns (from that file's goroutine, in order), which is closed when
	// the file is done. A *codec.RejectError from Write becomes a Problem
	// of the file at the record's line and offset; any other error of
	// Sink or of the RecordSink stops the run: Run returns it. Quick is
	// ignored: records are decoded.
	Sink func(t *Task) (RecordSink, error)
	// Stats, if set, is updated as files are read, for progress display.
	Stats *Stats
}

func (o *Options) quick() bool { return o.Quick && o.Sink == nil }

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (o *Options) format() codec.Format {
	if o.Format == codec.FormatUnknown {
		return codec.FormatDynamoDBJSON
	}
	return o.Format
}

func (o *Options) maxProblems() int {
	if o.MaxProblemsPerFile > 0 {
		return o.MaxProblemsPerFile
	}
	return 100
}

// Stats are live counters of a run, safe to read while it goes. When Run
// returns without error, Files is the number of tasks, and Items and
// StoredBytes are the sums of the Results' Records and StoredBytes.
type Stats struct {
	Files       atomic.Int64 // files finished
	Items       atomic.Int64 // records read
	StoredBytes atomic.Int64 // stored bytes read
}

// A Problem is something wrong inside one data file.
type Problem struct {
	Kind     string // a finding kind, such as "decode_error"
	Line     int64  // 1-based line, 0 if not about one record
	Offset   int64  // byte offset in the decompressed stream
	Path     string // attribute path, if known
	Reason   string // the rule broken, such as "empty_set"
	Message  string
	Expected string
	Actual   string
}

// A RecordSink receives the records of one data file, as
// sink/export.Partition does. The record is valid only during Write.
type RecordSink interface {
	Write(r *codec.Record) error
	Close() error
}

// A Result is what reading one data file found.
type Result struct {
	Task
	// Missing is set when the file does not exist; nothing else is set.
	Missing bool
	// IOErr is set when the file could not be read (other than missing):
	// the file is not checked. StoredBytes, UncompressedBytes and Records
	// then count what was read before the error, and MD5 is not set.
	IOErr error
	// StoredBytes is the size of the stored object read, and MD5 the MD5
	// of those bytes.
	StoredBytes int64
	MD5         [md5.Size]byte
	// UncompressedBytes is the size of the decompressed content read.
	UncompressedBytes int64
	// Records counts newline-framed records (lines), good or bad.
	Records int64
	// Undecoded is set when the records could not be decoded because no
	// decoder is registered for the format (it wraps codec.ErrNoDecoder):
	// they were counted instead, as in quick mode.
	Undecoded error
	// Gzip tells whether the file was gzip-compressed.
	Gzip bool
	// StreamErr is set when the compressed stream is corrupt or truncated:
	// Records then counts only what was read before it.
	StreamErr error
	// Problems found in the file, at most MaxProblemsPerFile, in order;
	// MoreProblems counts those left out.
	Problems     []Problem
	MoreProblems int64
}

// Run reads every task and returns one Result per task, in task order.
// Data problems are recorded in the Results; the error is for what stops
// the whole run (a cancelled context).
func Run(ctx context.Context, st store.Store, tasks []Task, opt Options) ([]Result, error) {
	return run(ctx, st, tasks, opt, nil)
}

// run is Run; with emit set, each task's worker also sends its records,
// encoded, to the task's queue in emit.
func run(ctx context.Context, st store.Store, tasks []Task, opt Options, emit *emitter) ([]Result, error) {
	results := make([]Result, len(tasks))
	workers := opt.workers()
	states := make(chan *worker, workers)
	for range workers {
		states <- &worker{opt: &opt, buf: make([]byte, 256<<10)}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, i := range dispatchOrder(tasks, workers, emit != nil) {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			w := <-states
			defer func() { states <- w }()
			if emit != nil {
				w.out = emit.open(gctx, i)
				defer w.out.close()
			}
			if opt.Sink != nil {
				sink, err := opt.Sink(&tasks[i])
				if err != nil {
					return fmt.Errorf("%s: %w", tasks[i].Key, err)
				}
				w.sink, w.sinkErr = sink, nil
			}
			results[i] = w.process(gctx, st, tasks[i])
			if opt.Stats != nil {
				opt.Stats.Files.Add(1)
			}
			if w.sink != nil {
				err := w.sink.Close()
				w.sink = nil
				if err := cmp.Or(w.sinkErr, err); err != nil {
					return fmt.Errorf("%s: %w", tasks[i].Key, err)
				}
			}
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// errgroup cancels gctx when Wait returns; only the caller's context
	// tells whether the run was interrupted.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// dispatchOrder returns the order in which to start tasks: the largest
// first (by the manifest's item count, the size it gives), so that the
// workers run out of work together instead of one finishing a large file
// while the others wait. In order when records stream out in task order
// (the queues of later tasks would fill while an earlier one waits) or
// with one worker.
func dispatchOrder(tasks []Task, workers int, ordered bool) []int {
	order := make([]int, len(tasks))
	for i := range order {
		order[i] = i
	}
	if ordered || workers < 2 {
		return order
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(tasks[b].File.ItemCount, tasks[a].File.ItemCount)
	})
	return order
}

// worker holds the reusable state of one goroutine.
type worker struct {
	opt *Options
	gz  codec.Gunzipper
	dec codec.Decoder
	fmt codec.Format
	buf []byte
	hr  hashReader
	res *Result
	out *queue // where records go, in ordered streaming (see Stream)
	// sink receives the current file's records (Options.Sink); sinkErr is
	// its first error, which stops the file and the run.
	sink    RecordSink
	sinkErr error
	// items is the part of res.Records already added to Stats.Items.
	items int64
}

func (w *worker) process(ctx context.Context, st store.Store, t Task) (res Result) {
	res = Result{Task: t}
	rc, err := st.Open(ctx, t.Key)
	if err != nil {
		if errors.Is(err, store.ErrNotExist) {
			res.Missing = true
		} else {
			res.IOErr = err
		}
		return res
	}
	defer rc.Close()
	w.hr.reset(ctx, rc, w.opt.Stats)
	w.res, w.items = &res, 0
	defer w.settle()
	zr, err := w.gz.Open(&w.hr)
	switch {
	case w.hr.err != nil:
		res.IOErr = w.hr.err
		return res
	case err != nil:
		res.Gzip = true
		res.StreamErr = err
	default:
		res.Gzip = w.gz.IsGzip()
		cr := countingReader{r: zr}
		if w.opt.quick() {
			err = w.count(&cr)
		} else {
			err = w.decode(&cr)
		}
		res.UncompressedBytes = cr.n
		if w.hr.err != nil {
			res.IOErr = w.hr.err
			return res
		}
		if err != nil {
			if ctx.Err() != nil {
				res.IOErr = err
				return res
			}
			res.StreamErr = err
		}
	}
	// Hash every stored byte, even those after a broken or ended stream.
	if _, err := io.Copy(io.Discard, &w.hr); err != nil {
		res.IOErr = err
		return res
	}
	copy(res.MD5[:], w.hr.h.Sum(nil))
	return res
}

// settle sets the stored bytes read in the file's Result and brings Stats
// up to it, so that at the end of a run Stats.Items and Stats.StoredBytes
// are the sums of the Results' Records and StoredBytes.
func (w *worker) settle() {
	w.res.StoredBytes = w.hr.n
	if s := w.opt.Stats; s != nil {
		s.Items.Add(w.res.Records - w.items)
		s.StoredBytes.Add(w.hr.n - w.hr.added)
		w.items, w.hr.added = w.res.Records, w.hr.n
	}
}

// count counts newline-terminated lines, plus a final unterminated one.
func (w *worker) count(r io.Reader) error {
	var lines int64
	last := byte('\n')
	for {
		n, err := r.Read(w.buf)
		if n > 0 {
			lines += int64(countNewlines(w.buf[:n]))
			last = w.buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			w.res.Records = lines
			return err
		}
	}
	if last != '\n' {
		lines++
	}
	w.res.Records = lines
	return nil
}

func (w *worker) decode(r io.Reader) error {
	opt := codec.DecodeOptions{
		File:           w.res.File.DataFileS3Key,
		Kind:           w.opt.Kind,
		MaxRecordBytes: w.opt.MaxRecordBytes,
		ReuseRecord:    true,
		OnError: func(e *codec.DecodeError) {
			if w.out != nil {
				w.out.fail(e)
			}
			w.addProblem(Problem{
				Kind:    "decode_error",
				Line:    e.Line,
				Offset:  e.Offset,
				Path:    e.Path,
				Reason:  e.Reason(),
				Message: e.Err.Error(),
			})
		},
	}
	format := w.opt.format()
	if rs, ok := w.dec.(codec.Resetter); ok && w.fmt == format {
		rs.Reset(r, opt)
	} else {
		dec, err := codec.NewDecoder(format, r, opt)
		if err != nil {
			// No decoder for the format: count the records, as in quick
			// mode, and say that they were not decoded.
			w.res.Undecoded = err
			return w.count(r)
		}
		w.dec, w.fmt = dec, format
	}
	dec := w.dec
	var items int64
	for dec.Next() {
		items++
		if w.opt.Check != nil {
			for _, p := range w.opt.Check(&w.res.Task, dec.Record()) {
				if p.Line == 0 {
					p.Line, p.Offset = dec.Line(), dec.RecordOffset()
				}
				w.addProblem(p)
			}
		}
		if w.out != nil {
			w.out.add(dec.Record())
		}
		if w.sink != nil {
			if err := w.sink.Write(dec.Record()); err != nil {
				var re *codec.RejectError
				if !errors.As(err, &re) {
					w.sinkErr = err
					break
				}
				w.addProblem(Problem{Kind: re.Kind, Line: dec.Line(), Offset: dec.RecordOffset(),
					Path: re.Path, Reason: re.Reason, Message: re.Err.Error()})
			}
		}
		if items&1023 == 0 && w.opt.Stats != nil {
			w.opt.Stats.Items.Add(1024)
			w.items += 1024
		}
	}
	w.res.Records = dec.Line()
	err := dec.Err()
	var de *codec.DecodeError
	if errors.As(err, &de) {
		if w.out != nil {
			w.out.fail(de)
		}
		// Without OnError this cannot happen; keep it as a problem anyway.
		w.addProblem(Problem{Kind: "decode_error", Line: de.Line, Offset: de.Offset, Path: de.Path, Reason: de.Reason(), Message: de.Err.Error()})
		return nil
	}
	return err
}

func (w *worker) addProblem(p Problem) {
	if len(w.res.Problems) < w.opt.maxProblems() {
		w.res.Problems = append(w.res.Problems, p)
		return
	}
	w.res.MoreProblems++
}

// hashReader hashes and counts the stored bytes, keeps the first read
// error of the store (so it is told apart from a corrupt gzip stream), and
// checks for cancellation.
type hashReader struct {
	ctx   context.Context
	r     io.Reader
	h     hash.Hash
	n     int64
	err   error
	stats *Stats
	added int64 // of n, the bytes added to stats.StoredBytes
}

func (h *hashReader) reset(ctx context.Context, r io.Reader, stats *Stats) {
	h.ctx, h.r, h.n, h.err, h.stats, h.added = ctx, r, 0, nil, stats, 0
	if h.h == nil {
		h.h = md5.New()
	} else {
		h.h.Reset()
	}
}

func (h *hashReader) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	if err := h.ctx.Err(); err != nil {
		h.err = err
		return 0, err
	}
	n, err := h.r.Read(p)
	if n > 0 {
		h.h.Write(p[:n])
		h.n += int64(n)
		if h.stats != nil && h.n-h.added >= 1<<20 {
			h.stats.StoredBytes.Add(h.n - h.added)
			h.added = h.n
		}
	}
	if err != nil && err != io.EOF {
		h.err = fmt.Errorf("read: %w", err)
		return n, h.err
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
