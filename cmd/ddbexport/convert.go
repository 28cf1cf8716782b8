package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	sinkexport "github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

func newConvertCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		to       string
		out      string
		workers  int
		exportID string
		quiet    bool
		pq       parquetFlags
		level    int
		shardArg string
	)
	cmd := &cobra.Command{
		Use:   "convert --to FORMAT --out DIR [flags] PATH",
		Short: "Write an export in another format, verifying it on the same pass",
		Long: `convert reads an export and writes it in another form, verifying it on
the same pass, as verify does: if the source has any finding, or cannot be
checked whole, nothing is kept (the partial output is removed) and the
report is printed, exit status 1 or 2.

--to parquet writes Parquet files with typed columns into DIR (see
"ddbexport schema" for the mapping): the schema is inferred by a first pass
over the export (which verifies it), or read from --schema FILE (one pass).
The second pass is held to what the first read: a data file changed in
between is a finding. Files are about --target-file-size, written under a
temporary name and published whole; _manifest.json (each file with its row
count and size, and the source export) and _SUCCESS are written last. An
interrupted run leaves only complete files; --resume continues it, keeping
the files whose source data files were written whole and never writing a
row twice, and removes what a run that was killed left unfinished (hidden
temporary files in a folder; on S3, incomplete multipart uploads, which
are billed until aborted: it needs s3:ListBucketMultipartUploads). Memory: the Go heap is held to workers × (2 × row-group-size +
48 MiB) + 32 MiB (the runtime's soft memory limit, unless GOMEMLIMIT sets
one), and the process adds some 30 MB: about 300 MB with the defaults on
two cores, whatever the export's size.

--to dynamodb-json or --to ion writes a complete export, the way gen writes
one: into DIR, which plays the bucket, at DIR/[prefix/]AWSDynamoDB/<new
export id>/, with _started, manifests, checksums and etags made anew, one
data file per source data file, the item count and the export type (full or
incremental) kept. This is how to prepare an ImportTable source in the
format you need.

--shard i/N converts the data files of shard i of N, as verify --shard picks
them, so that N machines share one conversion; "ddbexport convert finalize
DIR", once every shard is done, checks the shards and completes DIR. With
--to parquet it needs --schema FILE (from "ddbexport schema --json", run
once), so that every shard writes the same columns; each shard writes its
files into DIR as part-s<i>of<N>-<n>.parquet, and its manifest and _SUCCESS
under DIR/_shards/<i>-of-<N>/; finalize writes DIR's _manifest.json and
_SUCCESS. With --to dynamodb-json or ion, every shard writes into one new
export in DIR, whose ID each shard derives from the source export and the
format alone, the same for any N (0, the source's endTime in ms, -, 8 hex
digits of a hash): the shared _started, its own data files (named from a
hash of the new export ID and the source file's key, so a shard run again
writes the same names), and its records under
[prefix/]AWSDynamoDB/<id>/_shards/<i>-of-<N>/: _shard.json when it starts,
_manifest.json (its data files' manifest lines) and _SUCCESS when it is
done. finalize then writes the export's manifest-files.json and
manifest-summary.json (and their .md5), the summary last. A shard that
fails, or whose files have findings, removes its data files and records,
never another shard's (_started, which the shards share, stays); it, or a
shard that crashed, can be run again as it is.` + "\n" + exitStatusHelp,
		Example: `  ddbexport convert --to parquet --key pk,sk --out lake/orders/ exports/
  ddbexport convert --to parquet --schema schema.json --out lake/orders/ exports/
  ddbexport convert --to dynamodb-json --out converted/ exports/
  ddbexport convert --to parquet --schema schema.json --shard 3/8 --out s3://lake/orders/ s3://bucket/exports/
  ddbexport convert finalize s3://lake/orders/
  ddbexport convert --to ion --shard 3/8 --out s3://import-bucket/ s3://bucket/exports/
  ddbexport convert finalize s3://import-bucket/`,
		Args: oneArg("PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shard verify.Shard
			if shardArg != "" {
				sh, err := verify.ParseShard(shardArg)
				switch {
				case err != nil:
					return usageErrorf("--shard: %v", err)
				case strings.EqualFold(to, "parquet") && pq.schemaFile == "":
					return usageErrorf("--shard needs --schema FILE (from ddbexport schema --json, run once), so that every shard writes the same columns")
				}
				shard = sh
			}
			if strings.EqualFold(to, "parquet") {
				switch {
				case out == "":
					return usageErrorf("--out is required: the folder of the Parquet files")
				case workers < 0:
					return usageErrorf("--workers must be 0 (all cores) or more")
				}
				if cmd.Flags().Changed("gzip-level") {
					return usageErrorf("--gzip-level is for dynamodb-json and ion; Parquet's codec is --compression")
				}
				return convertParquet(cmd, stdout, stderr, &pq, args[0], exportID, out, workers, quiet, shard)
			}
			if level != 0 && (level < 2 || level > 8) {
				return usageErrorf("--gzip-level %d: 2 to 8 (levels 1 and 9 change DynamoDB's gzip header)", level)
			}
			if pq.changed(cmd.Flags()) {
				if shard.Count > 0 {
					return usageErrorf("--schema, --key, --numbers, --mixed, --target-file-size, --row-group-size, --compression and --resume are for --to parquet; --shard with --to %s takes none of them", to)
				}
				return usageErrorf("--schema, --key, --numbers, --mixed, --target-file-size, --row-group-size, --compression and --resume are for --to parquet")
			}
			target, err := codec.ParseFormat(to)
			switch {
			case to == "":
				return usageErrorf("--to is required: parquet, dynamodb-json or ion")
			case err != nil:
				return usageErrorf("--to: %v", err)
			case out == "":
				return usageErrorf("--out is required: the folder that plays the bucket of the new export")
			case workers < 0:
				return usageErrorf("--workers must be 0 (all cores) or more")
			}
			if _, err := codec.NewEncoder(target, io.Discard); err != nil {
				return usageErrorf("--to %s: %v", to, err)
			}
			ctx := cmd.Context()
			loc, err := locate(ctx, args[0], exportID)
			if err != nil {
				return err
			}
			src, files, err := readManifests(cmd, loc)
			if err != nil {
				return err
			}
			if shard.Count > 0 {
				outStore, err := openStore(ctx, out)
				if err != nil {
					return err
				}
				return convertExportShard(cmd, stdout, stderr, exportShardRun{
					loc: loc, src: src, files: files, target: target, shard: shard,
					out: out, outStore: outStore, level: level, workers: workers, quiet: quiet,
				})
			}
			partition := map[string]int{} // source data file → partition of the new export
			for _, f := range files {
				key, err := loc.ref.Resolve(src, f.DataFileS3Key)
				if _, seen := partition[key]; err == nil && !seen {
					partition[key] = len(partition)
				}
			}
			tmpl, err := newExportSummary(src)
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			outStore, err := openStore(ctx, out)
			if err != nil {
				return err
			}
			w, err := sinkexport.New(ctx, outStore, sinkexport.Options{
				Summary: tmpl,
				Format:  target,
				Level:   level,
				Files:   max(len(partition), 1),
				NewEncoder: func(w io.Writer) codec.Encoder {
					enc, _ := codec.NewEncoder(target, w)
					return enc
				},
			})
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			opt := verify.Options{
				Workers:  workers,
				Location: loc.location,
				Sink: func(t *pipeline.Task) (pipeline.RecordSink, error) {
					return w.Partition(ctx, partition[t.Key])
				},
			}
			var bar *progressBar
			if !quiet && isTerminal(stderr) {
				opt.Stats = new(pipeline.Stats)
				opt.OnManifest = func(files int, bytes int64) { bar = startProgress(stderr, "", opt.Stats, files, bytes) }
			}
			rep, err := verify.Verify(ctx, loc.st, loc.ref, opt)
			if bar != nil {
				bar.stop()
			}
			if err != nil || rep.ExitCode() != verify.ExitIntact {
				if aerr := w.Discard(context.WithoutCancel(ctx)); aerr != nil {
					fmt.Fprintf(stderr, "warning: removing the partial output: %v\n", aerr)
				}
				if err != nil {
					return &exitError{code: exitCannotCheck, err: fmt.Errorf("not converted: %w", err)}
				}
				rep.WriteText(stdout)
				fmt.Fprintf(stderr, "Error: not converted: the source export does not verify (see the report)\n")
				return exitCode(rep.ExitCode())
			}
			sum, _, err := w.Close(ctx)
			if err != nil {
				return &exitError{code: exitCannotCheck, err: fmt.Errorf("writing the new export: %w", err)}
			}
			if sum.ItemCount != rep.Totals.Items {
				return &exitError{code: exitCannotCheck, err: fmt.Errorf("wrote %d items of %d: the new export is incomplete", sum.ItemCount, rep.Totals.Items)}
			}
			_, err = fmt.Fprintf(stdout, "converted %s export %s (%d items, %s) to %s export %s\n  %s\n",
				strings.ToLower(strings.TrimSuffix(string(src.Type()), "_EXPORT")), src.ExportID(), sum.ItemCount, src.OutputFormat,
				sum.OutputFormat, sum.ExportID(), joinPath(out, w.Ref().Key(manifest.SummaryName)))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the output: parquet, or an export in dynamodb-json or ion")
	f.StringVar(&out, "out", "", "the folder (or s3://BUCKET/PREFIX) of the Parquet files, or the one that plays the bucket of the new export")
	f.IntVar(&workers, "workers", 0, "data files converted at once (0: all cores)")
	f.StringVar(&exportID, "export-id", "", "the export to convert when PATH holds several")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	f.StringVar(&shardArg, "shard", "", "convert only shard i of N of the data files (i/N, 0 ≤ i < N; Parquet needs --schema), then run convert finalize")
	f.IntVar(&level, "gzip-level", 0, "dynamodb-json and ion: gzip level of the new data files, 2 (fastest) to 8 (0: 6); these keep DynamoDB's gzip header")
	pq.add(f)
	cmd.AddCommand(newConvertFinalizeCmd(stdout))
	return cmd
}

// readManifests reads the source's summary and files manifest, which a
// conversion needs before it starts.
func readManifests(cmd *cobra.Command, loc *located) (*manifest.Summary, []manifest.File, error) {
	ctx := cmd.Context()
	if !loc.ref.HasSummary {
		return nil, nil, &exitError{code: exitFindings, err: fmt.Errorf("%s: no %s: the export did not finish, or failed", loc.location, manifest.SummaryName)}
	}
	raw, err := store.ReadAll(ctx, loc.st, loc.ref.Key(manifest.SummaryName), manifest.MaxSummaryBytes)
	if err != nil {
		return nil, nil, &exitError{code: exitCannotCheck, err: err}
	}
	s, err := manifest.ParseSummary(loc.ref.Key(manifest.SummaryName), raw)
	if err != nil {
		return nil, nil, &exitError{code: exitFindings, err: fmt.Errorf("%v\nTry: ddbexport verify %s", err, loc.location)}
	}
	filesKey := loc.ref.Key(manifest.FilesName)
	if k, err := loc.ref.Resolve(s, s.ManifestFilesS3Key); err == nil && s.ManifestFilesS3Key != "" {
		filesKey = k
	}
	files, _, _, err := manifest.ReadFiles(ctx, loc.st, filesKey)
	if err != nil {
		return nil, nil, &exitError{code: exitCannotCheck, err: err}
	}
	return s, files, nil
}

// newExportSummary returns the summary of a new export of the same table,
// point in time or window, type, view, bucket and prefix as src, with a
// new export ID (0 + start time in ms + - + 8 hex digits, as DynamoDB's).
func newExportSummary(src *manifest.Summary) (manifest.Summary, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return manifest.Summary{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return exportSummary(src, now, hex.EncodeToString(b[:])), nil
}

// exportSummary returns the summary of a new export of the same table,
// point in time or window, type, view, bucket and prefix as src, started
// at start, whose ID is 0 + start in ms + - + suffix (8 hex digits).
func exportSummary(src *manifest.Summary, start time.Time, suffix string) manifest.Summary {
	id := fmt.Sprintf("0%013d-%s", start.UnixMilli(), suffix)
	arn := src.TableArn + "/export/" + id
	if src.TableArn == "" {
		arn = "arn:aws:dynamodb:us-east-1:000000000000:table/unknown/export/" + id
	}
	return manifest.Summary{
		ExportArn:      arn,
		StartTime:      start,
		TableArn:       src.TableArn,
		TableID:        src.TableID,
		ExportTime:     src.ExportTime,
		ExportFromTime: src.ExportFromTime,
		ExportToTime:   src.ExportToTime,
		S3Bucket:       cmp(src.S3Bucket, "ddbexport-convert"),
		S3Prefix:       src.S3Prefix,
		S3SseAlgorithm: src.S3SseAlgorithm,
		S3SseKmsKeyID:  src.S3SseKmsKeyID,
		OutputView:     src.OutputView,
		ExportType:     src.Type(),
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
