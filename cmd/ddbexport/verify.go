package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/verify"
)

func newVerifyCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		opt       verify.Options
		jsonOut   bool
		quiet     bool
		exportID  string
		tolerance time.Duration
		shard     string
	)
	cmd := &cobra.Command{
		Use:   "verify [flags] PATH",
		Short: "Prove an export whole and intact against its manifests",
		Long: `verify checks an export against its manifests, reading each data file once:
both .md5 files of the manifests; the summary's itemCount against the sum
over manifest-files.json; per data file its presence, the MD5 of its stored
bytes, its etag where it is derivable, its record count and (unless --quick)
every record's validity; files in the export's data/ folder the manifest does
not list; duplicate and unsafe entries; for incremental exports, Keys against
the images and write timestamps against the export window.

Findings are listed with their kind, file, line and byte offset; checking
goes on after each. What cannot be checked (a missing .md5 file, a multipart
or KMS etag, a missing _started) is a warning, which --strict turns into a
finding.

--listing checks without reading any data file: the manifests are read and
checked, then one listing of the folders holding the data files gives their
presence, files the manifest does not list, and each object's ETag against
the manifest's etag (or the hex of md5Checksum, for a copy made in one part);
a multipart ETag of another part count cannot be compared (a warning). The
report's mode is "listing", and its notChecked says what was not: content,
record counts, records (and, in a local folder, which has no ETags, the
etags). It takes seconds for any size of export.

--shard i/N (0 ≤ i < N, as JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX
count) checks only the data files of shard i of N: a file's shard is the
64-bit FNV-1a hash of its dataFileS3Key modulo N, the same on every machine
and in every run. The manifests are checked by every shard. "ddbexport
report merge" combines the shards' --json reports into the report of one
run over the whole export.

Memory is about workers × (max-record-bytes + 1 MiB; from S3, up to 32 MiB
more for an object over 64 MiB, read as parallel ranged GETs), whatever the export's
size.` + "\n" + exitStatusHelp,
		Args: oneArg("PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opt.Listing && opt.Quick:
				return usageErrorf("--listing reads no data file: it does not go with --quick")
			case opt.Workers < 0:
				return usageErrorf("--workers must be 0 (all cores) or more")
			case opt.MaxRecordBytes < 0:
				return usageErrorf("--max-record-bytes must be 0 (the default) or more")
			case opt.MaxProblemsPerFile < 0:
				return usageErrorf("--max-problems must be 0 (the default) or more")
			case tolerance < 0:
				return usageErrorf("--clock-tolerance cannot be negative")
			case tolerance == 0:
				opt.ClockTolerance = -1 // none
			default:
				opt.ClockTolerance = tolerance
			}
			if shard != "" {
				sh, err := verify.ParseShard(shard)
				if err != nil {
					return usageErrorf("--shard: %v", err)
				}
				opt.Shard = sh
			}
			ctx := cmd.Context()
			loc, err := locate(ctx, args[0], exportID)
			if err != nil {
				if jsonOut {
					verify.NewErrorReport(args[0], err).WriteJSON(stdout)
				}
				return err
			}
			opt.Location = loc.location
			var bar *progressBar
			if !quiet && isTerminal(stderr) {
				opt.Stats = new(pipeline.Stats)
				opt.OnManifest = func(files int, bytes int64) {
					bar = startProgress(stderr, "", opt.Stats, files, bytes)
				}
			}
			rep, err := verify.Verify(ctx, loc.st, loc.ref, opt)
			if bar != nil {
				bar.stop()
			}
			if err != nil {
				if jsonOut && ctx.Err() == nil {
					verify.NewErrorReport(loc.location, err).WriteJSON(stdout)
				}
				return err
			}
			if jsonOut {
				err = rep.WriteJSON(stdout)
			} else {
				err = rep.WriteText(stdout)
			}
			if err != nil {
				return &exitError{code: exitCannotCheck, err: fmt.Errorf("writing the report: %w", err)}
			}
			return exitCode(rep.ExitCode())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&jsonOut, "json", false, "print the report as one JSON document (schema "+verify.Schema+")")
	f.BoolVar(&opt.Quick, "quick", false, "count records without decoding them")
	f.BoolVar(&opt.Listing, "listing", false, "check presence, extra files and ETags from a listing, without reading the data files")
	f.StringVar(&shard, "shard", "", "check only shard i of N of the data files (i/N, 0 ≤ i < N); merge the --json reports with report merge")
	f.BoolVar(&opt.Strict, "strict", false, "treat warnings (what cannot be checked) as findings")
	f.IntVar(&opt.Workers, "workers", 0, "data files read at once (0: all cores)")
	f.StringVar(&exportID, "export-id", "", "the export to check when PATH holds several")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	f.IntVar(&opt.MaxRecordBytes, "max-record-bytes", 0, "longest record line accepted (0: 8 MiB)")
	f.IntVar(&opt.MaxProblemsPerFile, "max-problems", 0, "findings listed per data file; the rest are counted (0: 100)")
	f.DurationVar(&tolerance, "clock-tolerance", verify.DefaultClockTolerance, "widen an incremental export's window by this much on each side (DynamoDB documents up to about a minute of clock skew)")
	return cmd
}
