package main

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/bench"
	"github.com/ddbexport/ddbexport/gen"
)

// TestBench_smoke runs bench on a tiny generated export, so that the
// harness cannot rot. It checks the report's shape, never a speed.
func TestBench_smoke(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "bench", "--generate", "2MB", "--runs", "1", "--json", "-q", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if rep.Schema != bench.Schema || rep.Runs != 1 || rep.Workers < 1 || rep.Machine.CPUs < 1 || rep.Machine.GoVersion == "" {
		t.Errorf("header: %+v", rep)
	}
	if len(rep.Exports) != 2 || rep.Exports[0].Format != "DYNAMODB_JSON" || rep.Exports[1].Format != "ION" {
		t.Fatalf("exports: %+v", rep.Exports)
	}
	for _, e := range rep.Exports {
		if e.Items == 0 || e.Items != rep.Exports[0].Items || e.StoredBytes == 0 || e.UncompressedBytes < 1_000_000 {
			t.Errorf("export: %+v", e)
		}
	}
	_, igzip := exec.LookPath("igzip")
	for _, s := range bench.Stages() {
		for _, e := range rep.Exports {
			applies := s.Format.String() == e.Format || s.Name != bench.StageBaselineJSON && s.Name != bench.StageBaselineIonGo
			row := rep.Row(s.Name, e.Format)
			switch {
			case s.Name == bench.StageIgzip && igzip != nil:
				if row != nil || !slices.ContainsFunc(rep.Skipped, func(k bench.Skip) bool { return k.Stage == s.Name }) {
					t.Errorf("igzip is not installed, yet not skipped: %+v", rep.Skipped)
				}
			case !applies:
				if row != nil {
					t.Errorf("%s on %s: a row", s.Name, e.Format)
				}
			case row == nil:
				t.Errorf("%s on %s: no row", s.Name, e.Format)
			default:
				if row.Seconds <= 0 || row.StoredMBps <= 0 || row.UncompressedMBps <= 0 || row.ItemsPerSec <= 0 || row.CPUSeconds < 0 || len(row.RunSecs) != 1 {
					t.Errorf("%s on %s: %+v", s.Name, e.Format, row)
				}
				if row.Kind != s.Kind || row.Limit != s.Limit || (s.Limit != "" && row.Ratio <= 0) {
					t.Errorf("%s on %s: kind %s, limit %q, ratio %v", s.Name, e.Format, row.Kind, row.Limit, row.Ratio)
				}
				if row.PeakRSS <= 0 && s.Name != bench.StageIgzip {
					t.Errorf("%s on %s: no peak RSS", s.Name, e.Format)
				}
			}
		}
	}
	if len(rep.Targets) < 6 {
		t.Errorf("targets: %+v", rep.Targets)
	}

	// The same folder again: the exports are reused; the table for people.
	code, stdout, stderr = runCLI(t, "bench", "--generate", "2MB", "--runs", "1", "--stages", "gunzip+md5,verify", "--format", "ion", "-q", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"MB/s STORED", "MB/s UNCOMPR.", "ITEMS/s", "CPU s", "PEAK RSS", "× LIMIT", "gunzip+md5", "× gunzip+md5", "export    ION"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "DYNAMODB_JSON") || strings.Contains(stdout, "verify-quick") {
		t.Errorf("stages or formats not asked for:\n%s", stdout)
	}

	// --files sets the number of data files: the export is made anew.
	code, stdout, stderr = runCLI(t, "bench", "--generate", "2MB", "--files", "3", "--runs", "1", "--stages", "verify", "--format", "ion", "-q", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "ION: 3 files") {
		t.Errorf("--files 3: no \"ION: 3 files\" in\n%s", stdout)
	}
}

func TestBench_path(t *testing.T) {
	e := genExport(t, gen.Options{Items: 200, Files: 2, Seed: 3, Shape: gen.ShapeTable})
	code, stdout, stderr := runCLI(t, "bench", "--runs", "2", "--workers", "1", "--stages", "gunzip+md5,verify-quick,verify", "--json", "-q", e.dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Exports) != 1 || rep.Exports[0].Items != 200 || len(rep.Rows) != 3 || rep.Workers != 1 || len(rep.Rows[2].RunSecs) != 2 {
		t.Errorf("%+v", rep)
	}
	for _, args := range [][]string{
		{"bench"},
		{"bench", "--generate", "1MB", e.dir},
		{"bench", "--generate", "lots"},
		{"bench", "--stages", "nope", e.dir},
		{"bench", "--runs", "0", e.dir},
		{"bench", "--files", "2", e.dir},
		{"bench", "--generate", "1MB", "--files", "-1"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitCannotCheck {
			t.Errorf("%v: exit %d, want %d", args, code, exitCannotCheck)
		}
	}
}
