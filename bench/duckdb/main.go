// Command duckdb measures DuckDB, the peer users pick instead of
// ddbexport, on the data files of a DYNAMODB_JSON export: its own count of
// the records (read_json … count(*)) and the Parquet transcode (COPY
// (SELECT * FROM read_json(…)) TO 'x.parquet'), through DuckDB's Go
// bindings, with its threads set to the worker count. It is a module of
// its own so that the main module stays pure Go and builds without cgo.
//
//	cd bench/duckdb && go run . -threads 2 -runs 5 /tmp/bench300/DYNAMODB_JSON/AWSDynamoDB/<export-id>
//
// DuckDB keeps the records' nested raw form (Item → attribute → {"S": …}
// structs, inferred from a sample of the records), where ddbexport
// writes typed columns: the figures compare work of different depth.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

type row struct {
	Stage       string    `json:"stage"`
	Threads     int       `json:"threads"`
	Items       int64     `json:"items"`
	StoredBytes int64     `json:"storedBytes"`
	Seconds     float64   `json:"seconds"` // median
	StoredMBps  float64   `json:"storedMBps"`
	ItemsPerSec float64   `json:"itemsPerSec"`
	CPUSeconds  float64   `json:"cpuSeconds"` // median
	PeakRSS     int64     `json:"peakRSS"`    // median of the runs' VmHWM, reset before each
	OutputBytes int64     `json:"outputBytes,omitempty"`
	RunSeconds  []float64 `json:"runSeconds"`
}

func main() {
	threads := flag.Int("threads", 2, "DuckDB's threads (the worker count of ddbexport bench)")
	runs := flag.Int("runs", 5, "runs of each stage, interleaved; the median is reported")
	tmp := flag.String("tmp", os.TempDir(), "where the Parquet output is written (and removed)")
	describe := flag.Bool("describe", false, "print the columns DuckDB infers (DESCRIBE) to stderr first")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: duckdb [-threads N] [-runs N] EXPORT_DIR (…/AWSDynamoDB/<export-id>, DYNAMODB_JSON)")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *threads, *runs, *tmp, *describe); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(dir string, threads, runs int, tmp string, describe bool) error {
	files, err := filepath.Glob(filepath.Join(dir, "data", "*.json.gz"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no data/*.json.gz in %s", dir)
	}
	var stored int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return err
		}
		stored += fi.Size()
	}
	glob := filepath.Join(dir, "data", "*.json.gz")
	src := fmt.Sprintf("read_json('%s', format = 'newline_delimited', compression = 'gzip')", glob)
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "SET threads = "+strconv.Itoa(threads)); err != nil {
		return err
	}
	var version string
	_ = db.QueryRowContext(ctx, "SELECT version()").Scan(&version)
	if describe {
		rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+src+")")
		if err != nil {
			return err
		}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s %s\n", name, typ)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	if runs < 1 {
		return nil
	}

	type stage struct {
		name string
		run  func() (items, out int64, err error)
	}
	stages := []stage{
		{"duckdb-count", func() (int64, int64, error) {
			var n int64
			err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+src).Scan(&n)
			return n, 0, err
		}},
		{"duckdb-parquet", func() (int64, int64, error) {
			out, err := os.MkdirTemp(tmp, "duckdb-bench-")
			if err != nil {
				return 0, 0, err
			}
			defer os.RemoveAll(out)
			p := filepath.Join(out, "x.parquet")
			res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO '%s' (FORMAT parquet, COMPRESSION zstd)", src, p))
			if err != nil {
				return 0, 0, err
			}
			n, _ := res.RowsAffected()
			fi, err := os.Stat(p)
			if err != nil {
				return n, 0, err
			}
			return n, fi.Size(), nil
		}},
	}
	type acc struct{ wall, cpu, rss []float64 }
	accs := make([]acc, len(stages))
	items := make([]int64, len(stages))
	outs := make([]int64, len(stages))
	for r := range runs {
		order := []int{0, 1}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, i := range order {
			os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
			c0 := cpuTime()
			t0 := time.Now()
			n, out, err := stages[i].run()
			wall := time.Since(t0)
			cpu := cpuTime() - c0
			if err != nil {
				return fmt.Errorf("%s: %w", stages[i].name, err)
			}
			items[i], outs[i] = n, out
			accs[i].wall = append(accs[i].wall, wall.Seconds())
			accs[i].cpu = append(accs[i].cpu, cpu.Seconds())
			accs[i].rss = append(accs[i].rss, float64(peakRSS()))
			fmt.Fprintf(os.Stderr, "run %d/%d  %-15s %8.3f s  %8.3f CPU s  %d items\n", r+1, runs, stages[i].name, wall.Seconds(), cpu.Seconds(), n)
		}
	}
	var rows []row
	for i, s := range stages {
		sec := median(accs[i].wall)
		rows = append(rows, row{Stage: s.name, Threads: threads, Items: items[i], StoredBytes: stored, Seconds: sec,
			StoredMBps: float64(stored) / 1e6 / sec, ItemsPerSec: float64(items[i]) / sec, CPUSeconds: median(accs[i].cpu),
			PeakRSS: int64(median(accs[i].rss)), OutputBytes: outs[i], RunSeconds: accs[i].wall})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"duckdb": version, "rows": rows})
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
