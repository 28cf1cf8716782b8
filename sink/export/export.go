package export

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
)

// DefaultSSEAlgorithm is the s3SseAlgorithm written when the summary has
// none: every real export seen says AES256.
const DefaultSSEAlgorithm = "AES256"

// Errors returned by the Writer and its partitions, wrapped with the key
// or the partition concerned. Test for them with errors.Is.
var (
	// ErrExists is returned by New when the export folder already holds a
	// _started or manifest-summary.json and Options.Overwrite is false.
	ErrExists = errors.New("export: an export with this ID already exists")
	// ErrRecordKind is returned for a record of the wrong shape: a full
	// export takes records with only Item set, an incremental export
	// takes change records (Keys set, see codec.Record.IsChange).
	ErrRecordKind = errors.New("export: record shape does not match the export type")
	// ErrClosed is returned when a Writer or Partition is used after
	// Close or Abort.
	ErrClosed = errors.New("export: writer is closed")
	// ErrPart is returned by Close of a Writer with Options.Part set: a
	// part's Writer finishes its data files with CloseFiles, and Finish
	// writes the export's manifests once every part is done.
	ErrPart = errors.New("export: a part of an export writes no manifest: use CloseFiles, then Finish")
)

// Options configures a Writer. Summary, Summary.ExportArn, Summary.S3Bucket,
// Summary.StartTime and NewEncoder are required; every other field has a
// default.
type Options struct {
	// Summary describes the export and becomes manifest-summary.json.
	// ExportArn names the export: its last segment (after "/export/") is
	// the export ID and the export folder's name. S3Prefix is the S3
	// prefix without a trailing "/" ("" for none, written as null). An
	// ExportType of "" means a full export. Close fills in Version (when
	// empty: 2020-06-30 for full, 2023-08-01 for incremental exports),
	// S3SseAlgorithm (when empty: AES256), OutputView (incremental, when
	// empty: NEW_AND_OLD_IMAGES), OutputFormat (from Format),
	// ManifestFilesS3Key, ItemCount, BilledSizeBytes, and EndTime when it
	// is zero (from Now). Other fields are written as given.
	Summary manifest.Summary

	// Format is the data format; FormatUnknown (the zero value) means
	// DYNAMODB_JSON. It picks the data files' extension and outputFormat;
	// NewEncoder must write that format.
	Format codec.Format

	// Files is the number of partitions, each one data file; 0 means 1.
	// Partitions are numbered 0 to Files-1, and manifest-files.json lists
	// them in that order.
	Files int

	// NewEncoder returns the encoder of one data file's records, writing
	// to w (for DYNAMODB_JSON, a func returning ddbjson.NewEncoder(w)).
	// Required. The Writer calls the encoder's Close before finishing the
	// file.
	NewEncoder func(w io.Writer) codec.Encoder

	// Rand is the source of data file names, read 16 bytes per file in
	// partition order, once, by New. nil means crypto/rand. A seeded
	// source (such as math/rand/v2's ChaCha8) makes names deterministic.
	Rand io.Reader

	// Level is the gzip compression level; 0 means the default level
	// (6). Levels 2 to 8 keep DynamoDB's gzip header (XFL 0); any other
	// value is an error.
	Level int

	// BilledSizeBytes computes the summary's billedSizeBytes from the
	// export's totals when Close runs; nil means Stats.Bytes (the
	// uncompressed size of the records).
	BilledSizeBytes func(Stats) int64

	// Now gives the endTime when Summary.EndTime is zero; nil means
	// time.Now.
	Now func() time.Time

	// Overwrite lets New write over an existing export folder with the
	// same ID; by default New returns ErrExists. Without Overwrite, an
	// incremental export draws again any data file name already present in
	// the shared data folder; with it, names are taken as drawn, so that
	// rewriting an export with the same Rand replaces its own files.
	Overwrite bool

	// Names, when not nil, are the data files' names, one per partition
	// in partition order, instead of names drawn from Rand: each a single
	// path segment ending in the format's extension, all distinct. Files
	// is then len(Names) (it must be 0 or equal), and may be 0: a Writer
	// of no data file. Names are taken as given: a file of that name in
	// the store is replaced, and New discards what a run writing it left
	// unfinished where the store keeps that (see Writer.Swept). Names
	// derived from what a data file holds (see DataFileName) let a run
	// that writes part of an export again write the same files.
	Names []string

	// Part makes the Writer write one part of an export whose data files
	// several Writers write, each its own, possibly on several machines
	// (shards): New writes _started even when the export folder has one
	// (it is empty whoever writes it) but, unless Overwrite, refuses a
	// folder that has manifest-summary.json (ErrExists: the export is
	// complete); Close returns ErrPart, CloseFiles finishes the part, and
	// Finish writes the manifests once every part is done; Discard removes
	// only this Writer's data files, never the folder the parts share.
	Part bool
}

// A DataFile is one data file as a Writer wrote it: its manifest line and
// its sizes.
type DataFile struct {
	manifest.File
	StoredBytes int64 // the object's size: the compressed bytes
	Bytes       int64 // the records as encoded, uncompressed
}

// Stats are the running totals of an export.
type Stats struct {
	Files       int   // data files finished
	Items       int64 // records written
	Bytes       int64 // uncompressed bytes written by the encoders
	StoredBytes int64 // compressed bytes stored in data files
}

// A Writer writes one export. Its methods are safe for concurrent use, so
// several goroutines may each fill their own partitions; a single
// Partition is not safe for concurrent use.
//
// The sequence is: New (writes _started), Partition and Partition.Write
// for each partition that has records, then Close, which finishes every
// partition (an unopened partition becomes an empty data file) and writes
// the manifests. Abort abandons the export instead.
type Writer struct {
	st      store.Store
	opt     Options
	sum     manifest.Summary
	id      string
	root    string // store key prefix of the AWSDynamoDB folder: "" or "<prefix>/"
	dataDir string // store key prefix of the data files
	level   int

	// What New swept of the unfinished writes of the data files, when
	// their names are given (Options.Names).
	swept    int
	sweepErr error

	mu      sync.Mutex
	slots   []slot
	stats   Stats
	closed  bool
	gzFree  []*gzip.Writer
	bufFree []*bufio.Writer
}

type slotState uint8

const (
	slotNew slotState = iota
	slotOpen
	slotDone
	slotFailed
)

type slot struct {
	name  string
	state slotState
	part  *Partition
	file  DataFile
	err   error
}

// Compile-time checks.
var (
	_ codec.RecordWriter = (*Partition)(nil)
	_ io.Writer          = (*hashWriter)(nil)
	_ io.Writer          = (*countWriter)(nil)
)

var nameEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New validates opt, checks that the export folder is free (see
// Options.Overwrite), writes <root>AWSDynamoDB/<ExportId>/_started and
// returns a Writer for the rest of the export.
func New(ctx context.Context, st store.Store, opt Options) (*Writer, error) {
	w := &Writer{st: st, opt: opt, sum: opt.Summary}
	if err := w.init(true); err != nil {
		return nil, err
	}
	names, err := w.names(ctx)
	if err != nil {
		return nil, err
	}
	w.slots = make([]slot, len(names))
	for i, n := range names {
		w.slots[i].name = n
	}
	dir := w.Ref().Dir()
	if !opt.Overwrite {
		check := []string{manifest.StartedName, manifest.SummaryName}
		if opt.Part {
			check = check[1:] // the parts share _started
		}
		for _, name := range check {
			_, err := st.Stat(ctx, dir+name)
			if err == nil {
				return nil, fmt.Errorf("%w: %s", ErrExists, dir+name)
			}
			if !errors.Is(err, store.ErrNotExist) {
				return nil, fmt.Errorf("export: stat %s: %w", dir+name, err)
			}
		}
	}
	if err := w.put(ctx, dir+manifest.StartedName, nil); err != nil {
		return nil, err
	}
	if sw, ok := st.(store.Sweeper); ok && opt.Names != nil {
		// The data files of these names are this Writer's to replace:
		// what a run writing them left unfinished when its process died
		// (such as an incomplete multipart upload, which S3 bills) goes.
		own := make(map[string]bool, len(names))
		for _, n := range names {
			own[w.dataDir+n] = true
		}
		w.swept, w.sweepErr = sw.Sweep(ctx, w.dataDir, func(key string) bool { return own[key] })
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Swept returns how many unfinished writes of its data files New
// discarded (see store.Sweeper; only where Options.Names gives the names),
// and the error that stopped it, if any: the export is written whole
// either way, but the store still holds the rest.
func (w *Writer) Swept() (int, error) { return w.swept, w.sweepErr }

// init validates the options and fills in defaults. Finish, which
// encodes nothing, needs no NewEncoder.
func (w *Writer) init(needEncoder bool) error {
	opt := &w.opt
	s := &w.sum
	if opt.NewEncoder == nil && needEncoder {
		return errors.New("export: Options.NewEncoder is required")
	}
	switch {
	case opt.Files < 0:
		return fmt.Errorf("export: Options.Files is %d, want at least 1 (or 0 for 1)", opt.Files)
	case opt.Names != nil && opt.Files != 0 && opt.Files != len(opt.Names):
		return fmt.Errorf("export: Options.Files is %d but Options.Names has %d names", opt.Files, len(opt.Names))
	case opt.Names != nil:
		opt.Files = len(opt.Names)
	case opt.Files == 0:
		opt.Files = 1
	}
	switch opt.Level {
	case 0:
		w.level = gzip.DefaultCompression
	case 2, 3, 4, 5, 6, 7, 8:
		w.level = opt.Level
	default:
		return fmt.Errorf("export: gzip level %d changes DynamoDB's gzip header; use 2 to 8 (or 0 for the default)", opt.Level)
	}
	switch opt.Format {
	case codec.FormatUnknown:
		opt.Format = codec.FormatDynamoDBJSON
	case codec.FormatDynamoDBJSON, codec.FormatION:
	default:
		return fmt.Errorf("export: unknown format %v", opt.Format)
	}
	if s.OutputFormat != "" && s.OutputFormat != opt.Format.String() {
		return fmt.Errorf("export: Summary.OutputFormat %q does not match Options.Format %s", s.OutputFormat, opt.Format)
	}
	s.OutputFormat = opt.Format.String()
	w.id = s.ExportID()
	if w.id == "" {
		return fmt.Errorf("export: Summary.ExportArn %q has no /export/<id>", s.ExportArn)
	}
	if err := store.CheckKey(w.id); err != nil || strings.Contains(w.id, "/") {
		return fmt.Errorf("export: export ID %q is not a safe folder name", w.id)
	}
	if s.S3Bucket == "" {
		return errors.New("export: Summary.S3Bucket is required")
	}
	if s.S3Prefix != "" {
		if err := store.CheckKey(s.S3Prefix); err != nil {
			return fmt.Errorf("export: S3 prefix %q must be a relative key without a trailing slash: %w", s.S3Prefix, err)
		}
		w.root = s.S3Prefix + "/"
	}
	if s.StartTime.IsZero() {
		return errors.New("export: Summary.StartTime is required")
	}
	switch s.ExportType {
	case "", manifest.FullExport:
		if s.Version == "" {
			s.Version = manifest.VersionFull
		}
		if s.ExportTime.IsZero() {
			s.ExportTime = s.StartTime
		}
		s.OutputView = ""
		w.dataDir = w.root + manifest.RootName + "/" + w.id + "/" + manifest.DataDir
	case manifest.IncrementalExport:
		if s.Version == "" {
			s.Version = manifest.VersionIncremental
		}
		switch s.OutputView {
		case "":
			s.OutputView = manifest.ViewNewAndOldImages
		case manifest.ViewNewAndOldImages, manifest.ViewNewImage:
		default:
			return fmt.Errorf("export: unknown output view %q (want %s or %s)", s.OutputView, manifest.ViewNewAndOldImages, manifest.ViewNewImage)
		}
		if s.ExportFromTime.IsZero() || !s.ExportFromTime.Before(s.ExportToTime) {
			return fmt.Errorf("export: incremental window [%v, %v) is empty", s.ExportFromTime, s.ExportToTime)
		}
		w.dataDir = w.root + manifest.RootName + "/" + manifest.DataDir
	default:
		return fmt.Errorf("export: unknown export type %q", s.ExportType)
	}
	if s.S3SseAlgorithm == "" {
		s.S3SseAlgorithm = DefaultSSEAlgorithm
	}
	s.ManifestFilesS3Key = w.Ref().Key(manifest.FilesName)
	seen := make(map[string]bool, len(opt.Names))
	for _, name := range opt.Names {
		switch {
		case store.CheckKey(name) != nil || strings.Contains(name, "/"):
			return fmt.Errorf("export: data file name %q is not a single safe path segment", name)
		case !strings.HasSuffix(name, opt.Format.Ext()) || name == opt.Format.Ext():
			return fmt.Errorf("export: data file name %q does not end in %s, the extension of %s", name, opt.Format.Ext(), opt.Format)
		case seen[name]:
			return fmt.Errorf("export: data file name %q is given twice", name)
		}
		seen[name] = true
	}
	return nil
}

// DataFileName returns a data file name in DynamoDB's shape, 26
// characters of lowercase base32 of 128 bits plus format's extension,
// derived from parts: the first 16 bytes of the SHA-256 of the parts,
// each followed by a zero byte. The same parts give the same name on
// every machine and in every run, so a data file derived from another
// (the export ID and the source file's key as parts) is written under
// the same name however often, and wherever, it is written.
func DataFileName(format codec.Format, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	if format == codec.FormatUnknown {
		format = codec.FormatDynamoDBJSON
	}
	return nameEncoding.EncodeToString(h.Sum(nil)[:16]) + format.Ext()
}

// names draws one distinct data file name per partition. In the shared
// data folder of incremental exports, a name that is already taken is
// skipped, unless Overwrite is set.
func (w *Writer) names(ctx context.Context) ([]string, error) {
	if w.opt.Names != nil {
		return slices.Clone(w.opt.Names), nil
	}
	r := w.opt.Rand
	if r == nil {
		r = rand.Reader
	}
	seen := make(map[string]bool, w.opt.Files)
	names := make([]string, 0, w.opt.Files)
	var b [16]byte
	for tries := 0; len(names) < w.opt.Files; tries++ {
		if tries > 2*w.opt.Files+100 {
			return nil, errors.New("export: cannot draw distinct data file names: the random source repeats itself")
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("export: read data file names from Options.Rand: %w", err)
		}
		name := nameEncoding.EncodeToString(b[:]) + w.opt.Format.Ext()
		if seen[name] {
			continue
		}
		if w.sum.Incremental() && !w.opt.Overwrite {
			_, err := w.st.Stat(ctx, w.dataDir+name)
			if err == nil {
				continue
			}
			if !errors.Is(err, store.ErrNotExist) {
				return nil, fmt.Errorf("export: stat %s: %w", w.dataDir+name, err)
			}
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, nil
}

// ID returns the export ID.
func (w *Writer) ID() string { return w.id }

// Ref returns where the export is in the store.
func (w *Writer) Ref() manifest.Ref {
	return manifest.Ref{ID: w.id, Root: w.root + manifest.RootName + "/", HasStarted: true}
}

// Files returns the number of partitions.
func (w *Writer) Files() int { return len(w.slots) }

// DataKey returns the key of partition i's data file, which is also its
// dataFileS3Key.
func (w *Writer) DataKey(i int) string { return w.dataDir + w.slots[i].name }

// Stats returns the totals of the partitions finished so far.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Partition returns the writer of partition i (0 ≤ i < Files), creating
// its data file on first use; later calls return the same Partition until
// it is closed. Opening many partitions at once costs memory (see the
// package documentation).
func (w *Writer) Partition(ctx context.Context, i int) (*Partition, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	if i < 0 || i >= len(w.slots) {
		return nil, fmt.Errorf("export: partition %d out of range [0, %d)", i, len(w.slots))
	}
	sl := &w.slots[i]
	switch sl.state {
	case slotOpen:
		return sl.part, nil
	case slotDone:
		return nil, fmt.Errorf("export: partition %d (%s): %w", i, w.DataKey(i), ErrClosed)
	case slotFailed:
		return nil, sl.err
	}
	p, err := w.open(ctx, i)
	if err != nil {
		sl.state, sl.err = slotFailed, err
		return nil, err
	}
	sl.state, sl.part = slotOpen, p
	return p, nil
}

// open creates partition i's data file; w.mu is held.
func (w *Writer) open(ctx context.Context, i int) (*Partition, error) {
	key := w.DataKey(i)
	sw, err := w.st.Create(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("export: create %s: %w", key, err)
	}
	p := &Partition{w: w, index: i, key: key, sw: sw}
	p.hw = hashWriter{w: sw, h: md5.New()}
	if n := len(w.bufFree); n > 0 {
		p.buf = w.bufFree[n-1]
		w.bufFree = w.bufFree[:n-1]
		p.buf.Reset(&p.hw)
	} else {
		p.buf = bufio.NewWriterSize(&p.hw, 64<<10)
	}
	if n := len(w.gzFree); n > 0 {
		p.gz = w.gzFree[n-1]
		w.gzFree = w.gzFree[:n-1]
		p.gz.Reset(p.buf)
	} else {
		p.gz, err = gzip.NewWriterLevel(p.buf, w.level)
		if err != nil { // not reached: the level was checked by New
			sw.Abort()
			return nil, fmt.Errorf("export: %s: %w", key, err)
		}
	}
	p.cw = countWriter{w: p.gz}
	p.enc = w.opt.NewEncoder(&p.cw)
	if p.enc == nil {
		w.release(p)
		sw.Abort()
		return nil, fmt.Errorf("export: %s: Options.NewEncoder returned nil", key)
	}
	return p, nil
}

// release returns p's compressor and buffer for reuse; w.mu is held.
func (w *Writer) release(p *Partition) {
	if p.gz != nil {
		w.gzFree = append(w.gzFree, p.gz)
		p.gz = nil
	}
	if p.buf != nil {
		p.buf.Reset(nil)
		w.bufFree = append(w.bufFree, p.buf)
		p.buf = nil
	}
}

// finish records the outcome of partition p's Close.
func (w *Writer) finish(p *Partition, f manifest.File, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.release(p)
	sl := &w.slots[p.index]
	if err != nil {
		sl.state, sl.err, sl.part = slotFailed, err, nil
		return
	}
	sl.state, sl.file, sl.part = slotDone, DataFile{File: f, StoredBytes: p.hw.n, Bytes: p.cw.n}, nil
	w.stats.Files++
	w.stats.Items += f.ItemCount
	w.stats.Bytes += p.cw.n
	w.stats.StoredBytes += p.hw.n
}

// Close finishes the export: it closes every open partition, writes an
// empty data file for every partition never opened, then writes
// manifest-files.json, manifest-files.md5, manifest-summary.json and
// manifest-summary.md5, in that order. It returns the summary as written
// and the data files in manifest order. If any partition failed, Close
// aborts the partitions still open, writes no manifest and returns the
// first error. The Writer cannot be used after Close. Close of a part
// (Options.Part) returns ErrPart and changes nothing.
func (w *Writer) Close(ctx context.Context) (*manifest.Summary, []manifest.File, error) {
	if w.opt.Part {
		return nil, nil, ErrPart
	}
	dfs, err := w.CloseFiles(ctx)
	if err != nil {
		return nil, nil, err
	}
	sum, err := w.writeManifests(ctx, dfs)
	if err != nil {
		return nil, nil, err
	}
	files := make([]manifest.File, len(dfs))
	for i := range dfs {
		files[i] = dfs[i].File
	}
	return sum, files, nil
}

// CloseFiles finishes the data files as Close does (every open partition
// closed, an empty data file for every partition never opened) but writes
// no manifest, and returns the data files in partition order. It is how a
// part of an export (Options.Part) ends; Finish, given every part's data
// files, writes the manifests. If any partition failed, CloseFiles aborts
// the partitions still open and returns the first error. The Writer
// cannot be used after CloseFiles.
func (w *Writer) CloseFiles(ctx context.Context) ([]DataFile, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, ErrClosed
	}
	w.closed = true
	w.mu.Unlock()

	// After closed is set no new partition can open, and each slot is
	// touched only here (or by the Close of a Partition someone else is
	// still writing, which the contract forbids).
	var firstErr error
	for i := range w.slots {
		sl := &w.slots[i]
		if firstErr == nil {
			firstErr = ctx.Err()
		}
		switch sl.state {
		case slotFailed:
			if firstErr == nil {
				firstErr = sl.err
			}
		case slotOpen:
			p := sl.part
			if firstErr != nil {
				p.abort()
				continue
			}
			if err := p.Close(); err != nil {
				firstErr = err
			}
		case slotNew:
			if firstErr != nil {
				continue
			}
			w.mu.Lock()
			p, err := w.open(ctx, i)
			w.mu.Unlock()
			if err == nil {
				err = p.Close()
			}
			if err != nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	files := make([]DataFile, len(w.slots))
	for i := range w.slots {
		files[i] = w.slots[i].file
	}
	return files, nil
}

// Finish completes an export whose data files are written, by one Writer
// or by several (the parts of Options.Part, each ended by CloseFiles): it
// writes manifest-files.json listing files in the order given, then
// manifest-files.md5, manifest-summary.json and manifest-summary.md5, as
// Close does. opt is checked as New checks it (NewEncoder, Rand, Level and
// Names are not used, Files is ignored); the summary's itemCount is the
// sum of the files' itemCount, and billedSizeBytes is
// Options.BilledSizeBytes of the files' totals (by default their Bytes).
//
// Finish reads no data file: the caller checks that the files are there.
// It refuses a file outside the export's data folder or listed twice, and
// an export folder that has manifest-summary.json already (ErrExists,
// unless Overwrite), and then writes nothing.
func Finish(ctx context.Context, st store.Store, opt Options, files []DataFile) (*manifest.Summary, error) {
	opt.Names, opt.Files = nil, 0
	w := &Writer{st: st, opt: opt, sum: opt.Summary}
	if err := w.init(false); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		name, ok := strings.CutPrefix(f.DataFileS3Key, w.dataDir)
		switch {
		case !ok || name == "" || strings.Contains(name, "/"):
			return nil, fmt.Errorf("export: data file %s is not in the export's data folder %s", f.DataFileS3Key, w.dataDir)
		case seen[f.DataFileS3Key]:
			return nil, fmt.Errorf("export: data file %s is listed twice", f.DataFileS3Key)
		}
		seen[f.DataFileS3Key] = true
	}
	if !opt.Overwrite {
		key := w.Ref().Key(manifest.SummaryName)
		_, err := st.Stat(ctx, key)
		if err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, key)
		}
		if !errors.Is(err, store.ErrNotExist) {
			return nil, fmt.Errorf("export: stat %s: %w", key, err)
		}
	}
	return w.writeManifests(ctx, files)
}

// writeManifests writes the manifests of the data files files, in that
// order, and returns the summary as written.
func (w *Writer) writeManifests(ctx context.Context, files []DataFile) (*manifest.Summary, error) {
	var lines []byte
	var st Stats
	for i := range files {
		f := &files[i]
		lines = append(lines, f.Marshal()...)
		st.Files++
		st.Items += f.ItemCount
		st.Bytes += f.Bytes
		st.StoredBytes += f.StoredBytes
	}
	sum := w.sum
	sum.ItemCount = st.Items
	if w.opt.BilledSizeBytes != nil {
		sum.BilledSizeBytes = w.opt.BilledSizeBytes(st)
	} else {
		sum.BilledSizeBytes = st.Bytes
	}
	if sum.EndTime.IsZero() {
		now := time.Now
		if w.opt.Now != nil {
			now = w.opt.Now
		}
		sum.EndTime = now().UTC()
	}
	summary := sum.Marshal()
	ref := w.Ref()
	for _, f := range []struct {
		name string
		data []byte
	}{
		{manifest.FilesName, lines},
		{manifest.FilesMD5Name, manifest.MD5File(lines)},
		{manifest.SummaryName, summary},
		{manifest.SummaryMD5Name, manifest.MD5File(summary)},
	} {
		if err := w.put(ctx, ref.Key(f.name), f.data); err != nil {
			return nil, err
		}
	}
	return &sum, nil
}

// Abort abandons the export: open partitions are discarded and no
// manifest is written. Files already finished, and _started, stay in the
// store, as after a failed DynamoDB export (Discard removes them). Abort
// after Close does nothing.
func (w *Writer) Abort() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	var firstErr error
	for i := range w.slots {
		if sl := &w.slots[i]; sl.state == slotOpen {
			if err := sl.part.abort(); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// Discard aborts the export and removes what it wrote: its data files (in
// the shared data folder too) and everything under its folder. Discard of
// a part (Options.Part) removes only the part's data files: the folder,
// its _started included, is the other parts' too.
func (w *Writer) Discard(ctx context.Context) error {
	err := w.Abort()
	for i := range w.Files() {
		if rerr := w.st.Remove(ctx, w.DataKey(i)); rerr != nil && err == nil {
			err = rerr
		}
	}
	if w.opt.Part {
		return err
	}
	var keys []string
	for o, lerr := range w.st.List(ctx, w.Ref().Dir()) {
		if lerr != nil {
			if err == nil {
				err = lerr
			}
			break
		}
		keys = append(keys, o.Key)
	}
	for _, k := range keys {
		if rerr := w.st.Remove(ctx, k); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// put writes a small object whole.
func (w *Writer) put(ctx context.Context, key string, data []byte) error {
	sw, err := w.st.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("export: create %s: %w", key, err)
	}
	if _, err := sw.Write(data); err != nil {
		sw.Abort()
		return fmt.Errorf("export: write %s: %w", key, err)
	}
	if err := sw.Commit(); err != nil {
		return fmt.Errorf("export: commit %s: %w", key, err)
	}
	return nil
}

// A Partition writes the records of one partition to its data file:
// through the caller's encoder, gzip, and an MD5 of the stored bytes into
// the store. It is not safe for concurrent use; different partitions may
// be written concurrently.
type Partition struct {
	w     *Writer
	index int
	key   string
	sw    store.Writer
	hw    hashWriter
	buf   *bufio.Writer
	gz    *gzip.Writer
	cw    countWriter
	enc   codec.Encoder
	items int64
	err   error // sticky
	done  bool
	file  manifest.File
}

// Index returns the partition's number.
func (p *Partition) Index() int { return p.index }

// Key returns the data file's key (its dataFileS3Key).
func (p *Partition) Key() string { return p.key }

// Write encodes one record. The record must match the export type (see
// ErrRecordKind); it is not kept after the call. After an error the
// partition is failed: later calls return the same error, and the export
// cannot be completed.
func (p *Partition) Write(r *codec.Record) error {
	if p.err != nil {
		return p.err
	}
	if p.done {
		return fmt.Errorf("export: write %s: %w", p.key, ErrClosed)
	}
	if err := p.w.checkKind(r); err != nil {
		p.err = fmt.Errorf("export: write %s: %w", p.key, err)
		p.fail()
		return p.err
	}
	if err := p.enc.Encode(r); err != nil {
		p.err = fmt.Errorf("export: write %s: %w", p.key, err)
		p.fail()
		return p.err
	}
	p.items++
	return nil
}

// WriteRecords writes records in order, implementing codec.RecordWriter.
// It returns how many were written.
func (p *Partition) WriteRecords(rs []*codec.Record) (int, error) {
	for i, r := range rs {
		if err := p.Write(r); err != nil {
			return i, err
		}
	}
	return len(rs), nil
}

// Close flushes the encoder, finishes the gzip member and commits the data
// file. Its manifest line is then available from File. Closing a
// partition early keeps only one partition's state in memory at a time.
// A second Close returns nil; Close of a failed partition aborts its file
// and returns the error.
func (p *Partition) Close() error {
	if p.done {
		return p.err
	}
	p.done = true
	if p.err != nil {
		return p.err
	}
	err := p.enc.Close()
	if err == nil {
		err = p.gz.Close()
	}
	if err == nil {
		err = p.buf.Flush()
	}
	if err != nil {
		p.err = fmt.Errorf("export: write %s: %w", p.key, err)
		p.sw.Abort()
		p.w.finish(p, manifest.File{}, p.err)
		return p.err
	}
	if err := p.sw.Commit(); err != nil {
		p.err = fmt.Errorf("export: commit %s: %w", p.key, err)
		p.w.finish(p, manifest.File{}, p.err)
		return p.err
	}
	var sum [md5.Size]byte
	p.hw.h.Sum(sum[:0])
	p.file = manifest.File{
		ItemCount:     p.items,
		MD5Checksum:   manifest.EncodeMD5(sum),
		ETag:          manifest.ETagFor(sum),
		DataFileS3Key: p.key,
	}
	p.w.finish(p, p.file, nil)
	return nil
}

// File returns the partition's manifest line; it is complete after a
// successful Close.
func (p *Partition) File() manifest.File { return p.file }

// fail aborts the data file after a write error.
func (p *Partition) fail() {
	p.done = true
	p.sw.Abort()
	p.w.finish(p, manifest.File{}, p.err)
}

// abort discards an open partition's data file.
func (p *Partition) abort() error {
	if p.done {
		return nil
	}
	p.done = true
	p.err = fmt.Errorf("export: %s: %w", p.key, ErrClosed)
	err := p.sw.Abort()
	p.w.mu.Lock()
	p.w.release(p)
	p.w.mu.Unlock()
	return err
}

// checkKind checks a record's shape against the export type and view.
func (w *Writer) checkKind(r *codec.Record) error {
	incr := w.sum.Incremental()
	switch {
	case r == nil:
		return fmt.Errorf("%w: nil record", ErrRecordKind)
	case !incr && (r.Item == nil || r.IsChange()):
		return fmt.Errorf("%w: a full export takes records with only Item set", ErrRecordKind)
	case incr && !r.IsChange():
		return fmt.Errorf("%w: an incremental export takes change records (Keys set, Item nil)", ErrRecordKind)
	case !incr:
		return nil
	}
	if w.sum.OutputView == manifest.ViewNewImage && r.OldImage != nil {
		return fmt.Errorf("%w: OldImage in a %s export", ErrRecordKind, manifest.ViewNewImage)
	}
	if w.sum.OutputView == manifest.ViewNewAndOldImages && r.OldImage == nil && r.NewImage == nil {
		return fmt.Errorf("%w: no image in a %s export", ErrRecordKind, manifest.ViewNewAndOldImages)
	}
	return nil
}

// hashWriter writes to w and hashes and counts what it wrote.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (h *hashWriter) Write(b []byte) (int, error) {
	n, err := h.w.Write(b)
	h.h.Write(b[:n])
	h.n += int64(n)
	return n, err
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
