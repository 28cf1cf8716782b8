package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/bench"
	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
)

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		generate   string
		formats    []string
		shape      string
		workers    int
		stages     []string
		runs       int
		jsonOut    bool
		cpuprofile string
		memprofile string
		dir        string
		seed       int64
		files      int
		exportID   string
		quiet      bool
	)
	cmd := &cobra.Command{
		Use:   "bench [PATH... | --generate SIZE] [flags]",
		Short: "Measure each stage of reading and converting an export, beside the machine's limits",
		Long: `bench measures, on an export of yours (PATH, as verify takes it) or on one
it generates (--generate SIZE, uncompressed), each stage of what ddbexport
does and what bounds it, through the same code as the commands:

  limits     read (stored bytes), md5, gunzip (klauspost), gunzip-std
             (compress/gzip), igzip (igzip -d, where the Debian package isal
             is installed), gunzip+md5 (klauspost gunzip with the MD5 of the
             stored bytes teed in: the limit of the stages below)
  baselines  baseline-json (bufio lines, encoding/json into map[string]any),
             baseline-ion-go (ion-go's reader walking every value)
  ddbexport  verify-quick, verify, convert (to the other export format),
             parquet (--schema FILE: one pass), parquet-infer (two passes)

For each: MB/s of stored and of uncompressed bytes, items/s, CPU seconds,
peak RSS, and its throughput as a ratio of its limit's; the median of
--runs runs, the stages interleaved. Every stage runs with --workers files
at once; for one-core figures run it as GOMAXPROCS=1 ddbexport bench
--workers 1. Peak RSS is the process's VmHWM, reset before each run.

--generate writes table-shaped items (--shape) in both formats, from the
same items, unless --format names one; with --dir the exports are kept
there and reused by the next run with the same options. The report has the
figures only: no verdict on the export (an export with findings is an
error).`,
		Example: `  ddbexport bench --generate 300MB --dir /tmp/bench300
  GOMAXPROCS=1 ddbexport bench --generate 300MB --dir /tmp/bench300 --workers 1
  ddbexport bench --stages gunzip+md5,verify --json exports/
  ddbexport bench --stages verify --runs 1 --cpuprofile cpu.out exports/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case generate == "" && len(args) == 0:
				return usageErrorf("bench needs PATH or --generate SIZE\nTry: %s --help", cmd.CommandPath())
			case generate != "" && len(args) > 0:
				return usageErrorf("bench takes PATH or --generate SIZE, not both")
			case workers < 0:
				return usageErrorf("--workers must be 0 (all cores) or more")
			case runs < 1:
				return usageErrorf("--runs must be 1 or more")
			}
			var fmts []codec.Format
			for _, s := range formats {
				f, err := codec.ParseFormat(s)
				if err != nil {
					return usageErrorf("--format: %v", err)
				}
				if !slices.Contains(fmts, f) {
					fmts = append(fmts, f)
				}
			}
			for _, s := range stages {
				if _, ok := bench.LookupStage(s); !ok {
					return usageErrorf("--stages: unknown stage %q (want %s)", s, strings.Join(bench.StageNames(), ", "))
				}
			}
			sh, err := gen.ParseShape(shape)
			if err != nil {
				return usageErrorf("--shape: %v", err)
			}
			switch {
			case files < 0:
				return usageErrorf("--files must be 0 (one per 32 MiB) or more")
			case files > 0 && generate == "":
				return usageErrorf("--files is for --generate")
			}
			tmp := dir
			if tmp == "" {
				if tmp, err = os.MkdirTemp("", "ddbexport-bench-"); err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				defer os.RemoveAll(tmp)
			}
			progress := func(format string, args ...any) {
				if !quiet {
					fmt.Fprintf(stderr, format, args...)
				}
			}

			var exports []*bench.Export
			if generate != "" {
				size, err := humanize.ParseBytes(generate)
				if err != nil || size == 0 || size > 1<<44 {
					return usageErrorf("--generate %q: want a size such as 300MB or 4GiB", generate)
				}
				if fmts == nil {
					fmts = []codec.Format{codec.FormatDynamoDBJSON, codec.FormatION}
				}
				progress("generating %s of %s items in %s …\n", humanize.Bytes(size), sh, tmp)
				gens, err := bench.Generate(ctx, tmp, bench.GenerateOptions{Size: int64(size), Shape: sh, Formats: fmts, Seed: seed, Files: files})
				if err != nil {
					return &exitError{code: exitCannotCheck, err: fmt.Errorf("generating: %w", err)}
				}
				for _, g := range gens {
					e, err := bench.Open(ctx, g.Store, g.Ref, tmp)
					if err != nil {
						return &exitError{code: exitCannotCheck, err: err}
					}
					exports = append(exports, e)
				}
			} else {
				for _, path := range args {
					loc, err := locate(ctx, path, exportID)
					if err != nil {
						return err
					}
					e, err := bench.Open(ctx, loc.st, loc.ref, tmp)
					if err != nil {
						return &exitError{code: exitCannotCheck, err: fmt.Errorf("%s: %w", loc.location, err)}
					}
					if fmts != nil && !slices.Contains(fmts, e.Format) {
						continue
					}
					for _, o := range exports {
						if o.Format == e.Format {
							return usageErrorf("two %s exports: give at most one per format", e.Format)
						}
					}
					exports = append(exports, e)
				}
				if len(exports) == 0 {
					return usageErrorf("no export of the --format asked for")
				}
			}

			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				defer pprof.StopCPUProfile()
			}
			cfg := bench.Config{Exports: exports, Workers: workers, Runs: runs,
				Progress: func(stage string, f codec.Format, run int, s bench.Sample) {
					progress("run %d/%d  %-16s %-13s %8.3f s  %8.3f CPU s  %s\n", run+1, runs, stage, f, s.Wall.Seconds(), s.CPU.Seconds(), humanize.Bytes(uint64(s.PeakRSS)))
				}}
			if len(stages) > 0 {
				cfg.Stages = stages
			}
			rep, err := bench.Run(ctx, cfg)
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			if memprofile != "" {
				f, err := os.Create(memprofile)
				if err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
				runtime.GC()
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
				if err != nil {
					return &exitError{code: exitCannotCheck, err: err}
				}
			}
			if jsonOut {
				err = rep.WriteJSON(stdout)
			} else {
				err = rep.WriteText(stdout)
			}
			if err != nil {
				return &exitError{code: exitCannotCheck, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&generate, "generate", "", "measure a generated export of this uncompressed size (such as 300MB) instead of PATH")
	f.StringSliceVar(&formats, "format", nil, "formats to measure: DYNAMODB_JSON, ION (default: --generate writes both; PATH: the export's)")
	f.StringVar(&shape, "shape", "table", "--generate's items: table (one table's stable attributes) or varied (random names and types)")
	f.IntVar(&workers, "workers", 0, "data files read at once by every stage (0: GOMAXPROCS)")
	f.StringSliceVar(&stages, "stages", nil, "stages to measure (default all): "+strings.Join(bench.StageNames(), ","))
	f.IntVar(&runs, "runs", 5, "runs of each stage; the report gives the median")
	f.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the measured runs to this file")
	f.StringVar(&memprofile, "memprofile", "", "write an allocation profile of the measured runs to this file")
	f.StringVar(&dir, "dir", "", "where --generate writes (kept, and reused by a run with the same options) and stages write their output (default: a temporary folder, removed)")
	f.Int64Var(&seed, "seed", 1, "--generate's seed")
	f.IntVar(&files, "files", 0, "--generate's data files (0: one per 32 MiB of records, at least 8); keep the files' size when comparing exports of different sizes")
	f.StringVar(&exportID, "export-id", "", "the export to measure when PATH holds several")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return cmd
}
