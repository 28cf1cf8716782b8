// Package merge applies incremental exports of a DynamoDB table onto a
// full export of it and writes the result as a new full export: the table
// as it was at the end of the last window, without paying for a new full
// export.
//
// # Windows
//
// The incremental exports' windows must cover time without a hole from
// the base's exportTime to the end of the last window ([ErrGap] otherwise,
// unless Options.AllowGaps): overlaps are fine. An incremental export that
// ends at or before the base's exportTime is skipped with a warning; one
// of another table is refused.
//
// # Semantics
//
// Every input is verified as it is read (verify.Verify); a finding stops
// the merge unless Options.IgnoreFindings. Per key, the record with the
// highest WriteTimestampMicros wins, ties going to the export whose window
// ends later; the base's items lose to any change. A record with a
// NewImage puts the whole item, one without deletes the key. Keys are
// equal as DynamoDB has them: strings and binaries by bytes, numbers by
// value (10, 10.0 and 1E1 are one key). The key schema is that of the
// incremental records' Keys.
//
// # Memory
//
// Records are partitioned by a hash of their key into compressed (s2)
// spill files under a temporary folder, then each partition is merged in
// memory, several at once, as many as Options.Memory allows; a partition
// larger than its share is split again first. Memory is bounded by
// Options.Memory plus a fixed overhead of about Workers × 2 MiB (read
// buffers and the output's gzip compressors). Temporary files are removed
// at the end, after an error or a cancel too.
package merge

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	sinkexport "github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

// DefaultMemory is the default of Options.Memory: 1 GiB.
const DefaultMemory = 1 << 30

// MinMemory is the smallest Options.Memory accepted.
const MinMemory = 4 << 20

// An Input is one export to merge, in the store that holds it.
type Input struct {
	Store store.Store
	Ref   manifest.Ref
	// Location says where it was found, for messages and reports; ""
	// means the store and the export folder.
	Location string
}

func (in Input) where() string {
	if in.Location != "" {
		return in.Location
	}
	return in.Store.String() + "/" + in.Ref.String()
}

// An Export is an Input with its summary read.
type Export struct {
	Input
	Summary *manifest.Summary
}

// ID returns the export's ID: the ARN's, or the folder's.
func (e Export) ID() string { return cmp.Or(e.Summary.ExportID(), e.Ref.ID) }

func (e Export) window() string {
	if e.Summary.Incremental() {
		return fmt.Sprintf("%s [%s, %s)", e.ID(), fmtTime(e.Summary.ExportFromTime), fmtTime(e.Summary.ExportToTime))
	}
	return fmt.Sprintf("%s (full, %s)", e.ID(), fmtTime(e.Summary.ExportTime))
}

func fmtTime(t time.Time) string { return t.UTC().Format(manifest.TimeLayout) }

// Load reads an input's summary.
func Load(ctx context.Context, in Input) (Export, error) {
	if !in.Ref.HasSummary {
		return Export{}, fmt.Errorf("%s: no %s: the export did not finish, or failed", in.where(), manifest.SummaryName)
	}
	raw, err := store.ReadAll(ctx, in.Store, in.Ref.Key(manifest.SummaryName), manifest.MaxSummaryBytes)
	if err != nil {
		return Export{}, err
	}
	s, err := manifest.ParseSummary(in.Ref.Key(manifest.SummaryName), raw)
	if err != nil {
		return Export{}, fmt.Errorf("%s: %w", in.where(), err)
	}
	return Export{Input: in, Summary: s}, nil
}

// A TablesError refuses exports of several tables.
type TablesError struct {
	Tables map[string][]string // table ARN → export IDs
}

func (e *TablesError) Error() string {
	var b strings.Builder
	b.WriteString("the exports belong to several tables (pick one with --table-arn):")
	keys := mapKeys(e.Tables)
	slices.Sort(keys)
	for _, arn := range keys {
		fmt.Fprintf(&b, "\n  %s: %s", arn, strings.Join(e.Tables[arn], ", "))
	}
	return b.String()
}

func mapKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Choose picks, among exports found, the base and the incremental exports
// to merge: those of one table (tableArn, or the only one), the full
// export baseID names (or the latest by exportTime), and every incremental
// export of that table, whatever their order.
func Choose(exps []Export, baseID, tableArn string) (base Export, incs []Export, err error) {
	tables := map[string][]string{}
	for _, e := range exps {
		tables[e.Summary.TableArn] = append(tables[e.Summary.TableArn], e.ID())
	}
	if tableArn == "" {
		if len(tables) > 1 {
			return Export{}, nil, &TablesError{Tables: tables}
		}
	} else if _, ok := tables[tableArn]; !ok {
		return Export{}, nil, fmt.Errorf("no export of table %s among those found", tableArn)
	}
	found := false
	for _, e := range exps {
		if tableArn != "" && e.Summary.TableArn != tableArn {
			continue
		}
		switch {
		case e.Summary.Incremental():
			incs = append(incs, e)
		case baseID != "":
			if e.ID() == baseID || e.Ref.ID == baseID {
				base, found = e, true
			}
		case !found || e.Summary.ExportTime.After(base.Summary.ExportTime):
			base, found = e, true
		}
	}
	if !found {
		if baseID != "" {
			return Export{}, nil, fmt.Errorf("no full export %s among those found", baseID)
		}
		return Export{}, nil, errors.New("no full export among those found: merge needs one as its base")
	}
	return base, incs, nil
}

// Options configures Merge. The zero value merges with every core within
// 1 GiB, in the base's format.
type Options struct {
	// Format is the output's format; FormatUnknown means the base's.
	Format codec.Format
	// GzipLevel is the gzip level of the output's data files, 2 to 8 (the
	// levels that keep DynamoDB's gzip header); 0 means 6.
	GzipLevel int
	// Workers is the number of data files read, and of partitions merged,
	// at once; 0 means GOMAXPROCS.
	Workers int
	// TempDir is where the spill files go; "" means os.TempDir().
	TempDir string
	// Memory bounds the memory of the merge (see the package
	// documentation); 0 means DefaultMemory. At least MinMemory.
	Memory int64
	// AllowGaps merges despite holes between windows, with a warning.
	AllowGaps bool
	// IgnoreFindings merges despite findings in the inputs (the records
	// that could be read are merged); I/O errors still stop it.
	IgnoreFindings bool
	// Stats, if set, counts the inputs' files, records and bytes as they
	// are read.
	Stats *pipeline.Stats
	// OnInputs, if set, is called once the inputs are planned with the
	// number of their data files and their stored bytes.
	OnInputs func(files int, storedBytes int64)
	// Rand is the source of the new export's ID and data file names; nil
	// means crypto/rand.
	Rand io.Reader
	// Now gives the new export's start and end times; nil means time.Now.
	Now func() time.Time
}

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// A Result is what Merge did.
type Result struct {
	// Summary, Ref and Files describe the new export.
	Summary *manifest.Summary
	Ref     manifest.Ref
	Files   []manifest.File
	// Base, Applied and Skipped are the export IDs of the base, of the
	// incremental exports applied (by window end) and of those skipped.
	Base    string
	Applied []string
	Skipped []string
	// Reports are the inputs' verify reports, in the order read (the
	// incremental exports, then the base).
	Reports []*verify.Report
	// Warnings are the merge's own warnings (skipped exports, short
	// overlaps, holes allowed by AllowGaps).
	Warnings []string
	// Records counts the inputs' records; Puts and Deletes the winning
	// records of each kind; Partitions the partitions merged.
	Records, Puts, Deletes int64
	Partitions             int
}

// ErrGap is wrapped by the error of a hole between windows.
var ErrGap = errors.New("merge: a hole between windows")

// A GapError is a hole between windows: nothing covers [From, To).
type GapError struct {
	Prev, Next string // the windows around the hole
	From, To   time.Time
}

func (e *GapError) Error() string {
	return fmt.Sprintf("a hole between windows: %s ends at %s and %s starts at %s: changes from %s to %s are in no export",
		e.Prev, fmtTime(e.From), e.Next, fmtTime(e.To), fmtTime(e.From), fmtTime(e.To))
}

func (e *GapError) Unwrap() error { return ErrGap }

// ErrFindings is wrapped by the error of inputs with findings.
var ErrFindings = errors.New("merge: findings in the inputs")

// A FindingsError stops a merge whose input does not verify: Report is
// its report (findings, or errors when it could not be read whole).
type FindingsError struct {
	Export string
	Report *verify.Report
}

func (e *FindingsError) Error() string {
	if len(e.Report.Findings) == 0 {
		return fmt.Sprintf("%s could not be read whole (%d errors): not merged", e.Export, len(e.Report.Errors))
	}
	return fmt.Sprintf("%s has %d findings: not merged (see the report)", e.Export, len(e.Report.Findings))
}

func (e *FindingsError) Unwrap() error { return ErrFindings }

// plan is a checked base and the incremental exports to apply, by window
// end (their rank is their index + 1).
type plan struct {
	base     Export
	incs     []Export
	end      time.Time
	skipped  []string
	warnings []string
}

// overlapWarning is the overlap below which a first window warns: a full
// export is consistent to about a minute.
const overlapWarning = time.Minute

func makePlan(base Export, incs []Export, allowGaps bool) (*plan, error) {
	if base.Summary.Incremental() {
		return nil, fmt.Errorf("%s is an incremental export: the base must be a full export", base.ID())
	}
	p := &plan{base: base, end: base.Summary.ExportTime}
	t0 := base.Summary.ExportTime
	for _, e := range incs {
		s := e.Summary
		switch {
		case !s.Incremental():
			return nil, fmt.Errorf("%s is a full export: only one full export (the base) can be merged", e.ID())
		case s.TableArn != base.Summary.TableArn:
			return nil, fmt.Errorf("%s is an export of table %s, the base %s one of %s", e.ID(), s.TableArn, base.ID(), base.Summary.TableArn)
		case !s.ExportToTime.After(t0):
			p.skipped = append(p.skipped, e.ID())
			p.warnings = append(p.warnings, fmt.Sprintf("%s ends at or before the base's exportTime %s: skipped", e.window(), fmtTime(t0)))
			continue
		}
		p.incs = append(p.incs, e)
	}
	// The chain, by window start.
	byStart := slices.Clone(p.incs)
	slices.SortStableFunc(byStart, func(a, b Export) int {
		return cmp.Or(a.Summary.ExportFromTime.Compare(b.Summary.ExportFromTime), a.Summary.ExportToTime.Compare(b.Summary.ExportToTime))
	})
	covered, prev := t0, base.window()
	for i, e := range byStart {
		s := e.Summary
		if i == 0 && !s.ExportFromTime.After(t0) && t0.Sub(s.ExportFromTime) < overlapWarning {
			p.warnings = append(p.warnings, fmt.Sprintf("%s overlaps the base's exportTime %s by less than a minute: a full export is only consistent to about a minute", e.window(), fmtTime(t0)))
		}
		if s.ExportFromTime.After(covered) {
			gap := &GapError{Prev: prev, Next: e.window(), From: covered, To: s.ExportFromTime}
			if !allowGaps {
				return nil, gap
			}
			p.warnings = append(p.warnings, gap.Error()+" (merged anyway: --allow-gaps)")
		}
		if s.ExportToTime.After(covered) {
			covered, prev = s.ExportToTime, e.window()
		}
	}
	p.end = covered
	// Ranks: by window end, ties by start.
	slices.SortStableFunc(p.incs, func(a, b Export) int {
		return cmp.Or(a.Summary.ExportToTime.Compare(b.Summary.ExportToTime), a.Summary.ExportFromTime.Compare(b.Summary.ExportFromTime))
	})
	return p, nil
}

// merger holds one merge's state.
type merger struct {
	opt  Options
	plan *plan
	tmp  string

	mu     sync.Mutex
	schema []string // key attribute names, from the first incremental record

	files   []*spillFile
	chunk   int   // bytes of records a worker gathers per partition
	bufSize int   // write buffer of a spill file
	seq     int64 // base items' synthetic keys when no schema is known
	pool    sync.Pool
}

// Merge verifies base and incs, applies incs onto base and writes the
// result into out as a new full export of the same table, in the base's
// S3 prefix. On error nothing is published in out, and the temporary files
// are removed. The error is a *GapError, a *FindingsError, or one that
// says why the merge could not be done.
func Merge(ctx context.Context, base Export, incs []Export, out store.Store, opt Options) (*Result, error) {
	if opt.Memory == 0 {
		opt.Memory = DefaultMemory
	}
	if opt.Memory < MinMemory {
		return nil, fmt.Errorf("merge: Memory %d is below the minimum of %d bytes", opt.Memory, MinMemory)
	}
	format := opt.Format
	if format == codec.FormatUnknown {
		format = base.Summary.Format()
	}
	if _, err := codec.NewEncoder(format, io.Discard); err != nil {
		return nil, err
	}
	p, err := makePlan(base, incs, opt.AllowGaps)
	if err != nil {
		return nil, err
	}
	res := &Result{Base: base.ID(), Skipped: p.skipped, Warnings: p.warnings}
	for _, e := range p.incs {
		res.Applied = append(res.Applied, e.ID())
	}
	tmp, err := os.MkdirTemp(opt.TempDir, "ddbexport-merge-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	m := &merger{opt: opt, plan: p, tmp: tmp}
	defer m.closeFiles()

	// Size the partitions from the inputs' stored bytes.
	inputs := append(slices.Clone(p.incs), p.base)
	var nfiles int
	var stored int64
	baseFiles := 0
	for i, e := range inputs {
		n, b := inputSize(ctx, e)
		nfiles += n
		stored += b
		if i == len(inputs)-1 {
			baseFiles = n
		}
	}
	if opt.OnInputs != nil {
		opt.OnInputs(nfiles, stored)
	}
	workers := opt.workers()
	budget, perPart := m.budgets()
	const expansion = 8 // an estimate of spill bytes per stored (gzip) byte, plus entries
	nparts := int(min((stored*expansion+perPart-1)/perPart, 4096))
	nparts = max(nparts, min(baseFiles, 64), 1)
	// Each reading worker buffers a chunk per partition, and each
	// partition's file buffers its writes: about Memory/8 in all.
	m.chunk = int(min(max(opt.Memory/16/int64(workers*nparts), 512), 64<<10))
	m.bufSize = int(min(max(opt.Memory/16/int64(nparts), 4<<10), 64<<10))
	for i := range nparts {
		f, err := newSpillFile(tmp, fmt.Sprintf("p%05d", i), 0, m.bufSize)
		if err != nil {
			return nil, err
		}
		m.files = append(m.files, f)
	}

	// Phase 1: verify every input, spilling its records.
	for rank := 0; rank <= len(p.incs); rank++ {
		e := p.base
		if rank < len(p.incs) {
			e = p.incs[rank]
		}
		rep, err := verify.Verify(ctx, e.Store, e.Ref, verify.Options{
			Workers:  workers,
			Stats:    opt.Stats,
			Location: e.where(),
			Sink: func(*pipeline.Task) (pipeline.RecordSink, error) {
				if rank == len(p.incs) {
					return m.sink(0), nil
				}
				return m.sink(rank + 1), nil
			},
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.ID(), err)
		}
		res.Reports = append(res.Reports, rep)
		res.Records += rep.Totals.Items
		if code := rep.ExitCode(); code == verify.ExitIncomplete || (code != verify.ExitIntact && !opt.IgnoreFindings) {
			return res, &FindingsError{Export: e.ID(), Report: rep}
		}
	}
	for _, f := range m.files {
		if err := f.finish(); err != nil {
			return nil, err
		}
	}

	// Split partitions too large for their share of memory.
	var leaves []*spillFile
	for _, f := range m.files {
		l, err := m.split(ctx, f, perPart)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, l...)
	}
	m.files = leaves
	res.Partitions = len(leaves)

	// Phase 2: merge each partition into one data file of the new export.
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	sum, err := newSummary(base.Summary, p.end, now().UTC().Truncate(time.Millisecond), opt.Rand)
	if err != nil {
		return nil, err
	}
	sum.Extra = append(sum.Extra, provenance(p))
	w, err := sinkexport.New(ctx, out, sinkexport.Options{
		Summary: sum,
		Format:  format,
		Level:   opt.GzipLevel,
		Files:   len(leaves),
		NewEncoder: func(w io.Writer) codec.Encoder {
			enc, _ := codec.NewEncoder(format, w)
			return enc
		},
		Rand: opt.Rand,
		Now:  opt.Now,
	})
	if err != nil {
		return nil, err
	}
	var stats struct {
		sync.Mutex
		puts, deletes int64
	}
	sem := semaphore.NewWeighted(budget)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	order := make([]int, len(leaves))
	for i := range order {
		order[i] = i
	}
	// Largest first: the small ones fill the gaps.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(leaves[b].cost(), leaves[a].cost()) })
	for _, i := range order {
		f := leaves[i]
		weight := min(f.cost(), budget)
		if err := sem.Acquire(gctx, weight); err != nil {
			break
		}
		g.Go(func() error {
			defer sem.Release(weight)
			puts, dels, err := m.mergePartition(gctx, f, w, i)
			stats.Lock()
			stats.puts += puts
			stats.deletes += dels
			stats.Unlock()
			if err == nil {
				err = os.Remove(f.path)
			}
			return err
		})
	}
	err = g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		if derr := w.Discard(context.WithoutCancel(ctx)); derr != nil {
			err = fmt.Errorf("%w (and removing the partial output: %v)", err, derr)
		}
		return nil, err
	}
	if n := w.Stats().Items; n != stats.puts {
		// Each live key is written once: the export must hold exactly them.
		err = fmt.Errorf("merge: wrote %d items of %d", n, stats.puts)
		if derr := w.Discard(context.WithoutCancel(ctx)); derr != nil {
			err = fmt.Errorf("%w (and removing the partial output: %v)", err, derr)
		}
		return nil, err
	}
	written, files, err := w.Close(ctx)
	if err != nil {
		if derr := w.Discard(context.WithoutCancel(ctx)); derr != nil {
			err = fmt.Errorf("%w (and removing the partial output: %v)", err, derr)
		}
		return nil, err
	}
	res.Summary, res.Files, res.Ref = written, files, w.Ref()
	res.Ref.HasSummary, res.Ref.HasStarted = true, true
	res.Puts, res.Deletes = stats.puts, stats.deletes
	return res, nil
}

// budgets returns the memory for partitions merged at once, and one
// partition's target share: Go's collector lets the heap grow to about
// twice what is live, so the maps get 2/5 of Memory.
func (m *merger) budgets() (budget, perPart int64) {
	budget = m.opt.Memory * 2 / 5
	return budget, max(budget/int64(m.opt.workers()), 1<<20)
}

func (m *merger) closeFiles() {
	for _, f := range m.files {
		f.finish()
	}
}

// inputSize returns an input's data files and their stored bytes, as far
// as they can be read (verify reports what cannot).
func inputSize(ctx context.Context, e Export) (int, int64) {
	s := e.Summary
	key := e.Ref.Key(manifest.FilesName)
	if k, err := e.Ref.Resolve(s, s.ManifestFilesS3Key); err == nil && s.ManifestFilesS3Key != "" {
		key = k
	}
	files, _, _, err := manifest.ReadFiles(ctx, e.Store, key)
	if err != nil {
		return 0, 0
	}
	var total int64
	for _, f := range files {
		k, err := e.Ref.Resolve(s, f.DataFileS3Key)
		if err != nil {
			continue
		}
		if o, err := e.Store.Stat(ctx, k); err == nil {
			total += o.Size
		}
	}
	return len(files), total
}

// sink returns the record sink of one data file of the input of rank
// rank (0: the base).
func (m *merger) sink(rank int) pipeline.RecordSink {
	b, _ := m.pool.Get().(*spillBuffer)
	if b == nil {
		b = newSpillBuffer(m.files, m.chunk)
	}
	return &recordSink{m: m, rank: rank, b: b}
}

type recordSink struct {
	m    *merger
	rank int
	b    *spillBuffer
	key  []byte
	vals []codec.Value
}

func (s *recordSink) Write(r *codec.Record) error {
	m := s.m
	var err error
	s.key = s.key[:0]
	s.vals = s.vals[:0]
	ts := int64(math.MinInt64)
	item := r.Item
	if s.rank > 0 {
		if !r.IsChange() {
			return errors.New("a full export's record in an incremental export")
		}
		schema := m.keySchema(r.Keys)
		if len(r.Keys) != len(schema) {
			return fmt.Errorf("Keys %s differ from the key schema %s of the first incremental record", names(r.Keys), strings.Join(schema, ", "))
		}
		for _, n := range schema {
			v, ok := r.Keys.Get(n)
			if !ok {
				return fmt.Errorf("Keys %s differ from the key schema %s of the first incremental record", names(r.Keys), strings.Join(schema, ", "))
			}
			s.vals = append(s.vals, v)
		}
		ts, item = r.WriteTimestampMicros, r.NewImage
	} else {
		if r.Item == nil {
			return errors.New("an incremental record in the full export")
		}
		m.mu.Lock()
		schema := m.schema
		if schema == nil {
			m.seq++
			s.key = binary64(s.key, m.seq)
		}
		m.mu.Unlock()
		for _, n := range schema {
			v, ok := r.Item.Get(n)
			if !ok {
				return fmt.Errorf("an item without the key attribute %q", n)
			}
			s.vals = append(s.vals, v)
		}
	}
	if s.key, err = appendKey(s.key, s.vals); err != nil {
		return err
	}
	p := hashKey(s.key, 0, len(m.files))
	buf := appendRecord(s.b.buf(p), s.key, ts, s.rank, item)
	return s.b.added(p, buf)
}

func (s *recordSink) Close() error {
	err := s.b.flushAll()
	s.m.pool.Put(s.b)
	s.b = nil
	return err
}

// binary64 appends a synthetic key: a 0 byte (no attribute type) and n.
func binary64(dst []byte, n int64) []byte {
	dst = append(dst, 0)
	for i := 56; i >= 0; i -= 8 {
		dst = append(dst, byte(n>>i))
	}
	return dst
}

func names(it codec.Item) string {
	var ns []string
	for _, v := range it {
		ns = append(ns, v.Name)
	}
	return strings.Join(ns, ", ")
}

// keySchema returns the key schema, set by the first incremental record.
func (m *merger) keySchema(keys codec.Item) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.schema == nil {
		for _, k := range keys {
			m.schema = append(m.schema, strings.Clone(k.Name)) // the record's memory is reused
		}
	}
	return m.schema
}

// split splits f into parts of about perPart cost, recursively, and
// returns the leaves.
func (m *merger) split(ctx context.Context, f *spillFile, perPart int64) ([]*spillFile, error) {
	if f.cost() <= 2*perPart || f.depth >= 6 {
		return []*spillFile{f}, nil
	}
	n := int(min((f.cost()+perPart-1)/perPart, 256))
	subs := make([]*spillFile, n)
	for i := range subs {
		s, err := newSpillFile(m.tmp, fmt.Sprintf("%s.%d", strings.TrimPrefix(f.path, m.tmp+string(os.PathSeparator)), i), f.depth+1, m.bufSize)
		if err != nil {
			return nil, err
		}
		subs[i] = s
		m.files = append(m.files, s) // closed on error
	}
	b := newSpillBuffer(subs, max(m.chunk, m.bufSize))
	err := f.frames(func(frame []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for len(frame) > 0 {
			r, rest, err := parseRecord(frame)
			if err != nil {
				return err
			}
			frame = rest
			p := hashKey(r.key, f.depth+1, n)
			if err := b.added(p, append(b.buf(p), r.raw...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = b.flushAll()
	}
	if err != nil {
		return nil, err
	}
	os.Remove(f.path)
	var leaves []*spillFile
	for _, s := range subs {
		if err := s.finish(); err != nil {
			return nil, err
		}
		l, err := m.split(ctx, s, perPart)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, l...)
	}
	return leaves, nil
}

// An entry is a key's winning record so far.
type entry struct {
	ts   int64
	rank uint64
	put  bool
	item []byte
}

// mergePartition merges one spill file in memory and writes its live
// items to data file i of w.
func (m *merger) mergePartition(ctx context.Context, f *spillFile, w *sinkexport.Writer, i int) (puts, deletes int64, err error) {
	table := make(map[string]entry, f.records.Load())
	err = f.frames(func(frame []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for len(frame) > 0 {
			r, rest, err := parseRecord(frame)
			if err != nil {
				return err
			}
			frame = rest
			e, ok := table[string(r.key)]
			if ok && (e.ts > r.ts || (e.ts == r.ts && e.rank > r.rank)) {
				continue
			}
			e.ts, e.rank, e.put = r.ts, r.rank, r.put
			e.item = append(e.item[:0], r.item...)
			table[string(r.key)] = e
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	keys := make([]string, 0, len(table))
	for k, e := range table {
		if e.put {
			keys = append(keys, k)
		} else {
			deletes++
		}
	}
	slices.Sort(keys)
	part, err := w.Partition(ctx, i)
	if err != nil {
		return 0, 0, err
	}
	rec := &codec.Record{}
	for n, k := range keys {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				part.Close()
				return 0, 0, err
			}
		}
		e := table[k]
		delete(table, k) // let the collector have it once written
		it, err := decodeItem(e.item)
		if err != nil {
			part.Close()
			return 0, 0, err
		}
		rec.Item = it
		if err := part.Write(rec); err != nil {
			part.Close()
			return 0, 0, err
		}
		puts++
	}
	return puts, deletes, part.Close()
}

// newSummary returns the summary of the new full export: the base's table,
// bucket and prefix, exportTime end, a new export ID.
func newSummary(base *manifest.Summary, end, now time.Time, rnd io.Reader) (manifest.Summary, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [4]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return manifest.Summary{}, err
	}
	id := fmt.Sprintf("0%013d-%s", now.UnixMilli(), hex.EncodeToString(b[:]))
	table := cmp.Or(base.TableArn, "arn:aws:dynamodb:us-east-1:000000000000:table/unknown")
	return manifest.Summary{
		ExportArn:      table + "/export/" + id,
		StartTime:      now,
		TableArn:       base.TableArn,
		TableID:        base.TableID,
		ExportTime:     end,
		S3Bucket:       cmp.Or(base.S3Bucket, "ddbexport-merge"),
		S3Prefix:       base.S3Prefix,
		S3SseAlgorithm: base.S3SseAlgorithm,
		S3SseKmsKeyID:  base.S3SseKmsKeyID,
		ExportType:     manifest.FullExport,
	}, nil
}

// ProvenanceKey names the key of a merged export's summary that records
// the exports it was made from (readers ignore keys they do not know).
const ProvenanceKey = "ddbexportMergedFrom"

// provenance records the base and the incremental exports applied.
func provenance(p *plan) manifest.Extra {
	type window struct {
		ExportArn      string `json:"exportArn"`
		ExportFromTime string `json:"exportFromTime"`
		ExportToTime   string `json:"exportToTime"`
	}
	v := struct {
		Base struct {
			ExportArn  string `json:"exportArn"`
			ExportTime string `json:"exportTime"`
		} `json:"base"`
		Incrementals []window `json:"incrementals"`
	}{Incrementals: []window{}}
	v.Base.ExportArn = p.base.Summary.ExportArn
	v.Base.ExportTime = p.base.Summary.ExportTime.UTC().Format(manifest.TimeLayout)
	for _, in := range p.incs {
		v.Incrementals = append(v.Incrementals, window{in.Summary.ExportArn,
			in.Summary.ExportFromTime.UTC().Format(manifest.TimeLayout), in.Summary.ExportToTime.UTC().Format(manifest.TimeLayout)})
	}
	b, _ := json.Marshal(v)
	return manifest.Extra{Name: ProvenanceKey, Value: b}
}
