package parquet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"
	"golang.org/x/sync/errgroup"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/store"
)

// Names in the output folder.
const (
	// SuccessName marks a complete output; it is written last.
	SuccessName = "_SUCCESS"
	// ManifestName lists the output files, written just before SuccessName.
	ManifestName = "_manifest.json"
	// SchemaName is the schema of the output, written first.
	SchemaName = "_schema.json"
	// partsDir holds one record per published file while a run is under
	// way, so that an interrupted run can be resumed; it is removed when
	// the output is complete.
	partsDir = "_parts/"
	// ManifestVersion names the format of ManifestName.
	ManifestVersion = "ddbexport.parquet/v1"
	// Metadata keys of each Parquet file.
	MetaSchema = "ddbexport.schema"
	MetaSource = "ddbexport.source"
)

// Defaults of Options.
const (
	DefaultTargetFileSize = 256 << 20
	DefaultRowGroupSize   = 32 << 20
	DefaultCompression    = "zstd"
	// batchBytes and batchRows bound the rows shredded into columns
	// before they are encoded into the current row group; so does twice
	// batchBytes of the columns' memory, where items are sparse in a wide
	// schema or their numbers short.
	batchBytes = 8 << 20
	batchRows  = 64 << 10
)

// Options configure a Writer.
type Options struct {
	// Schema says how items become columns (Infer, or ReadSchema).
	Schema *Schema
	// Prefix is the output folder's key in the store: "" or ending in "/".
	Prefix string
	// TargetFileSize is the size at which an output file is closed and a
	// new one begun: DefaultTargetFileSize if 0. Files end at a batch of
	// rows, so they may pass it by up to 8 MiB of input.
	TargetFileSize int64
	// RowGroupSize bounds a row group: it is closed once it holds this
	// much item data (strings, binaries and numbers as text, about the
	// size of its columns before compression) or this many encoded bytes:
	// DefaultRowGroupSize if 0. A row group is held in memory, encoded,
	// until it is closed, with its dictionaries: see HeapBound.
	RowGroupSize int64
	// Compression is zstd (the default), snappy, lz4, gzip or none.
	Compression string
	// CompressionLevel is the codec's level (see CheckCompression); 0
	// means zstd level 1 (with libzstd, faster than snappy on exports,
	// and smaller) and gzip's default. With libzstd (see ZstdEncoder)
	// zstd's levels are libzstd's: 1 to 22, and negative ones for speed;
	// the pure-Go encoder maps them to its four speeds.
	CompressionLevel int
	// Source describes the export written, for the manifest and metadata.
	Source Source
}

func (o *Options) targetFileSize() int64 {
	if o.TargetFileSize <= 0 {
		return DefaultTargetFileSize
	}
	return o.TargetFileSize
}

func (o *Options) rowGroupSize() int64 {
	if o.RowGroupSize <= 0 {
		return DefaultRowGroupSize
	}
	return o.RowGroupSize
}

// HeapBound is the Go heap that a Writer needs with workers partitions
// written at once and row groups of rowGroupSize (0: the default): per
// worker, the row group being encoded, the next batch's columns and a
// page of every column, about 2 × rowGroupSize + 48 MiB, and 32 MiB for
// the rest. Left alone, the garbage collector lets the heap grow to
// about twice what is live; a program that sets it as its soft memory
// limit (debug.SetMemoryLimit), as ddbexport convert does, keeps the
// heap near it instead, however large the export.
func HeapBound(workers int, rowGroupSize int64) int64 {
	if rowGroupSize <= 0 {
		rowGroupSize = DefaultRowGroupSize
	}
	return int64(max(workers, 1))*(2*rowGroupSize+48<<20) + 32<<20
}

// ParseCompression returns the Parquet codec named s.
func ParseCompression(s string) (compress.Compression, error) {
	switch strings.ToLower(s) {
	case "", "zstd":
		return compress.Codecs.Zstd, nil
	case "snappy":
		return compress.Codecs.Snappy, nil
	case "lz4", "lz4_raw":
		return compress.Codecs.Lz4Raw, nil
	case "gzip":
		return compress.Codecs.Gzip, nil
	case "none", "uncompressed":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("compression %q: want zstd, snappy, lz4, gzip or none", s)
}

// CheckCompression says whether codec name (see ParseCompression) has
// level (0 for its default): zstd's are -131072 to 22 (libzstd's range;
// it clamps the negative ones to its fastest), gzip's 1 to 9; the others
// have none.
func CheckCompression(name string, level int) error {
	c, err := ParseCompression(name)
	switch {
	case err != nil:
		return err
	case level == 0:
		return nil
	case c == compress.Codecs.Zstd:
		if level >= -1<<17 && level <= 22 {
			return nil
		}
		return fmt.Errorf("zstd has levels 1 to 22 (and negative ones, to -131072, for speed), not %d", level)
	case c == compress.Codecs.Gzip:
		if level >= 1 && level <= 9 {
			return nil
		}
		return fmt.Errorf("gzip has levels 1 to 9, not %d", level)
	}
	return fmt.Errorf("%s has no levels (given %d)", strings.ToLower(name), level)
}

// Source describes the export that an output holds.
type Source struct {
	ExportArn    string `json:"exportArn,omitempty"`
	TableArn     string `json:"tableArn,omitempty"`
	ExportType   string `json:"exportType,omitempty"`
	ExportFormat string `json:"exportFormat,omitempty"`
	ExportTime   string `json:"exportTime,omitempty"`
	ItemCount    int64  `json:"itemCount"`
}

// A Manifest lists the files of a complete output.
type Manifest struct {
	Version string       `json:"format"`
	Source  Source       `json:"source"`
	Rows    int64        `json:"rows"`
	Files   []OutputFile `json:"files"`
}

// An OutputFile is one Parquet file of an output.
type OutputFile struct {
	Path   string  `json:"path"` // relative to the output folder
	Rows   int64   `json:"rows"`
	Bytes  int64   `json:"bytes"`
	Inputs []Input `json:"inputs"`
}

// An Input is the part of one source data file that an output file holds.
// A data file's rows fill part 0 of one output file, then part 1 of the
// next, and so on; its last part has Last set.
type Input struct {
	File string `json:"file"`
	Part int    `json:"part"`
	Rows int64  `json:"rows"`
	Last bool   `json:"last"`
}

// A Writer writes the items of one export as Parquet files into a folder,
// from many goroutines at once: one Partition per source data file. Each
// file is written under a temporary name and published whole; the
// manifest and _SUCCESS are written by Close, last.
type Writer struct {
	st    store.Store
	opt   Options
	pq    *pqschema.Schema
	props *pq.WriterProperties
	kv    metadata.KeyValueMetadata

	// batchBytes bounds the input bytes of the rows built before they
	// are encoded: batchBytes, less for small files.
	batchBytes int64
	// alloc holds the memory of the pages for reuse, up to twice
	// RowGroupSize per file open at once. mem is alloc, the allocator
	// of the column writers and their pages (a test wraps it to count
	// what is not given back).
	alloc *poolAllocator
	mem   memory.Allocator

	// What Resume swept of the interrupted run's unfinished writes.
	swept    int
	sweepErr error

	next   atomic.Int64 // number of the next output file
	failed atomic.Bool  // a record did not fit: nothing more is written

	mu        sync.Mutex
	free      []*fileWriter // open files, to be filled by the next partitions
	published []OutputFile
	closed    bool
	aborted   bool
	files     []*fileWriter // every file writer, to abort
}

// ErrNotEmpty is wrapped by the error of New and CheckEmpty for an output
// folder that holds a file.
var ErrNotEmpty = errors.New("not empty")

// CheckEmpty returns an error wrapping ErrNotEmpty if the folder prefix
// ("" or ending in "/") of st holds a file, as New does, or the error of
// listing it: a program can check the output folder before a long first
// pass (such as a schema's inference).
func CheckEmpty(ctx context.Context, st store.Store, prefix string) error {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	for o, err := range st.List(ctx, prefix) {
		if err != nil {
			return err
		}
		return fmt.Errorf("%s is %w (it holds %s): write into a new folder", where(st, prefix), ErrNotEmpty, o.Key)
	}
	return nil
}

// New starts a new output in an empty folder: it refuses a folder that
// already holds a file. It writes the schema first.
func New(ctx context.Context, st store.Store, opt Options) (*Writer, error) {
	w, err := newWriter(st, opt)
	if err != nil {
		return nil, err
	}
	if err := CheckEmpty(ctx, st, opt.Prefix); err != nil {
		return nil, err
	}
	if err := w.putJSON(ctx, SchemaName, opt.Schema); err != nil {
		return nil, err
	}
	return w, nil
}

func where(st store.Store, prefix string) string {
	if prefix == "" {
		return st.String()
	}
	return strings.TrimSuffix(st.String(), "/") + "/" + strings.TrimSuffix(prefix, "/")
}

func newWriter(st store.Store, opt Options) (*Writer, error) {
	return newWriterMem(st, opt, nil)
}

// newWriterMem is newWriter with the Writer's allocator wrapped by wrap,
// if not nil: a test's memory.CheckedAllocator.
func newWriterMem(st store.Store, opt Options, wrap func(memory.Allocator) memory.Allocator) (*Writer, error) {
	if opt.Schema == nil {
		return nil, errors.New("parquet: no schema")
	}
	if err := opt.Schema.Check(); err != nil {
		return nil, err
	}
	if opt.Prefix != "" && !strings.HasSuffix(opt.Prefix, "/") {
		opt.Prefix += "/"
	}
	if err := CheckCompression(opt.Compression, opt.CompressionLevel); err != nil {
		return nil, err
	}
	codecName, _ := ParseCompression(opt.Compression)
	w := &Writer{st: st, opt: opt, alloc: newPoolAllocator(opt.rowGroupSize())}
	w.mem = w.alloc
	if wrap != nil {
		w.mem = wrap(w.alloc)
	}
	w.batchBytes = min(batchBytes, max(min(opt.targetFileSize(), opt.rowGroupSize())/4, 16<<10))
	level := opt.CompressionLevel
	if level == 0 {
		level = compress.DefaultCompressionLevel
		if codecName == compress.Codecs.Zstd {
			level = 1
		}
	}
	props := []pq.WriterProperty{
		pq.WithCompression(codecName),
		pq.WithCompressionLevel(level),
		// Dictionaries only where the schema asks (see Type.Dictionary).
		pq.WithDictionaryDefault(false),
		pq.WithCreatedBy("ddbexport"),
		pq.WithAllocator(w.mem),
		pq.WithStats(true),
	}
	for _, path := range dictionaryPaths(opt.Schema) {
		props = append(props, pq.WithDictionaryFor(path, true))
	}
	w.props = pq.NewWriterProperties(props...)
	// The Parquet schema is pqarrow's of the Arrow schema, which each
	// file stores as pqarrow's writer does: readers that read Parquet
	// into Arrow take the Arrow types from it (the UTC of write_time).
	schema := arrowSchema(opt.Schema)
	sc, err := pqarrow.ToParquet(schema, w.props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("parquet: schema: %w", err)
	}
	w.pq = sc
	if err := checkShape(sc, newRows(opt.Schema)); err != nil {
		return nil, err
	}
	var ipcSchema bytes.Buffer
	iw := ipc.NewWriter(&ipcSchema, ipc.WithSchema(schema), ipc.WithAllocator(w.mem))
	if err := iw.Close(); err != nil {
		return nil, fmt.Errorf("parquet: schema: %w", err)
	}
	src, _ := json.Marshal(opt.Source)
	w.kv.Append("ARROW:schema", base64.StdEncoding.EncodeToString(ipcSchema.Bytes()))
	w.kv.Append(MetaSchema, string(opt.Schema.MarshalCompact()))
	w.kv.Append(MetaSource, string(src))
	return w, nil
}

// checkShape checks that the leaf columns of r are those of sc, in order,
// with their levels and types.
func checkShape(sc *pqschema.Schema, r *rows) error {
	if sc.NumColumns() != len(r.cols) {
		return fmt.Errorf("parquet: %d leaf columns shredded, the Parquet schema has %d", len(r.cols), sc.NumColumns())
	}
	for i, c := range r.cols {
		d := sc.Column(i)
		if d.MaxDefinitionLevel() != c.maxDef || d.MaxRepetitionLevel() != c.maxRep || d.PhysicalType() != c.kind.physical() ||
			(c.kind == leafDecimal && d.TypeLength() != decimalWidth) {
			return fmt.Errorf("parquet: column %s is %s with levels %d/%d, shredded as %s with %d/%d",
				d.Path(), d.PhysicalType(), d.MaxDefinitionLevel(), d.MaxRepetitionLevel(), c.kind.physical(), c.maxDef, c.maxRep)
		}
	}
	return nil
}

func (w *Writer) putJSON(ctx context.Context, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return w.put(ctx, name, append(b, '\n'))
}

func (w *Writer) put(ctx context.Context, name string, b []byte) error {
	ow, err := w.st.Create(ctx, w.opt.Prefix+name)
	if err != nil {
		return err
	}
	if _, err := ow.Write(b); err != nil {
		ow.Abort()
		return err
	}
	return ow.Commit()
}

// Partition returns the sink of the records of one source data file,
// named as the manifest names it. It is used by one goroutine.
func (w *Writer) Partition(ctx context.Context, file string) *Partition {
	return &Partition{w: w, ctx: ctx, file: file}
}

// PartitionAt is Partition for a data file of which a resumed output
// holds p (see Resume): its first p.Rows records are skipped, and its
// parts continue from p.Parts.
func (w *Writer) PartitionAt(ctx context.Context, file string, p Progress) *Partition {
	return &Partition{w: w, ctx: ctx, file: file, skip: p.Rows, part: p.Parts}
}

// A Partition writes the records of one source data file; it implements
// pipeline.RecordSink. A record that does not fit the schema is a
// *codec.RejectError; after it nothing more is written by any partition
// (the output is to be discarded), but the records are still checked.
type Partition struct {
	w    *Writer
	ctx  context.Context
	file string
	f    *fileWriter
	part int
	full bool  // f is full, to publish before the next record
	rows int64 // rows of the current part
	a    appender
	chk  *rows // checks records once the writer has failed
	skip int64 // records to skip: a resumed output holds them
	err  error
}

// Write appends one record.
func (p *Partition) Write(r *codec.Record) error {
	if p.err != nil {
		return p.err
	}
	if p.w.failed.Load() {
		return p.check(r)
	}
	if p.skip > 0 {
		p.skip--
		return nil
	}
	if p.full {
		// The file is full: publish it and go on in a new one.
		if err := p.w.publish(p.ctx, p.f); err != nil {
			p.err = err
			return err
		}
		p.f, p.full = nil, false
		p.part++
	}
	if p.f == nil {
		f, err := p.w.take()
		if err != nil {
			p.err = err
			return err
		}
		p.f = f
		f.inputs = append(f.inputs, Input{File: p.file, Part: p.part})
	}
	p.a.path = p.a.path[:0]
	if err := p.f.b.appendRecord(&p.a, r); err != nil {
		var me *MismatchError
		if !errors.As(err, &me) {
			p.err = err
			return err
		}
		// The columns hold part of a row: this file is lost, and so is
		// the output.
		p.w.failed.Store(true)
		p.f.abort()
		p.f = nil
		return reject(me)
	}
	p.rows++
	p.f.inputs[len(p.f.inputs)-1].Rows++
	p.f.pending++
	p.f.pendingBytes += p.a.bytes
	p.a.bytes = 0
	if p.f.batchFull() {
		if err := p.f.flush(); err != nil {
			p.err = err
			return err
		}
		// A full file is published when the next record comes, or by
		// Close with its part marked Last: published now, a data file
		// ending here would have no part marked Last.
		p.full = p.f.size() >= p.w.opt.targetFileSize()
	}
	return nil
}

func reject(me *MismatchError) error {
	return &codec.RejectError{Kind: "schema_mismatch", Path: me.Path, Reason: me.Reason, Err: errors.New(me.Msg)}
}

// check shreds r into scratch columns, to tell whether it fits.
func (p *Partition) check(r *codec.Record) error {
	if p.f != nil {
		p.f.abort()
		p.f, p.full = nil, false
	}
	if p.chk == nil {
		p.chk = newRows(p.w.opt.Schema)
	}
	p.a.path = p.a.path[:0]
	err := p.chk.appendRecord(&p.a, r)
	p.chk.reset()
	p.a.bytes = 0
	var me *MismatchError
	switch {
	case errors.As(err, &me):
		return reject(me)
	case err != nil:
		return err
	}
	return nil
}

// Close ends the source data file: its last part is complete. The output
// file stays open for the next partition, unless it is full.
func (p *Partition) Close() error {
	if p.skip > 0 && p.err == nil && !p.w.failed.Load() {
		p.err = fmt.Errorf("%s has %d records fewer than the output being resumed holds of it: it changed since", p.file, p.skip)
	}
	p.chk = nil
	if p.err != nil || p.f == nil {
		if p.f != nil {
			p.f.abort()
		}
		return p.err
	}
	f := p.f
	p.f, p.full = nil, false
	f.inputs[len(f.inputs)-1].Last = true
	if p.w.failed.Load() {
		f.abort()
		return nil
	}
	if f.fw == nil {
		// Less than a batch, and the file not yet begun: the rows stay
		// shredded, for the next partition to add to, or for Close to
		// gather with those of the other files not begun (fold).
		p.w.give(f)
		return nil
	}
	if err := f.flush(); err != nil {
		f.abort()
		return err
	}
	if f.size() >= p.w.opt.targetFileSize() {
		return p.w.publish(p.ctx, f)
	}
	p.w.give(f)
	return nil
}

// take returns an open output file with room, or a new one.
func (w *Writer) take() (*fileWriter, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, errors.New("parquet: write after Close")
	}
	if n := len(w.free); n > 0 {
		f := w.free[n-1]
		w.free = w.free[:n-1]
		return f, nil
	}
	f := &fileWriter{w: w, b: newRows(w.opt.Schema)}
	w.files = append(w.files, f)
	// Each file written at once churns through its row groups' pages:
	// hold twice a row group per file for reuse, or the memory goes back
	// to the garbage collector, which gives it back to the system, from
	// which the next batch faults it in again.
	w.alloc.atLeast(2 * int64(len(w.files)) * w.opt.rowGroupSize())
	return f, nil
}

func (w *Writer) give(f *fileWriter) {
	w.mu.Lock()
	w.free = append(w.free, f)
	w.mu.Unlock()
}

// publish closes f's file, commits it and records it in _parts/. f is
// done with: it leaves w.files, which kept every file writer of a run, and
// with each its columns and 1 MiB write buffer, so that memory grew with
// the number of files written.
func (w *Writer) publish(ctx context.Context, f *fileWriter) error {
	out, err := f.finish()
	if err != nil {
		return err
	}
	w.forget(f)
	f.b = nil
	if err := w.putJSON(ctx, partKey(out.Path), out); err != nil {
		return err
	}
	w.mu.Lock()
	w.published = append(w.published, out)
	w.mu.Unlock()
	return nil
}

// Close publishes the files still open, then writes the manifest and
// _SUCCESS, and removes _parts/. It returns the manifest.
func (w *Writer) Close(ctx context.Context) (*Manifest, error) {
	if w.failed.Load() {
		return nil, errors.New("parquet: records did not fit the schema; the output is incomplete")
	}
	w.mu.Lock()
	if w.aborted {
		// The files still open were discarded: publishing them, and
		// _SUCCESS, would call an interrupted output complete.
		w.mu.Unlock()
		return nil, errors.New("parquet: Close after Abort; the output is incomplete")
	}
	w.closed = true
	free := w.free
	w.free = nil
	w.mu.Unlock()
	free, err := w.fold(free)
	if err != nil {
		return nil, err
	}
	// One open file per worker at most: finish them side by side, as the
	// workers wrote them (their last row groups, an upload to S3).
	var g errgroup.Group
	for _, f := range free {
		g.Go(func() error { return w.publish(ctx, f) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	m := &Manifest{Version: ManifestVersion, Source: w.opt.Source}
	m.Files = slices.Clone(w.published)
	slices.SortFunc(m.Files, func(a, b OutputFile) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range m.Files {
		m.Rows += f.Rows
	}
	if err := w.putJSON(ctx, ManifestName, m); err != nil {
		return nil, err
	}
	if err := w.put(ctx, SuccessName, nil); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if err := w.st.Remove(ctx, w.opt.Prefix+partKey(f.Path)); err != nil {
			return m, err
		}
	}
	return m, nil
}

// forget takes f, done with, out of w.files.
func (w *Writer) forget(f *fileWriter) {
	w.mu.Lock()
	w.files = slices.DeleteFunc(w.files, func(g *fileWriter) bool { return g == f })
	w.mu.Unlock()
}

// fold moves the rows of the files not yet begun, each less than a batch
// of rows only shredded, into one of the files: a small export, or the
// last data files of a run, give one file and not one per worker that
// started one. It returns the files left to publish.
func (w *Writer) fold(free []*fileWriter) ([]*fileWriter, error) {
	var dst *fileWriter
	for _, f := range free {
		if dst == nil || dst.fw == nil && f.fw != nil {
			dst = f // one begun already, if there is one
		}
	}
	out := free[:0]
	for _, f := range free {
		if f == dst || f.fw != nil {
			out = append(out, f)
			continue
		}
		if dst.size() >= w.opt.targetFileSize() {
			// Full: the next ones gather in f.
			dst = f
			out = append(out, f)
			continue
		}
		dst.b.appendRows(f.b)
		dst.inputs = append(dst.inputs, f.inputs...)
		dst.pending += f.pending
		dst.pendingBytes += f.pendingBytes
		f.abort()
		w.forget(f)
		if dst.batchFull() {
			if err := dst.flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Abort stops writing: the files still open are discarded. With discard
// set, every file published so far, the schema and the records of
// _parts/ are removed too; without it they stay, for a resumed run.
func (w *Writer) Abort(ctx context.Context, discard bool) error {
	w.mu.Lock()
	w.closed, w.aborted = true, true
	files := slices.Clone(w.files) // publish deletes from w.files in place
	published := slices.Clone(w.published)
	w.mu.Unlock()
	for _, f := range files {
		f.abort()
	}
	if !discard {
		return nil
	}
	var errs []error
	for _, f := range published {
		errs = append(errs,
			w.st.Remove(ctx, w.opt.Prefix+f.Path),
			w.st.Remove(ctx, w.opt.Prefix+partKey(f.Path)))
	}
	errs = append(errs, w.st.Remove(ctx, w.opt.Prefix+SchemaName))
	return errors.Join(errs...)
}

// A fileWriter is one output file being written, with its columns.
type fileWriter struct {
	w            *Writer
	b            *rows
	pending      int   // rows in the columns
	pendingBytes int64 // their input bytes (see appender.bytes)
	rgBytes      int64 // input bytes of the current row group
	inputs       []Input

	// The open file, if any, and its row group being written, if any.
	name string
	sw   store.Writer
	bw   *bufio.Writer
	cw   countWriter
	fw   *file.Writer
	rgw  file.BufferedRowGroupWriter
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// size is the file's size so far: the row groups written, and the one
// being built.
func (f *fileWriter) size() int64 {
	n := f.cw.n
	if f.rgw != nil {
		n += f.rgw.TotalCompressedBytes()
	}
	return n
}

// batchFull reports whether the rows shredded so far make a batch, to be
// encoded: batchRows of them, batchBytes of their input, or twice
// batchBytes of the columns' memory.
func (f *fileWriter) batchFull() bool {
	return f.pending >= batchRows || f.pendingBytes >= f.w.batchBytes || f.b.mem >= 2*f.w.batchBytes
}

// flush encodes the rows shredded so far into the file's current row
// group, opening the file and the row group first if needed.
func (f *fileWriter) flush() error {
	if f.pending == 0 {
		return nil
	}
	if f.fw == nil {
		if err := f.open(); err != nil {
			return err
		}
	}
	if f.rgw == nil {
		rgw, err := f.fw.AppendBufferedRowGroupChecked()
		if err != nil {
			return err
		}
		f.rgw = rgw
	}
	f.rgBytes += f.pendingBytes
	f.pending, f.pendingBytes = 0, 0
	for i, c := range f.b.cols {
		cw, err := f.rgw.Column(i)
		if err == nil {
			err = c.write(cw)
		}
		if err != nil {
			f.b.reset()
			return fmt.Errorf("%s: %w", f.w.pq.Column(i).Path(), err)
		}
	}
	f.b.mem = 0
	// Pages are flushed to the file only when their row group closes:
	// close it at RowGroupSize of input or of encoded bytes, whichever
	// comes first, so that the file's size is known and memory bounded.
	if f.rgBytes >= f.w.opt.rowGroupSize() || f.rgw.TotalCompressedBytes() >= f.w.opt.rowGroupSize() {
		f.rgBytes = 0
		rgw := f.rgw
		f.rgw = nil
		return rgw.Close()
	}
	return nil
}

func (f *fileWriter) open() error {
	n := f.w.next.Add(1) - 1
	f.name = fmt.Sprintf("part-%05d.parquet", n)
	sw, err := f.w.st.Create(context.Background(), f.w.opt.Prefix+f.name)
	if err != nil {
		return err
	}
	f.sw = sw
	f.bw = bufio.NewWriterSize(sw, 1<<20)
	f.cw = countWriter{w: f.bw}
	fw, err := file.NewParquetWriterWithError(&f.cw, f.w.pq.Root(), file.WithWriterProps(f.w.props), file.WithWriteMetadata(slices.Clone(f.w.kv)))
	if err != nil {
		sw.Abort()
		f.sw = nil
		return err
	}
	f.fw = fw
	return nil
}

// finish closes and commits the file and resets f for a next one.
func (f *fileWriter) finish() (OutputFile, error) {
	if err := f.flush(); err != nil {
		f.abort()
		return OutputFile{}, err
	}
	if f.fw == nil {
		if err := f.open(); err != nil { // a file of 0 rows: inputs that were all empty
			return OutputFile{}, err
		}
	}
	out := OutputFile{Path: f.name, Inputs: f.inputs}
	for _, in := range f.inputs {
		out.Rows += in.Rows
	}
	err := f.fw.Close() // closes the row group too
	if err == nil {
		err = f.bw.Flush()
	}
	if err == nil {
		err = f.sw.Commit()
	} else {
		f.sw.Abort()
	}
	out.Bytes = f.cw.n
	f.fw, f.rgw, f.sw, f.bw, f.inputs, f.rgBytes = nil, nil, nil, nil, nil, 0
	f.cw = countWriter{}
	if err != nil {
		return OutputFile{}, fmt.Errorf("%s: %w", f.name, err)
	}
	return out, nil
}

// abort discards the open file, if any, and the rows shredded. f is not
// used again.
func (f *fileWriter) abort() {
	if f.sw != nil {
		f.sw.Abort()
	}
	if f.rgw != nil {
		// Give the pages back to the allocator.
		f.rgw.Close()
	}
	f.fw, f.rgw, f.sw, f.bw, f.inputs, f.rgBytes = nil, nil, nil, nil, nil, 0
	f.cw = countWriter{}
	if f.b != nil {
		f.b.reset()
		f.b = nil
	}
	f.pending, f.pendingBytes = 0, 0
}

// appendRows appends the rows of s, rows of the same schema.
func (r *rows) appendRows(s *rows) {
	for i, c := range r.cols {
		c.appendColumn(s.cols[i])
	}
	r.mem += s.mem
}

// rows are the leaf columns of a batch of rows and the writers that shred
// records into them.
type rows struct {
	mem      int64     // bytes the columns hold (see column.mem)
	cols     []*column // in the order of the Parquet schema's leaves
	full     *fieldsWriter
	op, wt   *column
	keys     *fieldsWriter
	newImage *fieldsWriter
	oldImage *fieldsWriter
	newCols  []*column // the columns of each image, for its nulls
	oldCols  []*column
	change   bool
}

// newRows makes the columns of s's rows, in the order of the fields of
// arrowSchema(s).
func newRows(s *Schema) *rows {
	r := &rows{}
	sh := shape{mem: &r.mem}
	if s.Kind == KindFull {
		r.full = sh.fields(slices.Concat(s.Keys, s.Attributes), 1, 0)
		r.cols = sh.cols
		return r
	}
	r.change = true
	r.op = sh.leaf(leafBytes, 0, 0)
	r.wt = sh.leaf(leafInt64, 0, 0)
	r.keys = sh.fields(s.Keys, 1, 0)
	if len(s.Attributes) > 0 {
		n := len(sh.cols)
		r.newImage = sh.fields(s.Attributes, 2, 0)
		r.newCols = sh.since(n)
		n = len(sh.cols)
		r.oldImage = sh.fields(s.Attributes, 2, 0)
		r.oldCols = sh.since(n)
	}
	r.cols = sh.cols
	return r
}

func (r *rows) reset() {
	for _, c := range r.cols {
		c.reset()
	}
	r.mem = 0
}

func (r *rows) appendRecord(a *appender, rec *codec.Record) error {
	if !r.change {
		if rec.IsChange() {
			return a.mismatch("unexpected_record", "an incremental export's record, and the schema is of a full export")
		}
		a.path = append(a.path, pathElem{name: "Item"})
		return a.appendItem(r.full, rec.Item, 0)
	}
	if !rec.IsChange() {
		return a.mismatch("unexpected_record", "a full export's record, and the schema is of an incremental export")
	}
	if r.newImage == nil && (len(rec.NewImage) > 0 || len(rec.OldImage) > 0) {
		a.path = append(a.path, pathElem{name: "NewImage"})
		return a.mismatch("unknown_attribute", "the schema has no image attributes")
	}
	value(r.op, 0, rec.Op().String())
	r.wt.int64(0, rec.WriteTimestampMicros)
	a.path = append(a.path, pathElem{name: "Keys"})
	if err := a.appendItem(r.keys, rec.Keys, 0); err != nil {
		return err
	}
	a.path = a.path[:0]
	if r.newImage == nil {
		return nil
	}
	for _, im := range [2]struct {
		name string
		it   codec.Item
		f    *fieldsWriter
		cols []*column
	}{{"NewImage", rec.NewImage, r.newImage, r.newCols}, {"OldImage", rec.OldImage, r.oldImage, r.oldCols}} {
		if im.it == nil {
			nulls(im.cols, 0, 0)
			continue
		}
		a.path = append(a.path[:0], pathElem{name: im.name})
		if err := a.appendItem(im.f, im.it, 0); err != nil {
			return err
		}
	}
	return nil
}

// partKey returns the _parts/ record of an output file.
func partKey(file string) string { return partsDir + strings.TrimSuffix(file, ".parquet") + ".json" }

// partNumber returns n of part-n.parquet.
func partNumber(name string) (int64, bool) {
	s, ok := strings.CutPrefix(path.Base(name), "part-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".parquet")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// dictionaryPaths returns the Parquet column paths of the S columns that
// are dictionary-encoded.
func dictionaryPaths(s *Schema) []string {
	var paths []string
	var slot func(prefix string, sl *Slot)
	typed := func(prefix string, t *Type) {
		switch t.typeOf() {
		case codec.TypeS:
			if t.Dictionary {
				paths = append(paths, prefix)
			}
		case codec.TypeL:
			slot(prefix+".list.element", t.Element)
		case codec.TypeM:
			for _, f := range t.Fields {
				slot(prefix+"."+f.Name, f)
			}
		}
	}
	slot = func(prefix string, sl *Slot) {
		switch {
		case sl.As == AsJSON:
		case len(sl.Types) == 1:
			typed(prefix, sl.Types[0])
		default:
			for _, t := range sl.Types {
				typed(prefix+"."+childName(t.typeOf()), t)
			}
		}
	}
	for _, sl := range s.Keys {
		slot(sl.Name, sl)
	}
	for _, sl := range s.Attributes {
		if s.Kind == KindIncremental {
			slot(ColumnNewImage+"."+sl.Name, sl)
			slot(ColumnOldImage+"."+sl.Name, sl)
			continue
		}
		slot(sl.Name, sl)
	}
	return paths
}
