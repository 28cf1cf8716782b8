package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
)

// Schema names the JSON report's format.
const Schema = "ddbexport.bench/v1"

// Config configures Run.
type Config struct {
	// Exports to measure: at most one per format.
	Exports []*Export
	// Stages to run, by name, in any order; nil means every stage.
	Stages []string
	// Workers is every stage's worker count; 0 means GOMAXPROCS.
	Workers int
	// Runs is the number of runs of each stage; 0 means 5. The report
	// gives the median.
	Runs int
	// Progress, if set, is called after each run of a stage.
	Progress func(stage string, format codec.Format, run int, s Sample)
}

// A Report is the result of Run.
type Report struct {
	Schema    string       `json:"schema"`
	Machine   Machine      `json:"machine"`
	Workers   int          `json:"workers"`
	Runs      int          `json:"runs"`
	RSSMethod string       `json:"rssMethod"`
	Exports   []ExportInfo `json:"exports"`
	Rows      []Row        `json:"rows"`
	// Targets are the targets this run can judge (at its worker
	// count: the one-core targets mean GOMAXPROCS=1 and one worker).
	Targets []Target `json:"targets"`
	Skipped []Skip   `json:"skipped"`
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpuModel"`
	GoVersion  string `json:"goVersion"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Date       string `json:"date"`
	LoadAvg    string `json:"loadAvg,omitempty"` // /proc/loadavg when the run began
	// ZstdEncoder is the encoder of Parquet's zstd pages in this build:
	// "libzstd" (cgo) or "pure Go" (see sink/parquet.ZstdEncoder).
	ZstdEncoder string `json:"zstdEncoder"`
}

// ExportInfo describes one measured export.
type ExportInfo struct {
	Format            string `json:"format"`
	Location          string `json:"location"`
	Files             int    `json:"files"`
	Items             int64  `json:"items"`
	StoredBytes       int64  `json:"storedBytes"`
	UncompressedBytes int64  `json:"uncompressedBytes"`
}

// A Row is the median of a stage's runs on one export.
type Row struct {
	Stage  string `json:"stage"`
	Kind   Kind   `json:"kind"`
	Format string `json:"format"`
	Desc   string `json:"desc"`
	// Seconds, CPUSeconds and PeakRSS are each the median of the runs.
	Seconds          float64 `json:"seconds"`
	StoredMBps       float64 `json:"storedMBps"`       // 10^6 bytes
	UncompressedMBps float64 `json:"uncompressedMBps"` // 10^6 bytes
	ItemsPerSec      float64 `json:"itemsPerSec"`
	CPUSeconds       float64 `json:"cpuSeconds"`
	PeakRSS          int64   `json:"peakRSS"`
	// Limit is the stage that bounds this one, and Ratio this stage's
	// throughput over the limit's (its time over this one's), on the
	// same export and workers.
	Limit     string    `json:"limit,omitempty"`
	Ratio     float64   `json:"ratio,omitempty"`
	RSSMethod string    `json:"rssMethod"`
	RunSecs   []float64 `json:"runSeconds"`
}

// A Target is one of the targets, judged on this run's figures.
type Target struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio"`
	Want  float64 `json:"want"`
	Met   bool    `json:"met"`
	Note  string  `json:"note,omitempty"`
}

// A Skip is a stage that could not run on an export.
type Skip struct {
	Stage  string `json:"stage"`
	Format string `json:"format,omitempty"`
	Reason string `json:"reason"`
}

// Run measures the stages on the exports, Runs times each, interleaved:
// every run measures each stage once, in the order of Stages() on even
// runs and the reverse on odd ones, so that a change of the machine's load
// touches every stage alike.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	runs := cfg.Runs
	if runs <= 0 {
		runs = 5
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rep := &Report{Schema: Schema, Machine: machine(), Workers: workers, Runs: runs, Rows: []Row{}, Targets: []Target{}, Skipped: []Skip{}}
	for _, e := range cfg.Exports {
		rep.Exports = append(rep.Exports, ExportInfo{Format: e.Format.String(), Location: e.Store.String() + "/" + e.Ref.String(),
			Files: len(e.Keys), Items: e.Items, StoredBytes: e.StoredBytes, UncompressedBytes: e.UncompressedBytes})
	}
	for _, name := range cfg.Stages {
		if _, ok := LookupStage(name); !ok {
			return nil, fmt.Errorf("unknown stage %q (want %s)", name, strings.Join(StageNames(), ", "))
		}
	}
	type job struct {
		s       *Stage
		e       *Export
		samples []Sample
		method  string
	}
	var jobs []*job
	for _, s := range stages {
		if cfg.Stages != nil && !slices.Contains(cfg.Stages, s.Name) {
			continue
		}
		if why := s.Unavailable(); why != "" {
			rep.Skipped = append(rep.Skipped, Skip{Stage: s.Name, Reason: why})
			continue
		}
		applied := false
		for _, e := range cfg.Exports {
			if s.Applies(e.Format) {
				jobs = append(jobs, &job{s: s, e: e})
				applied = true
			}
		}
		if !applied {
			rep.Skipped = append(rep.Skipped, Skip{Stage: s.Name, Format: s.Format.String(), Reason: "no " + s.Format.String() + " export measured"})
		}
	}
	for r := range runs {
		order := slices.Clone(jobs)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, j := range order {
			sm, method, err := Measure(ctx, j.e, j.s, Options{Workers: workers})
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", j.s.Name, j.e.Format, err)
			}
			j.samples = append(j.samples, sm)
			j.method = method
			if cfg.Progress != nil {
				cfg.Progress(j.s.Name, j.e.Format, r, sm)
			}
		}
	}
	methods := map[string]bool{}
	for _, j := range jobs {
		row := Row{Stage: j.s.Name, Kind: j.s.Kind, Format: j.e.Format.String(), Desc: j.s.Desc, Limit: j.s.Limit, RSSMethod: j.method}
		if j.s.Name == StageConvert {
			row.Desc = "convert --to " + otherFormat(j.e.Format).String() + ", verifying"
		}
		var walls, cpus, rss []float64
		for _, sm := range j.samples {
			walls = append(walls, sm.Wall.Seconds())
			cpus = append(cpus, sm.CPU.Seconds())
			rss = append(rss, float64(sm.PeakRSS))
			row.RunSecs = append(row.RunSecs, round(sm.Wall.Seconds(), 4))
		}
		row.Seconds, row.CPUSeconds, row.PeakRSS = median(walls), median(cpus), int64(median(rss))
		if row.Seconds > 0 {
			row.StoredMBps = float64(j.e.StoredBytes) / 1e6 / row.Seconds
			row.UncompressedMBps = float64(j.e.UncompressedBytes) / 1e6 / row.Seconds
			row.ItemsPerSec = float64(j.e.Items) / row.Seconds
		}
		rep.Rows = append(rep.Rows, row)
		if j.method != RSSChild {
			methods[j.method] = true
		}
	}
	for i := range rep.Rows {
		row := &rep.Rows[i]
		if lim := rep.Row(row.Limit, row.Format); lim != nil && row.Seconds > 0 {
			row.Ratio = lim.Seconds / row.Seconds
		}
	}
	for m := range methods {
		rep.RSSMethod = m // one method per process
	}
	rep.Targets = targets(rep)
	return rep, nil
}

// StageNames returns the names of every stage.
func StageNames() []string {
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	return names
}

// Row returns the row of stage on format, or nil.
func (r *Report) Row(stage, format string) *Row {
	for i := range r.Rows {
		if r.Rows[i].Stage == stage && r.Rows[i].Format == format {
			return &r.Rows[i]
		}
	}
	return nil
}

func (r *Report) exportOf(format string) *ExportInfo {
	for i := range r.Exports {
		if r.Exports[i].Format == format {
			return &r.Exports[i]
		}
	}
	return nil
}

// targets judges the targets that the report's rows allow.
func targets(r *Report) []Target {
	json, ion := codec.FormatDynamoDBJSON.String(), codec.FormatION.String()
	var ts []Target
	add := func(name string, a, b *Row, want float64, note string) {
		if a == nil || b == nil || b.ItemsPerSec == 0 {
			return
		}
		ratio := a.ItemsPerSec / b.ItemsPerSec
		ts = append(ts, Target{Name: name, Ratio: round(ratio, 3), Want: want, Met: ratio >= want, Note: note})
	}
	for _, f := range []string{json, ion} {
		add("verify --quick ≥ 0.9× gunzip+MD5 ("+f+")", r.Row(StageQuick, f), r.Row(StageGunzipMD5, f), 0.9, "one-core target")
	}
	add("verify ≥ 5× encoding/json baseline items/s ("+json+")", r.Row(StageVerify, json), r.Row(StageBaselineJSON, json), 5, "one-core target")
	if je, ie := r.exportOf(json), r.exportOf(ion); je != nil && ie != nil && je.Items == ie.Items {
		add("ION verify ≥ 0.8× DYNAMODB_JSON verify items/s", r.Row(StageVerify, ion), r.Row(StageVerify, json), 0.8, "one-core target; the same items")
	}
	add("ION verify ≥ 5× ion-go baseline items/s", r.Row(StageVerify, ion), r.Row(StageBaselineIonGo, ion), 5, "one-core target")
	for _, f := range []string{json, ion} {
		add("parquet (schema file) ≥ 0.5× verify items/s ("+f+")", r.Row(StageParquet, f), r.Row(StageVerify, f), 0.5, "same cores")
		add("parquet (inferred, 2 passes) ≥ 0.5× verify items/s ("+f+")", r.Row(StageParquetInfer, f), r.Row(StageVerify, f), 0.5, "same cores")
	}
	return ts
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(), ZstdEncoder: parquet.ZstdEncoder,
		OS: runtime.GOOS, Arch: runtime.GOARCH, Date: time.Now().UTC().Format(time.RFC3339)}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return m
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as tables for people.
func (r *Report) WriteText(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "machine   %d CPUs (GOMAXPROCS %d), %s, %s %s/%s, load %s, zstd: %s\n", m.CPUs, m.GOMAXPROCS, m.CPUModel, m.GoVersion, m.OS, m.Arch, m.LoadAvg, m.ZstdEncoder)
	fmt.Fprintf(w, "date      %s\n", m.Date)
	fmt.Fprintf(w, "workers   %d; median of %d runs, stages interleaved\n", r.Workers, r.Runs)
	for _, e := range r.Exports {
		fmt.Fprintf(w, "export    %s: %d files, %d items, %s stored, %s uncompressed\n          %s\n", e.Format, e.Files, e.Items,
			humanize.Bytes(uint64(e.StoredBytes)), humanize.Bytes(uint64(e.UncompressedBytes)), e.Location)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STAGE\tFORMAT\tKIND\tMB/s STORED\tMB/s UNCOMPR.\tITEMS/s\tCPU s\tPEAK RSS\t× LIMIT\t")
	for _, row := range r.Rows {
		ratio := "limit"
		if row.Limit != "" {
			ratio = "-"
			if row.Ratio > 0 {
				ratio = fmt.Sprintf("%.2f× %s", row.Ratio, row.Limit)
			}
		}
		rss := "-"
		if row.PeakRSS > 0 {
			rss = humanize.Bytes(uint64(row.PeakRSS))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.1f\t%.0f\t%.2f\t%s\t%s\t\n", row.Stage, shortFormat(row.Format), row.Kind,
			row.StoredMBps, row.UncompressedMBps, row.ItemsPerSec, row.CPUSeconds, rss, ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.RSSMethod != "" {
		fmt.Fprintf(w, "\npeak RSS: %s\n", r.RSSMethod)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintf(w, "\ntargets at %d workers, GOMAXPROCS %d (the one-core targets need GOMAXPROCS=1 --workers 1):\n", r.Workers, m.GOMAXPROCS)
		for _, t := range r.Targets {
			met := "not met"
			if t.Met {
				met = "met"
			}
			fmt.Fprintf(w, "  %-60s %6.2f× (want ≥ %g×): %s\n", t.Name, t.Ratio, t.Want, met)
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Stage, s.Reason)
	}
	return nil
}

func shortFormat(f string) string {
	if f == codec.FormatDynamoDBJSON.String() {
		return "JSON"
	}
	return f
}
