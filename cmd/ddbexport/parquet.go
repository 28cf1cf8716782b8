package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/verify"
)

// inferFlags are the flags that shape an inferred schema.
type inferFlags struct {
	keys    []string
	numbers string
	mixed   string
}

func (f *inferFlags) add(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.keys, "key", nil, "the table's key attributes, partition key first (ATTR[,SORT]): their columns come first")
	fs.StringVar(&f.numbers, "numbers", parquet.NumbersAuto, "number columns: auto (int64, else decimal(38,s), else exact string), decimal (decimal(38,s), else string), string, or double (lossy)")
	fs.StringVar(&f.mixed, "mixed", parquet.MixedColumns, "an attribute of several types: columns (a struct with a child per type: price.n, price.s) or json (DynamoDB JSON text)")
}

func (f *inferFlags) options() (parquet.InferOptions, error) {
	opt := parquet.InferOptions{Numbers: f.numbers, Mixed: f.mixed, Keys: f.keys}
	switch f.numbers {
	case parquet.NumbersAuto, parquet.NumbersDecimal, parquet.NumbersString, parquet.NumbersDouble:
	default:
		return opt, usageErrorf("--numbers %q: want auto, decimal, string or double", f.numbers)
	}
	switch f.mixed {
	case parquet.MixedColumns, parquet.MixedJSON:
	default:
		return opt, usageErrorf("--mixed %q: want columns or json", f.mixed)
	}
	if len(f.keys) > 2 {
		return opt, usageErrorf("--key takes at most two attributes: the partition key and the sort key")
	}
	for _, k := range f.keys {
		if k == "" {
			return opt, usageErrorf("--key: an empty attribute name")
		}
	}
	return opt, nil
}

// inferSink learns the types of one data file's records.
type inferSink struct {
	in   *parquet.Inferrer
	done func(*parquet.Inferrer)
}

func (s *inferSink) Write(r *codec.Record) error { s.in.Add(r); return nil }
func (s *inferSink) Close() error                { s.done(s.in); return nil }

// inferPass verifies the export and infers its schema on the same pass.
// It returns the verify report, and, when the report has no findings,
// the schema and what was read of each data file (to pin a second pass).
func inferPass(ctx context.Context, loc *located, iopt parquet.InferOptions, vopt verify.Options, stderr io.Writer, quiet bool, label string) (*parquet.Schema, *verify.Report, map[string]verify.Pin, error) {
	var (
		mu    sync.Mutex
		total = parquet.NewInferrer(iopt)
		pins  = map[string]verify.Pin{}
	)
	vopt.Location = loc.location
	vopt.Sink = func(t *pipeline.Task) (pipeline.RecordSink, error) {
		return &inferSink{in: parquet.NewInferrer(iopt), done: func(in *parquet.Inferrer) {
			mu.Lock()
			total.Merge(in)
			mu.Unlock()
		}}, nil
	}
	vopt.OnFile = func(r *pipeline.Result) {
		if !r.Missing && r.IOErr == nil {
			pins[r.Key] = verify.Pin{Size: r.StoredBytes, MD5: r.MD5}
		}
	}
	bar := withProgress(&vopt, stderr, quiet, label)
	rep, err := verify.Verify(ctx, loc.st, loc.ref, vopt)
	bar.stopIfStarted()
	if err != nil || rep.ExitCode() != verify.ExitIntact {
		return nil, rep, nil, err
	}
	s, err := total.Schema()
	if err != nil {
		return nil, rep, nil, &exitError{code: exitCannotCheck, err: fmt.Errorf("inferring the schema: %w", err)}
	}
	return s, rep, pins, nil
}

// reportSwept tells what w (of the command, or of its part, what)
// removed of the unfinished writes that run left (see store.Sweeper), and
// warns if an error stopped it.
func reportSwept(stderr io.Writer, quiet bool, what, run string, w interface{ Swept() (int, error) }) {
	n, err := w.Swept()
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "warning: %s: what %s left unfinished was not all removed (%d were): %v\n", what, run, n, err)
	case n > 0 && !quiet:
		fmt.Fprintf(stderr, "%s: removed %s of %s\n", what, count(n, "unfinished write"), run)
	}
}

// barRef holds a progress bar that starts once the manifests are read.
type barRef struct{ bar *progressBar }

func (b *barRef) stopIfStarted() {
	if b.bar != nil {
		b.bar.stop()
	}
}

// withProgress draws a progress bar of the pass that opt runs, on a
// terminal, its counts after label ("" for a command of one pass).
func withProgress(opt *verify.Options, stderr io.Writer, quiet bool, label string) *barRef {
	ref := new(barRef)
	if !quiet && isTerminal(stderr) {
		opt.Stats = new(pipeline.Stats)
		opt.OnManifest = func(files int, bytes int64) { ref.bar = startProgress(stderr, label, opt.Stats, files, bytes) }
	}
	return ref
}

func newSchemaCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		flags    inferFlags
		jsonOut  bool
		quiet    bool
		workers  int
		exportID string
	)
	cmd := &cobra.Command{
		Use:   "schema [flags] PATH",
		Short: "Infer the Parquet schema of an export, verifying it on the same pass",
		Long: `schema reads every record of an export, as verify does (and verifies it on
the same pass), and prints the schema that convert --to parquet would write:
each attribute path with its DynamoDB types, how often it is present and
its Parquet column type. With --json it prints a schema file that convert
--schema takes, which you may edit (change a number column to string, write
a slot as DynamoDB JSON text with "as": "json", …).

Paths: a.b is field b of map a, a[] the elements of list a, a.n the number
child of an attribute of several types.` + "\n" + exitStatusHelp,
		Example: "  ddbexport schema --key pk,sk exports/\n  ddbexport schema --json exports/ > schema.json",
		Args:    oneArg("PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			iopt, err := flags.options()
			if err != nil {
				return err
			}
			if workers < 0 {
				return usageErrorf("--workers must be 0 (all cores) or more")
			}
			ctx := cmd.Context()
			loc, err := locate(ctx, args[0], exportID)
			if err != nil {
				return err
			}
			s, rep, _, err := inferPass(ctx, loc, iopt, verify.Options{Workers: workers}, stderr, quiet, "")
			if err != nil {
				return err
			}
			if rep.ExitCode() != verify.ExitIntact {
				rep.WriteText(stdout)
				fmt.Fprintf(stderr, "Error: no schema: the export does not verify (see the report)\n")
				return exitCode(rep.ExitCode())
			}
			for _, w := range s.Warnings() {
				fmt.Fprintf(stderr, "warning: %s\n", w)
			}
			if jsonOut {
				err = s.WriteJSON(stdout)
			} else {
				err = writeSchemaTable(stdout, s)
			}
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	flags.add(f)
	f.BoolVar(&jsonOut, "json", false, "print the schema as a file that convert --schema takes")
	f.IntVar(&workers, "workers", 0, "data files read at once (0: all cores)")
	f.StringVar(&exportID, "export-id", "", "the export to read when PATH holds several")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}

// writeSchemaTable prints a schema as a table: one row per slot.
func writeSchemaTable(w io.Writer, s *parquet.Schema) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	if s.Kind == parquet.KindIncremental {
		fmt.Fprintf(tw, "%s export, %d records, %d images (presence of an image attribute is per image)\n\n", s.Kind, s.Items, s.Images)
	} else {
		fmt.Fprintf(tw, "%s export, %d items\n\n", s.Kind, s.Items)
	}
	fmt.Fprintln(tw, "PATH\tPRESENT\tDYNAMODB TYPES\tCOLUMN")
	var walk func(prefix string, sl *parquet.Slot, parent int64, key bool)
	walk = func(path string, sl *parquet.Slot, parent int64, key bool) {
		present := "-"
		if parent > 0 {
			present = fmt.Sprintf("%.1f%%", 100*float64(sl.Count)/float64(parent))
		}
		var types []string
		for _, t := range sl.Types {
			share := ""
			if sl.Count > 0 && len(sl.Types) > 1 {
				share = fmt.Sprintf(" %.0f%%", 100*float64(t.Count)/float64(sl.Count))
			}
			types = append(types, t.Type+share)
		}
		name := path
		if key {
			name += " (key)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, present, strings.Join(types, ", "), columnOf(sl))
		if sl.As != "" {
			return
		}
		for _, t := range sl.Types {
			sub := path
			if len(sl.Types) > 1 {
				sub += "." + strings.ToLower(t.Type)
			}
			switch {
			case t.Element != nil:
				walk(sub+"[]", t.Element, 0, false)
			case t.Fields != nil:
				for _, f := range t.Fields {
					walk(sub+"."+pathName(f.Name), f, t.Count, false)
				}
			}
		}
	}
	for _, sl := range s.Keys {
		walk(pathName(sl.Name), sl, s.Items, true)
	}
	parent := s.Items
	if s.Kind == parquet.KindIncremental {
		parent = s.Images // an image attribute's presence is per image
	}
	for _, sl := range s.Attributes {
		walk(pathName(sl.Name), sl, parent, false)
	}
	return tw.Flush()
}

// pathName quotes a name in a path unless it is made of letters, digits,
// '_' and '-' only.
func pathName(name string) string {
	if name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
	}) {
		return name
	}
	return strconv.Quote(name)
}

// columnOf describes a slot's Parquet column in a few words.
func columnOf(sl *parquet.Slot) string {
	switch {
	case sl.As == parquet.AsJSON:
		return "string (DynamoDB JSON)"
	case len(sl.Types) == 0:
		return "string (always null)"
	case len(sl.Types) > 1:
		var kids []string
		for _, t := range sl.Types {
			kids = append(kids, strings.ToLower(t.Type))
		}
		return "struct<" + strings.Join(kids, ",") + ">"
	}
	t := sl.Types[0]
	switch t.Type {
	case "S":
		return "string"
	case "N":
		return t.Number
	case "B":
		return "binary"
	case "BOOL":
		return "bool"
	case "NULL":
		return "bool (true: NULL)"
	case "SS":
		return "list<string>"
	case "NS":
		return "list<" + t.Number + ">"
	case "BS":
		return "list<binary>"
	case "L":
		return "list<" + columnOf(t.Element) + ">"
	case "M":
		return fmt.Sprintf("struct (%d fields)", len(t.Fields))
	}
	return "?"
}

// parquetFlags are convert's flags for --to parquet.
type parquetFlags struct {
	infer       inferFlags
	schemaFile  string
	targetSize  string
	rowGroup    string
	compression string
	level       int
	resume      bool
}

func (f *parquetFlags) add(fs *pflag.FlagSet) {
	f.infer.add(fs)
	fs.StringVar(&f.schemaFile, "schema", "", "Parquet only: a schema file (from schema --json) instead of inferring one: one pass instead of two")
	fs.StringVar(&f.targetSize, "target-file-size", "256MiB", "Parquet only: size at which an output file is closed and the next begun")
	fs.StringVar(&f.rowGroup, "row-group-size", "32MiB", "Parquet only: item data (before compression) per row group; each worker holds one, encoded, in memory")
	fs.StringVar(&f.compression, "compression", parquet.DefaultCompression, "Parquet only: zstd, snappy, lz4, gzip or none")
	fs.IntVar(&f.level, "compression-level", 0, "Parquet only: the codec's level (0: zstd level 1, gzip's default)")
	fs.BoolVar(&f.resume, "resume", false, "Parquet only: continue an interrupted conversion into the same --out, keeping the files it completed")
}

// changed reports whether a Parquet-only flag was given.
func (f *parquetFlags) changed(fs *pflag.FlagSet) bool {
	for _, name := range []string{"schema", "key", "numbers", "mixed", "target-file-size", "row-group-size", "compression", "compression-level", "resume"} {
		if fs.Changed(name) {
			return true
		}
	}
	return false
}

func parseSize(flag, s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil || n == 0 || n > 1<<50 {
		return 0, usageErrorf("--%s %q: want a size such as 64MiB or 1GB", flag, s)
	}
	return int64(n), nil
}

// convertParquet is convert --to parquet.
func convertParquet(cmd *cobra.Command, stdout, stderr io.Writer, pf *parquetFlags, path, exportID, out string, workers int, quiet bool, shard verify.Shard) error {
	iopt, err := pf.infer.options()
	if err != nil {
		return err
	}
	target, err := parseSize("target-file-size", pf.targetSize)
	if err != nil {
		return err
	}
	rowGroup, err := parseSize("row-group-size", pf.rowGroup)
	if err != nil {
		return err
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	defer limitMemory(parquet.HeapBound(workers, rowGroup))()
	if _, err := parquet.ParseCompression(pf.compression); err != nil {
		return usageErrorf("--compression: %v", err)
	}
	if err := parquet.CheckCompression(pf.compression, pf.level); err != nil {
		return usageErrorf("--compression-level: %v", err)
	}
	var schema *parquet.Schema
	if pf.schemaFile != "" {
		f, err := os.Open(pf.schemaFile)
		if err != nil {
			return &exitError{code: exitCannotCheck, err: err}
		}
		schema, err = parquet.ReadSchema(f)
		f.Close()
		if err != nil {
			return usageErrorf("--schema %s: %v", pf.schemaFile, err)
		}
	}
	ctx := cmd.Context()
	loc, err := locate(ctx, path, exportID)
	if err != nil {
		return err
	}
	src, _, err := readManifests(cmd, loc)
	if err != nil {
		return err
	}
	if src.Incremental() && schema != nil && schema.Kind != parquet.KindIncremental {
		return usageErrorf("--schema %s is of a %s export; %s is incremental", pf.schemaFile, schema.Kind, loc.location)
	}
	outStore, err := openStore(ctx, out)
	if err != nil {
		return err
	}
	if shard.Count > 0 {
		// One shard of a conversion: its own names in the folder.
		if _, err := outStore.Stat(ctx, parquet.SuccessName); err == nil {
			return usageErrorf("%s is complete (it has %s): a shard cannot add to it", out, parquet.SuccessName)
		}
		outStore = newShardStore(outStore, shard)
	}
	opt := parquet.Options{
		TargetFileSize:   target,
		RowGroupSize:     rowGroup,
		Compression:      pf.compression,
		CompressionLevel: pf.level,
		Source: parquet.Source{
			ExportArn: src.ExportArn, TableArn: src.TableArn, ExportType: string(src.Type()),
			ExportFormat: src.OutputFormat, ItemCount: src.ItemCount,
		},
	}
	if !src.ExportTime.IsZero() {
		opt.Source.ExportTime = src.ExportTime.UTC().Format("2006-01-02T15:04:05Z07:00")
	}

	var (
		w         *parquet.Writer
		done      map[string]parquet.Progress
		pins      map[string]verify.Pin
		passLabel string // of the converting pass's progress bar, when it is the second
	)
	if pf.resume {
		opt.Schema = schema
		w, done, err = parquet.Resume(ctx, outStore, opt)
		if errors.Is(err, parquet.ErrNothingToResume) {
			err = nil // start anew, as without --resume
		} else if err != nil {
			return &exitError{code: exitCannotCheck, err: fmt.Errorf("--resume: %w", err)}
		} else {
			reportSwept(stderr, quiet, "--resume", "the interrupted run", w)
		}
	}
	if w == nil {
		// Refuse a folder that is not empty before the first pass, not
		// after it.
		if err := parquet.CheckEmpty(ctx, outStore, ""); err != nil {
			if errors.Is(err, parquet.ErrNotEmpty) {
				err = fmt.Errorf("%w, or continue an interrupted conversion there with --resume", err)
			}
			return &exitError{code: exitCannotCheck, err: err}
		}
		if schema == nil {
			s, rep, p, err := inferPass(ctx, loc, iopt, verify.Options{Workers: workers}, stderr, quiet, "1/2 schema: ")
			passLabel = "2/2 convert: "
			if err != nil {
				return err
			}
			if rep.ExitCode() != verify.ExitIntact {
				rep.WriteText(stdout)
				fmt.Fprintf(stderr, "Error: not converted: the source export does not verify (see the report)\n")
				return exitCode(rep.ExitCode())
			}
			schema, pins = s, p
		}
		opt.Schema = schema
		for _, w := range schema.Warnings() {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		if w, err = parquet.New(ctx, outStore, opt); err != nil {
			return &exitError{code: exitCannotCheck, err: err}
		}
	}

	vopt := verify.Options{
		Workers:  workers,
		Location: loc.location,
		Pins:     pins,
		Shard:    shard,
		Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
			p, ok := done[t.File.DataFileS3Key]
			switch {
			case p.Done:
				return discardSink{}, nil
			case ok:
				return w.PartitionAt(ctx, t.File.DataFileS3Key, p), nil
			}
			return w.Partition(ctx, t.File.DataFileS3Key), nil
		},
	}
	bar := withProgress(&vopt, stderr, quiet, passLabel)
	rep, err := verify.Verify(ctx, loc.st, loc.ref, vopt)
	bar.stopIfStarted()
	if ctx.Err() != nil {
		// Interrupted: keep what is complete, for --resume.
		if aerr := w.Abort(context.WithoutCancel(ctx), false); aerr != nil {
			fmt.Fprintf(stderr, "warning: cleaning up: %v\n", aerr)
		}
		fmt.Fprintf(stderr, "interrupted: run the same command with --resume to continue\n")
		return ctx.Err()
	}
	if err != nil || rep.ExitCode() != verify.ExitIntact {
		if aerr := w.Abort(ctx, true); aerr != nil {
			fmt.Fprintf(stderr, "warning: removing the partial output: %v\n", aerr)
		}
		if err != nil {
			return &exitError{code: exitCannotCheck, err: fmt.Errorf("not converted: %w", err)}
		}
		rep.WriteText(stdout)
		fmt.Fprintf(stderr, "Error: not converted: the source export does not verify, or does not fit the schema (see the report)\n")
		return exitCode(rep.ExitCode())
	}
	m, err := w.Close(ctx)
	if err != nil {
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("writing the Parquet files: %w", err)}
	}
	if m.Rows != rep.Totals.Items {
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("wrote %d rows of %d items: the output is incomplete", m.Rows, rep.Totals.Items)}
	}
	var size int64
	for _, f := range m.Files {
		size += f.Bytes
	}
	if shard.Count > 0 {
		_, err = fmt.Fprintf(stdout, "converted shard %s of %s export %s (%d of %d items, %s) to Parquet: %d rows in %s, %s\n  %s\nOnce every shard is done: ddbexport convert finalize %s\n",
			shard, strings.ToLower(strings.TrimSuffix(string(src.Type()), "_EXPORT")), src.ExportID(), rep.Totals.Items, src.ItemCount, src.OutputFormat,
			m.Rows, count(len(m.Files), "file"), humanize.IBytes(uint64(size)), joinPath(out, shardDir(shard)+parquet.ManifestName), out)
		return err
	}
	_, err = fmt.Fprintf(stdout, "converted %s export %s (%d items, %s) to Parquet: %d rows in %s, %s\n  %s\n",
		strings.ToLower(strings.TrimSuffix(string(src.Type()), "_EXPORT")), src.ExportID(), src.ItemCount, src.OutputFormat,
		m.Rows, count(len(m.Files), "file"), humanize.IBytes(uint64(size)), joinPath(out, parquet.ManifestName))
	return err
}

// discardSink takes the records of a data file already converted by the
// run being resumed: they are verified, not written again.
type discardSink struct{}

func (discardSink) Write(*codec.Record) error { return nil }
func (discardSink) Close() error              { return nil }

// limitMemory sets the Go runtime's soft memory limit to heap bytes,
// unless GOMEMLIMIT sets one, and returns what restores the limit before.
// The garbage collector then works harder as the heap nears the limit,
// instead of letting it grow to twice what is live: the peak stays near
// the limit however large the export.
func limitMemory(heap int64) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetMemoryLimit(heap)
	return func() { debug.SetMemoryLimit(old) }
}
