package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	sinkexport "github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

// shardsDir holds, in a sharded Parquet output, one folder per shard with
// what the shard's writer keeps beside its files: its schema, its _parts/
// records while it runs, its manifest and _SUCCESS when it is done.
const shardsDir = "_shards/"

// shardDir is the folder of shard sh in shardsDir.
func shardDir(sh verify.Shard) string {
	return fmt.Sprintf("%s%05d-of-%05d/", shardsDir, sh.Index, sh.Count)
}

// shardFilePrefix replaces "part-" in the names of shard sh's Parquet
// files, so that shards never write the same name: part-s00003of00007-00000.parquet.
func shardFilePrefix(sh verify.Shard) string {
	return fmt.Sprintf("part-s%05dof%05d-", sh.Index, sh.Count)
}

// A shardStore is the output folder as one shard's Parquet writer sees
// it: its part-N.parquet files are the shard's own names in the folder,
// everything else (schema, _parts/, manifest, _SUCCESS) is in the shard's
// folder under _shards/. The writer, and --resume, then see only their
// shard's output, and the shards' files sit side by side in the folder.
type shardStore struct {
	st    store.Store
	dir   string // shardDir
	files string // shardFilePrefix
}

func newShardStore(st store.Store, sh verify.Shard) *shardStore {
	return &shardStore{st: st, dir: shardDir(sh), files: shardFilePrefix(sh)}
}

func (s *shardStore) real(key string) string {
	if rest, ok := strings.CutPrefix(key, "part-"); ok && !strings.Contains(key, "/") {
		return s.files + rest
	}
	return s.dir + key
}

func (s *shardStore) Stat(ctx context.Context, key string) (store.Object, error) {
	o, err := s.st.Stat(ctx, s.real(key))
	o.Key = key
	return o, err
}

func (s *shardStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.st.Open(ctx, s.real(key))
}

func (s *shardStore) Create(ctx context.Context, key string) (store.Writer, error) {
	return s.st.Create(ctx, s.real(key))
}

func (s *shardStore) Remove(ctx context.Context, key string) error {
	return s.st.Remove(ctx, s.real(key))
}

func (s *shardStore) String() string { return s.st.String() }

// A shardRegion is where in the folder part of a shard's names are:
// the keys under under, named as+(the rest) in the shard's view.
type shardRegion struct{ under, as string }

// regions are the shard's folder (its names starting with "_"), then its
// Parquet files ("part-…"), in the order of the names they hold.
func (s *shardStore) regions() [2]shardRegion {
	return [2]shardRegion{{s.dir, ""}, {s.files, "part-"}}
}

var _ store.Sweeper = (*shardStore)(nil)

// Sweep sweeps the shard's own names only (see List), where the folder's
// store keeps unfinished writes; the other shards' are theirs.
func (s *shardStore) Sweep(ctx context.Context, prefix string, match func(key string) bool) (int, error) {
	sw, ok := s.st.(store.Sweeper)
	if !ok {
		return 0, nil
	}
	total := 0
	for _, src := range s.regions() {
		n, err := sw.Sweep(ctx, src.under, func(key string) bool {
			key = src.as + strings.TrimPrefix(key, src.under)
			return strings.HasPrefix(key, prefix) && match(key)
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// List yields the shard's folder's objects (names starting with "_"),
// then its Parquet files ("part-…"): in lexicographic order, as "_" sorts
// before "p".
func (s *shardStore) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		for _, src := range s.regions() {
			for o, err := range s.st.List(ctx, src.under) {
				if err != nil {
					yield(store.Object{}, err)
					return
				}
				o.Key = src.as + strings.TrimPrefix(o.Key, src.under)
				if !strings.HasPrefix(o.Key, prefix) {
					continue
				}
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

func newConvertFinalizeCmd(stdout io.Writer) *cobra.Command {
	var exportID string
	cmd := &cobra.Command{
		Use:   "finalize OUT",
		Short: "Complete a sharded conversion once every shard is done",
		Long: `finalize completes the output of a sharded conversion in OUT (a folder or
s3://BUCKET/PREFIX, the --out of the shards) once every shard has run, and
changes nothing when a check fails (exit status 2); an output finalized
already is left as it is (exit status 0).

For convert --to parquet --shard i/N, it checks that each of the N shards
finished (_shards/<i>-of-<N>/_SUCCESS), that they converted one export with
one schema, that no source data file was converted by two shards, that
every shard's Parquet file is there at its size, and that the rows add up
to the export's item count; then it writes _schema.json, _manifest.json
(every shard's files) and _SUCCESS, last.

For convert --to dynamodb-json|ion --shard i/N, it finds the new export
under OUT ([prefix/]AWSDynamoDB/<id>/_shards/) and checks that each of the
N shards finished (<i>-of-<N>/_SUCCESS), that they converted one source
export to one format, that no source data file was converted twice and
every one was converted, that every data file is there at the size its
shard recorded, and that the items add up to the source's item count; then
it writes manifest-files.json, manifest-files.md5, manifest-summary.json and
manifest-summary.md5, the summary last, listing the data files in the
source's manifest order. The shards' records stay under _shards/, outside
the data/ folder, where verify does not look. When OUT holds the shards of
several such exports, --export-id picks one.`,
		Example: "  ddbexport convert finalize s3://lake/orders/\n  ddbexport convert finalize --export-id 01768386224000-5f0c2a9e s3://import-bucket/",
		Args:    oneArg("OUT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := args[0]
			st, err := openStore(ctx, out)
			if err != nil {
				return err
			}
			if exportID == "" {
				if _, err := st.Stat(ctx, parquet.SuccessName); err == nil {
					fmt.Fprintf(stdout, "%s is already complete (it has %s)\n", out, parquet.SuccessName)
					return nil
				}
				for _, err := range st.List(ctx, shardsDir) {
					if err != nil {
						return &exitError{code: exitCannotCheck, err: err}
					}
					return finalizeParquet(cmd, stdout, st, out)
				}
			}
			return finalizeExport(cmd, stdout, st, out, exportID)
		},
	}
	cmd.Flags().StringVar(&exportID, "export-id", "", "the new export to finalize, when OUT holds the shards of several (dynamodb-json and ion)")
	return cmd
}

// finalizeParquet completes the sharded Parquet output in st.
func finalizeParquet(cmd *cobra.Command, stdout io.Writer, st store.Store, out string) error {
	m, schema, err := collectShards(cmd.Context(), st, out)
	if err != nil {
		return err
	}
	if err := putObject(cmd, st, parquet.SchemaName, schema); err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := putObject(cmd, st, parquet.ManifestName, append(b, '\n')); err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	if err := putObject(cmd, st, parquet.SuccessName, nil); err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	var size int64
	for _, f := range m.Files {
		size += f.Bytes
	}
	_, err = fmt.Fprintf(stdout, "finalized the Parquet output of export %s: %d rows in %s, %s\n  %s\n",
		m.Source.ExportArn, m.Rows, count(len(m.Files), "file"), humanize.IBytes(uint64(size)), joinPath(out, parquet.ManifestName))
	return err
}

// parseShardFolder parses the name of a shard's folder, as shardDir
// writes it: 00003-of-00007.
func parseShardFolder(name string) (verify.Shard, bool) {
	var sh verify.Shard
	if _, err := fmt.Sscanf(name, "%05d-of-%05d", &sh.Index, &sh.Count); err != nil || sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
		return verify.Shard{}, false
	}
	return sh, name+"/" == shardDir(sh)[len(shardsDir):]
}

// collectShards reads and checks the shards of a sharded output, and
// returns the output's manifest and schema file.
func collectShards(ctx context.Context, st store.Store, out string) (*parquet.Manifest, []byte, error) {
	refuse := func(format string, args ...any) error {
		return usageErrorf("%s: not finalized: %s", out, fmt.Sprintf(format, args...))
	}
	done := map[verify.Shard]bool{}
	seen := map[verify.Shard]bool{}
	count := 0
	for o, err := range st.List(ctx, shardsDir) {
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		dir, name, _ := strings.Cut(strings.TrimPrefix(o.Key, shardsDir), "/")
		sh, ok := parseShardFolder(dir)
		if !ok {
			return nil, nil, refuse("%s%s is not a shard's folder", shardsDir, dir)
		}
		if count != 0 && sh.Count != count {
			return nil, nil, refuse("it holds shards of %d and of %d: the output of two sharded runs", count, sh.Count)
		}
		count = sh.Count
		seen[sh] = true
		if name == parquet.SuccessName {
			done[sh] = true
		}
	}
	if count == 0 {
		return nil, nil, refuse("no %s folder: not the output of convert --to parquet --shard", strings.TrimSuffix(shardsDir, "/"))
	}
	var missing []string
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		switch {
		case !seen[sh]:
			missing = append(missing, sh.String()+" (not started)")
		case !done[sh]:
			missing = append(missing, sh.String()+" (not finished)")
		}
	}
	if len(missing) > 0 {
		return nil, nil, refuse("shard %s: run them, then finalize again", strings.Join(missing, ", "))
	}
	var (
		m      = &parquet.Manifest{Version: parquet.ManifestVersion}
		schema []byte
		first  *parquet.Schema
		inputs = map[string]verify.Shard{} // source data file → its shard
	)
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		dir := shardDir(sh)
		raw, err := store.ReadAll(ctx, st, dir+parquet.ManifestName, 1<<30)
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		var sm parquet.Manifest
		if err := json.Unmarshal(raw, &sm); err != nil || sm.Version != parquet.ManifestVersion {
			return nil, nil, refuse("%s%s is not a manifest of this tool (%v)", dir, parquet.ManifestName, err)
		}
		rawSchema, err := store.ReadAll(ctx, st, dir+parquet.SchemaName, 64<<20)
		if err != nil {
			return nil, nil, &exitError{code: exitCannotCheck, err: err}
		}
		s, err := parquet.ReadSchema(bytes.NewReader(rawSchema))
		if err != nil {
			return nil, nil, refuse("%s%s: %v", dir, parquet.SchemaName, err)
		}
		if i == 0 {
			m.Source, schema, first = sm.Source, rawSchema, s
		} else {
			if sm.Source != m.Source {
				return nil, nil, refuse("shard %s converted export %s, shard 0/%d export %s: not one export", sh, sm.Source.ExportArn, count, m.Source.ExportArn)
			}
			if !s.Equal(first) {
				return nil, nil, refuse("shard %s wrote another schema than shard 0/%d", sh, count)
			}
		}
		for _, f := range sm.Files {
			name := shardFilePrefix(sh) + strings.TrimPrefix(f.Path, "part-")
			o, err := st.Stat(ctx, name)
			switch {
			case errors.Is(err, store.ErrNotExist):
				return nil, nil, refuse("%s, of shard %s, is missing", name, sh)
			case err != nil:
				return nil, nil, &exitError{code: exitCannotCheck, err: err}
			case o.Size != f.Bytes:
				return nil, nil, refuse("%s, of shard %s, has %d bytes; its manifest says %d", name, sh, o.Size, f.Bytes)
			}
			for _, in := range f.Inputs {
				if other, ok := inputs[in.File]; ok && other != sh {
					return nil, nil, refuse("data file %s was converted by shards %s and %s", in.File, other, sh)
				}
				inputs[in.File] = sh
			}
			f.Path = name
			m.Files = append(m.Files, f)
			m.Rows += f.Rows
		}
	}
	if m.Rows != m.Source.ItemCount {
		return nil, nil, refuse("the shards' rows add up to %d; the export has %d items", m.Rows, m.Source.ItemCount)
	}
	slices.SortFunc(m.Files, func(a, b parquet.OutputFile) int { return strings.Compare(a.Path, b.Path) })
	return m, schema, nil
}

// A sharded conversion to an export (--to dynamodb-json|ion --shard i/N)
// writes every shard into one new export, whose ID each shard, and
// finalize, derive from the source (shardedExportSummary). Each shard
// keeps its records in the new export's folder, under
// [prefix/]AWSDynamoDB/<id>/_shards/<i>-of-<N>/ (shardDir): outside the
// data/ folder, which verify lists for files the manifest does not name,
// and named so that manifest.Find takes none of them for an export.
const (
	// exportShardStarted is written when the shard starts: the shard,
	// the source and the new export, no data file.
	exportShardStarted = "_shard.json"
	// exportShardManifest is written when the shard's data files are:
	// the same, with each data file's manifest line and sizes.
	exportShardManifest = "_manifest.json"
	// exportShardDone is written last: the shard is done.
	exportShardDone = "_SUCCESS"
	// exportShardVersion is the version of the shard's records.
	exportShardVersion = "ddbexport.export-shard/v1"
)

// An exportShardRecord is what a shard of a conversion to an export
// records of itself.
type exportShardRecord struct {
	Version   string            `json:"version"`
	Shard     verify.Shard      `json:"shard"`
	ExportArn string            `json:"exportArn"` // the new export's
	Format    string            `json:"format"`    // the new export's outputFormat
	Source    exportShardSource `json:"source"`
	Files     []exportShardFile `json:"files"` // in _manifest.json; in the source's manifest order
}

// An exportShardSource is the export a shard converts.
type exportShardSource struct {
	ExportArn string `json:"exportArn"`
	ItemCount int64  `json:"itemCount"`
	DataFiles int    `json:"dataFiles"` // the distinct data files of its manifest, every shard's
	// Summary is its manifest-summary.json as manifest.Summary.Marshal
	// writes it: finalize derives the new export's summary from it.
	Summary json.RawMessage `json:"summary"`
}

// An exportShardFile is one data file of the new export, with the source
// data file it converts.
type exportShardFile struct {
	Source        string `json:"source"`     // the source data file's dataFileS3Key
	SourceLine    int    `json:"sourceLine"` // its line in the source's manifest-files.json
	ItemCount     int64  `json:"itemCount"`
	MD5Checksum   string `json:"md5Checksum"`
	ETag          string `json:"etag"`
	DataFileS3Key string `json:"dataFileS3Key"`
	Size          int64  `json:"size"`  // stored bytes
	Bytes         int64  `json:"bytes"` // uncompressed
}

// shardedExportSummary returns the summary of the export that a sharded
// conversion of src to target writes, the same in every shard and in
// finalize, whatever the shard count: as newExportSummary's, but with a
// start time and an ID derived from src. The start time is src's endTime
// (the earliest a conversion of it can start; its startTime, exportTime or
// exportToTime when it has none), and the ID is DynamoDB's shape: 0, that
// time in ms, -, and the first 8 hex digits of the SHA-256 of src's
// exportArn, startTime, endTime and itemCount and of target.
func shardedExportSummary(src *manifest.Summary, target codec.Format) (manifest.Summary, error) {
	var start time.Time
	for _, t := range []time.Time{src.EndTime, src.StartTime, src.ExportTime, src.ExportToTime} {
		if !t.IsZero() {
			start = t.UTC().Truncate(time.Millisecond)
			break
		}
	}
	if start.IsZero() {
		return manifest.Summary{}, errors.New("the source's summary has no time (endTime, startTime, exportTime or exportToTime) to derive the new export's ID from")
	}
	h := sha256.New()
	tm := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(manifest.TimeLayout)
	}
	fmt.Fprintf(h, "ddbexport convert --shard\x00%s\x00%s\x00%s\x00%d\x00%s", src.ExportArn, tm(src.StartTime), tm(src.EndTime), src.ItemCount, target)
	return exportSummary(src, start, hex.EncodeToString(h.Sum(nil)[:4])), nil
}

// exportShardRun is one shard of a conversion to an export.
type exportShardRun struct {
	loc      *located
	src      *manifest.Summary
	files    []manifest.File
	target   codec.Format
	shard    verify.Shard
	out      string
	outStore store.Store
	level    int
	workers  int
	quiet    bool
}

// convertExportShard converts the data files of one shard into the new
// export (see shardedExportSummary), and records them for finalize. It
// first removes the shard's done marker of an earlier run, so that a run
// that fails leaves the shard not done; on failure it removes the shard's
// data files and records, never another shard's.
func convertExportShard(cmd *cobra.Command, stdout, stderr io.Writer, r exportShardRun) error {
	ctx := cmd.Context()
	src, sh := r.src, r.shard
	tmpl, err := shardedExportSummary(src, r.target)
	if err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	id := tmpl.ExportID()
	// The shard's data files: the distinct entries of the manifest that
	// are its own, as verify --shard picks them.
	seen := map[string]bool{}
	var own []manifest.File
	for _, f := range r.files {
		if seen[f.DataFileS3Key] {
			continue
		}
		seen[f.DataFileS3Key] = true
		if verify.ShardOf(f.DataFileS3Key, sh.Count) == sh.Index {
			own = append(own, f)
		}
	}
	names := make([]string, len(own))
	partition := make(map[string]int, len(own)) // source dataFileS3Key → partition
	for i, f := range own {
		names[i] = sinkexport.DataFileName(r.target, id, f.DataFileS3Key)
		partition[f.DataFileS3Key] = i
	}
	w, err := sinkexport.New(ctx, r.outStore, sinkexport.Options{
		Summary: tmpl,
		Format:  r.target,
		Level:   r.level,
		Names:   names,
		Part:    true,
		NewEncoder: func(w io.Writer) codec.Encoder {
			enc, _ := codec.NewEncoder(r.target, w)
			return enc
		},
	})
	if errors.Is(err, sinkexport.ErrExists) {
		_, err = fmt.Fprintf(stdout, "export %s, the conversion of export %s to %s, is complete already (it has %s): shard %s has nothing to do\n  %s\n",
			id, src.ExportID(), r.target, manifest.SummaryName, sh, joinPath(r.out, exportDirOf(&tmpl)+manifest.SummaryName))
		return err
	}
	if err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	reportSwept(stderr, r.quiet, "shard "+sh.String(), "an earlier run", w)
	dir := w.Ref().Dir() + shardDir(sh)
	rec := exportShardRecord{
		Version:   exportShardVersion,
		Shard:     sh,
		ExportArn: tmpl.ExportArn,
		Format:    r.target.String(),
		Source: exportShardSource{
			ExportArn: src.ExportArn,
			ItemCount: src.ItemCount,
			DataFiles: len(seen),
			Summary:   src.Marshal(),
		},
	}
	removeRecords := func(ctx context.Context) error {
		var first error
		for _, name := range []string{exportShardDone, exportShardManifest, exportShardStarted} {
			if err := r.outStore.Remove(ctx, dir+name); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	discard := func() {
		ctx := context.WithoutCancel(ctx)
		err := w.Discard(ctx)
		if rerr := removeRecords(ctx); err == nil {
			err = rerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "warning: removing the shard's partial output: %v\n", err)
		}
	}
	if err := removeRecords(ctx); err != nil {
		discard()
		return &exitError{code: exitCannotCheck, err: err}
	}
	if err := putJSON(cmd, r.outStore, dir+exportShardStarted, rec); err != nil {
		discard()
		return &exitError{code: exitCannotCheck, err: err}
	}

	opt := verify.Options{
		Workers:  r.workers,
		Location: r.loc.location,
		Shard:    sh,
		Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
			i, ok := partition[t.File.DataFileS3Key]
			if !ok { // not reached: verify gives a shard its own files
				return nil, fmt.Errorf("data file %s is not one of shard %s's", t.File.DataFileS3Key, sh)
			}
			return w.Partition(ctx, i)
		},
	}
	bar := withProgress(&opt, stderr, r.quiet, "")
	rep, err := verify.Verify(ctx, r.loc.st, r.loc.ref, opt)
	bar.stopIfStarted()
	if err != nil || rep.ExitCode() != verify.ExitIntact {
		discard()
		if err != nil {
			return &exitError{code: exitCannotCheck, err: fmt.Errorf("shard %s not converted: %w", sh, err)}
		}
		rep.WriteText(stdout)
		fmt.Fprintf(stderr, "Error: shard %s not converted: the source export does not verify (see the report)\n", sh)
		return exitCode(rep.ExitCode())
	}
	dfs, err := w.CloseFiles(ctx)
	if err != nil {
		discard()
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("writing shard %s of the new export: %w", sh, err)}
	}
	var items int64
	for i, df := range dfs {
		items += df.ItemCount
		rec.Files = append(rec.Files, exportShardFile{
			Source: own[i].DataFileS3Key, SourceLine: own[i].Line,
			ItemCount: df.ItemCount, MD5Checksum: df.MD5Checksum, ETag: df.ETag, DataFileS3Key: df.DataFileS3Key,
			Size: df.StoredBytes, Bytes: df.Bytes,
		})
	}
	if items != rep.Totals.Items {
		discard()
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("shard %s wrote %d items of %d: not converted", sh, items, rep.Totals.Items)}
	}
	if rec.Files == nil {
		rec.Files = []exportShardFile{}
	}
	if err := putJSON(cmd, r.outStore, dir+exportShardManifest, rec); err != nil {
		discard()
		return &exitError{code: exitCannotCheck, err: err}
	}
	if err := putObject(cmd, r.outStore, dir+exportShardDone, nil); err != nil {
		discard()
		return &exitError{code: exitCannotCheck, err: err}
	}
	_, err = fmt.Fprintf(stdout, "converted shard %s of %s export %s (%d of %d items, %s) to %s export %s: %s\n  %s\nOnce every shard is done: ddbexport convert finalize %s\n",
		sh, strings.ToLower(strings.TrimSuffix(string(src.Type()), "_EXPORT")), src.ExportID(), items, src.ItemCount, src.OutputFormat,
		r.target, id, dataFiles(len(dfs)), joinPath(r.out, dir+exportShardManifest), r.out)
	return err
}

// exportDirOf returns the key of the folder of the export s describes, in
// the store that plays its bucket: [prefix/]AWSDynamoDB/<id>/.
func exportDirOf(s *manifest.Summary) string {
	dir := manifest.RootName + "/" + s.ExportID() + "/"
	if s.S3Prefix != "" {
		dir = s.S3Prefix + "/" + dir
	}
	return dir
}

// putJSON writes v, indented, as the object at key.
func putJSON(cmd *cobra.Command, st store.Store, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return putObject(cmd, st, key, append(b, '\n'))
}

// exportShards are the shards' records found in one export folder.
type exportShards struct {
	dir      string                           // the export folder, [prefix/]AWSDynamoDB/<id>/
	names    map[verify.Shard]map[string]bool // each shard's folder: the names in it
	complete bool                             // the folder has manifest-summary.json
}

// findExportShards lists st for the shards' records of conversions to an
// export: keys [prefix/]AWSDynamoDB/<id>/_shards/<i>-of-<N>/<name>. A
// folder under _shards/ that is not a shard's is an error.
func findExportShards(ctx context.Context, st store.Store) ([]*exportShards, error) {
	found := map[string]*exportShards{}
	summaries := map[string]bool{}
	for o, err := range st.List(ctx, "") {
		if err != nil {
			return nil, &exitError{code: exitCannotCheck, err: err}
		}
		if dir, ok := strings.CutSuffix(o.Key, manifest.SummaryName); ok {
			summaries[dir] = true
			continue
		}
		i := strings.LastIndex(o.Key, "/"+shardsDir)
		if i < 0 {
			continue
		}
		dir, rest := o.Key[:i+1], o.Key[i+1+len(shardsDir):]
		if segs := strings.Split(strings.TrimSuffix(dir, "/"), "/"); len(segs) < 2 || segs[len(segs)-2] != manifest.RootName {
			continue // not in an export folder
		}
		folder, name, ok := strings.Cut(rest, "/")
		sh, valid := parseShardFolder(folder)
		if !ok || !valid || strings.Contains(name, "/") {
			return nil, usageErrorf("%s is not a shard's record (want %s%s<i>-of-<N>/<name>)", o.Key, dir, shardsDir)
		}
		g := found[dir]
		if g == nil {
			g = &exportShards{dir: dir, names: map[verify.Shard]map[string]bool{}}
			found[dir] = g
		}
		if g.names[sh] == nil {
			g.names[sh] = map[string]bool{}
		}
		g.names[sh][name] = true
	}
	var out []*exportShards
	for _, dir := range slices.Sorted(maps.Keys(found)) {
		g := found[dir]
		g.complete = summaries[dir]
		out = append(out, g)
	}
	return out, nil
}

// id returns the export ID of g's folder.
func (g *exportShards) id() string { return path.Base(strings.TrimSuffix(g.dir, "/")) }

// shards returns g's shards, by count then index.
func (g *exportShards) shards() []verify.Shard {
	return slices.SortedFunc(maps.Keys(g.names), func(a, b verify.Shard) int {
		if a.Count != b.Count {
			return a.Count - b.Count
		}
		return a.Index - b.Index
	})
}

// readExportShardRecord reads the record name (exportShardStarted or
// exportShardManifest) of shard sh of g.
func readExportShardRecord(ctx context.Context, st store.Store, g *exportShards, sh verify.Shard, name string) (*exportShardRecord, error) {
	key := g.dir + shardDir(sh) + name
	raw, err := store.ReadAll(ctx, st, key, 1<<30)
	if err != nil {
		return nil, &exitError{code: exitCannotCheck, err: err}
	}
	var rec exportShardRecord
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Version != exportShardVersion {
		if err == nil {
			err = fmt.Errorf("version %q, want %s", rec.Version, exportShardVersion)
		}
		return nil, usageErrorf("%s is not a shard's record of this tool (%v)", key, err)
	}
	if rec.Shard != sh {
		return nil, usageErrorf("%s is the record of shard %s, in the folder of shard %s", key, rec.Shard, sh)
	}
	return &rec, nil
}

// finalizeExport completes the sharded conversion to an export in st: the
// one export folder under st with shards' records and no summary (or the
// one named exportID).
func finalizeExport(cmd *cobra.Command, stdout io.Writer, st store.Store, out, exportID string) error {
	ctx := cmd.Context()
	refuse := func(format string, args ...any) error {
		return usageErrorf("%s: not finalized: %s", out, fmt.Sprintf(format, args...))
	}
	all, err := findExportShards(ctx, st)
	if err != nil {
		return err
	}
	if exportID != "" {
		all = slices.DeleteFunc(all, func(g *exportShards) bool { return g.id() != exportID })
		if len(all) == 0 {
			return refuse("no shards of a conversion to export %s (no %s%s/%s)", exportID, manifest.RootName, exportID, shardsDir)
		}
	}
	if len(all) == 0 {
		return refuse("no sharded conversion: neither %s (convert --to parquet --shard) nor %s<export id>/%s (convert --to dynamodb-json|ion --shard)",
			shardsDir, manifest.RootName+"/", shardsDir)
	}
	var pending []*exportShards
	for _, g := range all {
		if !g.complete {
			pending = append(pending, g)
		}
	}
	switch len(pending) {
	case 0:
		for _, g := range all {
			if err := mendSummaryMD5(cmd, stdout, st, out, g); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s is already complete (it has %s)\n", joinPath(out, g.dir), manifest.SummaryName)
		}
		return nil
	case 1:
	default:
		var which []string
		for _, g := range pending {
			desc := g.id()
			sh := g.shards()[0]
			if rec, err := readExportShardRecord(ctx, st, g, sh, exportShardStarted); err == nil {
				desc += " (of export " + rec.Source.ExportArn + ")"
			}
			which = append(which, desc)
		}
		return refuse("it holds the shards of %d conversions, to exports %s: not one export; finalize one at a time with --export-id ID",
			len(pending), strings.Join(which, " and "))
	}
	g := pending[0]

	shards := g.shards()
	count := shards[0].Count
	if last := shards[len(shards)-1].Count; last != count {
		return refuse("%s holds shards of %d and of %d: the output of two sharded runs; remove the %s<i>-of-<N>/ folders of the run you do not keep", g.dir, count, last, shardsDir)
	}
	var missing []string
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		switch names := g.names[sh]; {
		case names == nil:
			missing = append(missing, sh.String()+" (not started)")
		case !names[exportShardDone] || !names[exportShardManifest]:
			missing = append(missing, sh.String()+" (not finished)")
		}
	}
	if len(missing) > 0 {
		return refuse("shard %s: run them, then finalize again", strings.Join(missing, ", "))
	}

	var (
		first   *exportShardRecord
		files   []exportShardFile
		inputs  = map[string]verify.Shard{} // source data file → its shard
		dataDir = map[string]bool{}         // the folders of the data files
		items   int64
	)
	for i := range count {
		sh := verify.Shard{Index: i, Count: count}
		rec, err := readExportShardRecord(ctx, st, g, sh, exportShardManifest)
		if err != nil {
			return err
		}
		if first == nil {
			first = rec
		} else if rec.Source.ExportArn != first.Source.ExportArn || !bytes.Equal(rec.Source.Summary, first.Source.Summary) ||
			rec.Source.DataFiles != first.Source.DataFiles || rec.Source.ItemCount != first.Source.ItemCount {
			return refuse("shard %s converted export %s, shard 0/%d export %s: not one export", sh, rec.Source.ExportArn, count, first.Source.ExportArn)
		} else if rec.Format != first.Format || rec.ExportArn != first.ExportArn {
			return refuse("shard %s wrote %s export %s, shard 0/%d %s export %s: not one export", sh, rec.Format, rec.ExportArn, count, first.Format, first.ExportArn)
		}
		for _, f := range rec.Files {
			if j := verify.ShardOf(f.Source, count); j != i {
				return refuse("shard %s converted data file %s, which is shard %d/%d's", sh, f.Source, j, count)
			}
			if other, ok := inputs[f.Source]; ok {
				return refuse("data file %s was converted by shards %s and %s", f.Source, other, sh)
			}
			inputs[f.Source] = sh
			dataDir[f.DataFileS3Key[:strings.LastIndexByte(f.DataFileS3Key, '/')+1]] = true
			items += f.ItemCount
			files = append(files, f)
		}
	}
	target, err := codec.ParseFormat(first.Format)
	if err != nil {
		return refuse("%s%s: %v", g.dir+shardDir(shards[0]), exportShardManifest, err)
	}
	src, err := manifest.ParseSummary("the source's summary in "+g.dir+shardDir(shards[0])+exportShardManifest, first.Source.Summary)
	if err != nil {
		return refuse("%v", err)
	}
	tmpl, err := shardedExportSummary(src, target)
	if err != nil {
		return refuse("%v", err)
	}
	if tmpl.ExportArn != first.ExportArn || exportDirOf(&tmpl) != g.dir {
		return refuse("the shards in %s are of export %s, which belongs in %s", g.dir, first.ExportArn, exportDirOf(&tmpl))
	}
	if len(files) != first.Source.DataFiles {
		return refuse("the shards converted %d data files; export %s has %d", len(files), first.Source.ExportArn, first.Source.DataFiles)
	}
	if items != first.Source.ItemCount {
		return refuse("the shards' items add up to %d; export %s has %d", items, first.Source.ExportArn, first.Source.ItemCount)
	}
	// Every data file there, at its size: one listing of their folders.
	sizes := map[string]int64{}
	for _, dir := range slices.Sorted(maps.Keys(dataDir)) {
		for o, err := range st.List(ctx, dir) {
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			sizes[o.Key] = o.Size
		}
	}
	dfs := make([]sinkexport.DataFile, 0, len(files))
	slices.SortStableFunc(files, func(a, b exportShardFile) int { return a.SourceLine - b.SourceLine })
	for _, f := range files {
		sh := inputs[f.Source]
		size, ok := sizes[f.DataFileS3Key]
		switch {
		case !ok:
			return refuse("%s, of shard %s, is missing: run shard %s again", f.DataFileS3Key, sh, sh)
		case size != f.Size:
			return refuse("%s, of shard %s, has %d bytes; its shard's record says %d: run shard %s again", f.DataFileS3Key, sh, size, f.Size, sh)
		}
		dfs = append(dfs, sinkexport.DataFile{
			File:        manifest.File{ItemCount: f.ItemCount, MD5Checksum: f.MD5Checksum, ETag: f.ETag, DataFileS3Key: f.DataFileS3Key},
			StoredBytes: f.Size, Bytes: f.Bytes,
		})
	}
	sum, err := sinkexport.Finish(ctx, st, sinkexport.Options{Summary: tmpl, Format: target}, dfs)
	if err != nil {
		return &exitError{code: exitCannotCheck, err: fmt.Errorf("%s: not finalized: %w", out, err)}
	}
	_, err = fmt.Fprintf(stdout, "finalized %s export %s, of %s export %s in %d shards: %d items in %s\n  %s\n",
		sum.OutputFormat, sum.ExportID(), strings.ToLower(strings.TrimSuffix(string(src.Type()), "_EXPORT")), src.ExportID(),
		count, sum.ItemCount, dataFiles(len(dfs)), joinPath(out, g.dir+manifest.SummaryName))
	return err
}

// mendSummaryMD5 writes the manifest-summary.md5 of g's export when it is
// missing: finalize stopped between the summary, which the store writes
// whole, and its .md5, written last.
func mendSummaryMD5(cmd *cobra.Command, stdout io.Writer, st store.Store, out string, g *exportShards) error {
	ctx := cmd.Context()
	key := g.dir + manifest.SummaryMD5Name
	_, err := st.Stat(ctx, key)
	if !errors.Is(err, store.ErrNotExist) {
		if err != nil {
			return &exitError{code: exitCannotCheck, err: err}
		}
		return nil
	}
	raw, err := store.ReadAll(ctx, st, g.dir+manifest.SummaryName, manifest.MaxSummaryBytes)
	if err == nil {
		err = putObject(cmd, st, key, manifest.MD5File(raw))
	}
	if err != nil {
		return &exitError{code: exitCannotCheck, err: err}
	}
	_, err = fmt.Fprintf(stdout, "wrote the missing %s\n", joinPath(out, key))
	return err
}

// dataFiles says "1 data file" or "n data files".
func dataFiles(n int) string { return count(n, "data file") }

// count says "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
