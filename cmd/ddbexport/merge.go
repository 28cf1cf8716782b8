package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/merge"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// MergeSchema names the version of merge's JSON report.
const mergeSchema = "ddbexport.merge/v1"

func newMergeCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		to       string
		out      string
		tableArn string
		baseID   string
		memory   string
		jsonOut  bool
		quiet    bool
		opt      merge.Options
		pq       parquetFlags
	)
	cmd := &cobra.Command{
		Use:   "merge [flags] PATH… --out DIR",
		Short: "Apply incremental exports onto a full export: a new full export of the table",
		Long: `merge applies a table's incremental exports onto a full export of it and
writes the result, the table at the end of the last window, as a new full
export (as gen writes one: DIR/[prefix/]AWSDynamoDB/<new id>/ with data
files, manifests, checksums and _started), in the base's format unless --to
says otherwise; --to parquet writes the merged table as Parquet instead,
exactly as convert --to parquet would from the merged export.

Each PATH is an export or a folder holding several (as verify finds them,
or s3://BUCKET/PREFIX). They must be of one table, or --table-arn picks one.
The base is the latest full export (or --base-id); every incremental export
of the table whose window ends after the base's exportTime is applied,
whatever order they come in. The windows must cover time without a hole
from the base's exportTime to the end of the last window (overlaps are
fine): a hole is refused, naming the two windows and the missing time,
unless --allow-gaps. An incremental export that ends before the base is
skipped with a warning.

Every input is verified as it is read: a finding stops the merge (nothing
is published; exit 1) unless --ignore-findings. Per key, the record with
the highest write timestamp wins (ties: the export whose window ends
later); a NewImage puts the whole item, no NewImage deletes the key. Keys
are equal as in DynamoDB: numbers by value (10, 10.0, 1E1 are one key).

Records are partitioned by key into compressed temporary files under
--temp-dir, then each partition is merged in memory, several at once:
memory stays within --memory (default 1GiB) plus about 2 MiB per worker,
whatever the tables' size. Temporary files are removed at the end, after an
error or an interrupt too.

Exit status:
  0    merged
  1    findings in the inputs: nothing was written (see the report)
  2    could not merge: usage, a hole, several tables, I/O or permissions
  130  interrupted`,
		Example: `  ddbexport merge --out merged/ exports/
  ddbexport merge --to parquet --key pk,sk --out lake/orders/ s3://bucket/exports/orders
  ddbexport merge --memory 256MiB --temp-dir /mnt/scratch --out merged/ full/ incr1/ incr2/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("merge needs at least one PATH\nTry: ddbexport merge --help")
			}
			toParquet := strings.EqualFold(to, "parquet")
			switch {
			case out == "":
				return usageErrorf("--out is required: the folder that plays the bucket of the new export (or of the Parquet files)")
			case opt.Workers < 0:
				return usageErrorf("--workers must be 0 (all cores) or more")
			case opt.GzipLevel != 0 && (opt.GzipLevel < 2 || opt.GzipLevel > 8):
				return usageErrorf("--gzip-level %d: 2 to 8 (levels 1 and 9 change DynamoDB's gzip header)", opt.GzipLevel)
			case !toParquet && pq.changed(cmd.Flags()):
				return usageErrorf("--schema, --key, --numbers, --mixed, --target-file-size, --row-group-size, --compression and --resume are for --to parquet")
			}
			if to != "" && !toParquet {
				f, err := codec.ParseFormat(to)
				if err != nil {
					return usageErrorf("--to: %v", err)
				}
				opt.Format = f
			}
			n, err := humanize.ParseBytes(memory)
			if err != nil || n < merge.MinMemory || n > 1<<50 {
				return usageErrorf("--memory %q: want a size of at least 4MiB, such as 512MiB or 2GB", memory)
			}
			opt.Memory = int64(n)
			ctx := cmd.Context()
			var exps []merge.Export
			seen := map[string]bool{}
			for _, p := range args {
				found, err := findExports(ctx, p)
				if err != nil {
					return mergeFailed(stdout, jsonOut, err)
				}
				for _, e := range found {
					if !seen[e.Location] {
						seen[e.Location] = true
						exps = append(exps, e)
					}
				}
			}
			base, incs, err := merge.Choose(exps, baseID, tableArn)
			if err != nil {
				return mergeFailed(stdout, jsonOut, err)
			}
			var bar *progressBar
			if !quiet && isTerminal(stderr) {
				opt.Stats = new(pipeline.Stats)
				opt.OnInputs = func(files int, bytes int64) { bar = startProgress(stderr, "", opt.Stats, files, bytes) }
			}
			outDir, target := out, store.Store(nil)
			var tmpOut string
			if toParquet {
				// Refuse an output folder that is not empty now, not after
				// the merge.
				if !pq.resume {
					pst, err := openStore(ctx, out)
					if err != nil {
						return err
					}
					if err := parquet.CheckEmpty(ctx, pst, ""); err != nil {
						return &exitError{code: exitCannotCheck, err: err}
					}
				}
				// Merge into a temporary export, then convert it.
				if tmpOut, err = os.MkdirTemp(opt.TempDir, "ddbexport-merge-out-"); err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				defer os.RemoveAll(tmpOut)
				outDir, target = tmpOut, localfs.New(tmpOut)
			} else if target, err = openStore(ctx, out); err != nil {
				return err
			}
			res, err := merge.Merge(ctx, base, incs, target, opt)
			if bar != nil {
				bar.stop()
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return mergeFailedResult(stdout, stderr, jsonOut, res, err)
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(stderr, "warning: %s\n", w)
			}
			for _, rep := range res.Reports {
				if rep.ExitCode() != verify.ExitIntact {
					// --ignore-findings: merged anyway; the findings are listed.
					fmt.Fprintf(stderr, "warning: %s has %d findings, ignored (--ignore-findings)\n", rep.Export.ID, len(rep.Findings))
					if !jsonOut {
						rep.WriteText(stdout)
					}
				}
			}
			location := joinPath(outDir, res.Ref.Key(manifest.SummaryName))
			if toParquet {
				pout := stdout
				if jsonOut {
					pout = io.Discard
				}
				if err := convertParquet(cmd, pout, stderr, &pq, filepath.Join(tmpOut, filepath.FromSlash(res.Ref.Dir())), "", out, opt.Workers, quiet, verify.Shard{}); err != nil {
					return err
				}
				location = out
			}
			if jsonOut {
				return writeMergeJSON(stdout, res, nil, location)
			}
			_, err = fmt.Fprintf(stdout, "merged %d incremental exports onto %s (%d records read, %d puts, %d deletes): %d items at %s\n  %s\n",
				len(res.Applied), res.Base, res.Records, res.Puts, res.Deletes, res.Summary.ItemCount,
				res.Summary.ExportTime.Format(manifest.TimeLayout), location)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the output: an export in dynamodb-json or ion (default: the base's format), or parquet")
	f.StringVar(&out, "out", "", "the folder (or s3://BUCKET/PREFIX) that plays the bucket of the new export, or of the Parquet files")
	f.StringVar(&tableArn, "table-arn", "", "the table to merge when the PATHs hold exports of several")
	f.StringVar(&baseID, "base-id", "", "the full export to start from (default: the latest)")
	f.IntVar(&opt.Workers, "workers", 0, "data files read, and partitions merged, at once (0: all cores)")
	f.StringVar(&opt.TempDir, "temp-dir", "", "where the temporary spill files go (default: the system's)")
	f.IntVar(&opt.GzipLevel, "gzip-level", 0, "gzip level of the new export's data files, 2 (fastest) to 8 (0: 6); these keep DynamoDB's gzip header")
	f.StringVar(&memory, "memory", "1GiB", "memory bound of the merge, besides about 2 MiB per worker")
	f.BoolVar(&opt.AllowGaps, "allow-gaps", false, "merge despite holes between the windows (a warning each)")
	f.BoolVar(&opt.IgnoreFindings, "ignore-findings", false, "merge despite findings in the inputs (the records that can be read)")
	f.BoolVar(&jsonOut, "json", false, "print a JSON report (schema "+mergeSchema+") with each input's verify report")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	pq.add(f)
	return cmd
}

// findExports returns every export under path (a folder or s3:// URL) with
// its summary.
func findExports(ctx context.Context, path string) ([]merge.Export, error) {
	st, refs, where, err := exportsAt(ctx, path, false)
	if err != nil {
		return nil, err
	}
	var exps []merge.Export
	for _, ref := range refs {
		e, err := merge.Load(ctx, merge.Input{Store: st, Ref: ref, Location: where(ref)})
		if err != nil {
			return nil, usageErrorf("%v\nTry: ddbexport verify %s", err, where(ref))
		}
		exps = append(exps, e)
	}
	return exps, nil
}

// mergeReport is merge's JSON report.
type mergeReport struct {
	Schema   string           `json:"schema"`
	Status   string           `json:"status"` // merged, findings or failed
	Error    string           `json:"error,omitempty"`
	Base     string           `json:"base,omitempty"`
	Applied  []string         `json:"applied"`
	Skipped  []string         `json:"skipped"`
	Warnings []string         `json:"warnings"`
	Output   *mergeOutput     `json:"output,omitempty"`
	Totals   *mergeTotals     `json:"totals,omitempty"`
	Inputs   []*verify.Report `json:"inputs"`
}

type mergeOutput struct {
	ID         string `json:"id"`
	Location   string `json:"location"`
	Format     string `json:"format"`
	ExportTime string `json:"exportTime"`
	Items      int64  `json:"items"`
}

type mergeTotals struct {
	Records    int64 `json:"records"`
	Puts       int64 `json:"puts"`
	Deletes    int64 `json:"deletes"`
	Partitions int   `json:"partitions"`
}

func writeMergeJSON(w io.Writer, res *merge.Result, mergeErr error, location string) error {
	rep := mergeReport{Schema: mergeSchema, Status: "merged", Applied: []string{}, Skipped: []string{}, Warnings: []string{}, Inputs: []*verify.Report{}}
	if res != nil {
		rep.Base = res.Base
		rep.Applied = append(rep.Applied, res.Applied...)
		rep.Skipped = append(rep.Skipped, res.Skipped...)
		rep.Warnings = append(rep.Warnings, res.Warnings...)
		rep.Inputs = append(rep.Inputs, res.Reports...)
		if res.Summary != nil {
			rep.Output = &mergeOutput{ID: res.Summary.ExportID(), Location: location, Format: res.Summary.OutputFormat,
				ExportTime: res.Summary.ExportTime.Format(manifest.TimeLayout), Items: res.Summary.ItemCount}
			rep.Totals = &mergeTotals{Records: res.Records, Puts: res.Puts, Deletes: res.Deletes, Partitions: res.Partitions}
		}
	}
	if mergeErr != nil {
		rep.Status, rep.Error = "failed", mergeErr.Error()
		var fe *merge.FindingsError
		if errors.As(mergeErr, &fe) && len(fe.Report.Findings) > 0 {
			rep.Status = "findings"
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// mergeFailed reports an error found before merging: exit 2.
func mergeFailed(stdout io.Writer, jsonOut bool, err error) error {
	if jsonOut {
		writeMergeJSON(stdout, nil, err, "")
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitCannotCheck, err: fmt.Errorf("not merged: %w", err)}
}

// mergeFailedResult reports a merge that failed: findings in an input
// (exit 1, with its report), or anything else (exit 2).
func mergeFailedResult(stdout, stderr io.Writer, jsonOut bool, res *merge.Result, err error) error {
	var fe *merge.FindingsError
	if errors.As(err, &fe) {
		if jsonOut {
			writeMergeJSON(stdout, res, err, "")
		} else {
			fe.Report.WriteText(stdout)
		}
		code := exitFindings
		if len(fe.Report.Findings) == 0 {
			code = exitCannotCheck
		}
		return &exitError{code: code, err: fmt.Errorf("not merged: %v", err)}
	}
	if jsonOut {
		writeMergeJSON(stdout, res, err, "")
	}
	return &exitError{code: exitCannotCheck, err: fmt.Errorf("not merged: %w", err)}
}
