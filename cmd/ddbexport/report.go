package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/verify"
)

func newReportCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Work with verify's JSON reports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErrorf("report needs a subcommand: merge\nTry: ddbexport report --help")
		},
	}
	cmd.AddCommand(newReportMergeCmd(stdout))
	return cmd
}

func newReportMergeCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge [flags] REPORT...",
		Short: "Combine the --json reports of verify --shard into one",
		Long: `merge reads the --json reports of every shard of one verify run (verify
--shard i/N --json, on one machine or many) and prints the report one run
over the whole export gives: the same totals, the manifests' findings once,
the data files' findings in the same stable order, byte for byte apart from
the location (the first shard's). A REPORT may be a file, an s3:// URL, or -
for standard input.

It refuses (exit status 2) a set with a shard missing or given twice,
reports of different shard counts or options, reports of another export, or
a report that is not a shard's (such as the report of a shard that could not
locate the export). Otherwise its exit status is the merged report's, as
verify's.` + "\n" + exitStatusHelp,
		Example: `  ddbexport report merge shard-*.json -o report.json
  ddbexport report merge s3://bucket/reports/run-7/shard-0.json s3://bucket/reports/run-7/shard-1.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("%s needs the shards' reports\nTry: %s --help", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var reps []*verify.Report
			for _, p := range args {
				raw, err := readReportFile(cmd, p)
				if err != nil {
					return usageErrorf("%s: %v", p, err)
				}
				var r verify.Report
				if err := json.Unmarshal(raw, &r); err != nil || r.Schema == "" {
					return usageErrorf("%s is not a verify --json report: %v", p, err)
				}
				if r.Shard == nil {
					return usageErrorf("%s is not a shard's report (status %s): every shard must run verify --shard i/N --json", p, r.Status)
				}
				reps = append(reps, &r)
			}
			merged, err := verify.Merge(reps)
			if err != nil {
				return usageErrorf("not merged: %v", err)
			}
			var b bytes.Buffer
			if err := merged.WriteJSON(&b); err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			if out == "" || out == "-" {
				if _, err := stdout.Write(b.Bytes()); err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				return exitCode(merged.ExitCode())
			}
			if isS3URL(out) {
				dir, name := path.Split(strings.TrimRight(out, "/"))
				st, err := openStore(ctx, strings.TrimSuffix(dir, "/"))
				if err != nil {
					return err
				}
				if err := putObject(cmd, st, name, b.Bytes()); err != nil {
					return &exitError{code: exitCannotCheck, err: fmt.Errorf("%s: %w", out, err)}
				}
			} else if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			return exitCode(merged.ExitCode())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the merged report to FILE (or an s3:// URL) instead of standard output")
	return cmd
}

// readReportFile reads a report from a file, an s3:// URL or - (stdin).
func readReportFile(cmd *cobra.Command, p string) ([]byte, error) {
	const limit = 1 << 30
	switch {
	case p == "-":
		return io.ReadAll(io.LimitReader(cmd.InOrStdin(), limit))
	case isS3URL(p):
		dir, name := path.Split(p)
		st, err := openStore(cmd.Context(), strings.TrimSuffix(dir, "/"))
		if err != nil {
			return nil, err
		}
		return store.ReadAll(cmd.Context(), st, name, limit)
	}
	return os.ReadFile(p)
}

// putObject writes b at key in st, whole or not at all.
func putObject(cmd *cobra.Command, st store.Store, key string, b []byte) error {
	w, err := st.Create(cmd.Context(), key)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}
