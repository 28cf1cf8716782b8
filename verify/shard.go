package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
)

// ShardMethod names how data files are shared out among shards: the
// 64-bit FNV-1a hash of the manifest's dataFileS3Key (its bytes, as the
// manifest spells it), modulo the shard count. It depends on nothing but
// the key, so it is the same on every machine and in every run.
const ShardMethod = "fnv1a64(dataFileS3Key) mod count"

// A Shard picks a share of an export's data files: those whose ShardOf is
// Index. The zero value (Count 0) is the whole export.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ParseShard parses "i/N", 0 ≤ i < N.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	i, n, ok := strings.Cut(s, "/")
	if ok {
		_, err1 := fmt.Sscanf(i, "%d", &sh.Index)
		_, err2 := fmt.Sscanf(n, "%d", &sh.Count)
		ok = err1 == nil && err2 == nil && fmt.Sprintf("%d/%d", sh.Index, sh.Count) == s
	}
	if !ok || sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
		return Shard{}, fmt.Errorf("shard %q: want i/N with 0 ≤ i < N, such as 0/4", s)
	}
	return sh, nil
}

// ShardOf returns the shard, of count, of the data file named key in the
// manifest (see ShardMethod).
func ShardOf(key string, count int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64() % uint64(count))
}

// owns reports whether the checker's shard holds the data file key.
func (s Shard) owns(key string) bool { return s.Count == 0 || ShardOf(key, s.Count) == s.Index }

// ShardInfo is what a shard's report says of its shard, for Merge.
type ShardInfo struct {
	Index  int    `json:"index"`
	Count  int    `json:"count"`
	Method string `json:"method"`
	Strict bool   `json:"strict,omitempty"`
}

// SortKey is a finding's place in the stable order of a whole export's
// report. Only a shard's report carries it, so that Merge can interleave
// the shards' findings as one run would list them.
type SortKey struct {
	Group  int    `json:"group"`
	Index  int    `json:"index,omitempty"`
	Line   int64  `json:"line,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Name   string `json:"name,omitempty"`
}

// Merge combines the reports of every shard of one run (verify with
// Options.Shard, read back from their JSON) into the report one run over
// the whole export gives: totals summed, export-level and manifest-level
// findings once, the data files' findings in the same stable order. It
// refuses a set with a shard missing or repeated, reports of different
// shard counts, modes or options, or of another export.
func Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, errors.New("no report to merge")
	}
	first := reps[0]
	if first.Shard == nil {
		return nil, errors.New("report 1 is not a shard's report (verify --shard i/N --json)")
	}
	n := first.Shard.Count
	seen := make([]int, n) // shard index → 1-based position of its report
	for i, r := range reps {
		switch {
		case r.Shard == nil:
			return nil, fmt.Errorf("report %d is not a shard's report (verify --shard i/N --json)", i+1)
		case r.Schema != first.Schema:
			return nil, fmt.Errorf("report %d has schema %s, report 1 %s", i+1, r.Schema, first.Schema)
		case r.Shard.Count != n:
			return nil, fmt.Errorf("report %d is of shard %d/%d, report 1 of shard %d/%d: the shard counts differ", i+1, r.Shard.Index, r.Shard.Count, first.Shard.Index, n)
		case r.Shard.Index < 0 || r.Shard.Index >= n:
			return nil, fmt.Errorf("report %d: shard %d/%d is out of range", i+1, r.Shard.Index, n)
		case r.Shard.Method != first.Shard.Method:
			return nil, fmt.Errorf("report %d shares files out by %q, report 1 by %q", i+1, r.Shard.Method, first.Shard.Method)
		case !sameExport(r.Export, first.Export):
			return nil, fmt.Errorf("report %d is of export %s (%s), report 1 of export %s (%s): not one export", i+1, r.Export.ID, r.Export.ARN, first.Export.ID, first.Export.ARN)
		case r.Mode != first.Mode || r.Shard.Strict != first.Shard.Strict:
			return nil, fmt.Errorf("report %d was made with other options (mode %s, strict %v) than report 1 (mode %s, strict %v)", i+1, r.Mode, r.Shard.Strict, first.Mode, first.Shard.Strict)
		case r.Totals.ManifestItems != first.Totals.ManifestItems:
			return nil, fmt.Errorf("report %d counts %d items in the summary, report 1 %d: the export changed between the shards' runs", i+1, r.Totals.ManifestItems, first.Totals.ManifestItems)
		}
		if p := seen[r.Shard.Index]; p != 0 {
			return nil, fmt.Errorf("shard %d/%d is given twice (reports %d and %d)", r.Shard.Index, n, p, i+1)
		}
		seen[r.Shard.Index] = i + 1
	}
	var missing []string
	for i, p := range seen {
		if p == 0 {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shard %s missing: every shard's report is needed", strings.Join(missing, ", "))
	}
	// In shard order, so that the result does not depend on the order
	// the reports were given in.
	ordered := make([]*Report, n)
	for i, p := range seen {
		ordered[i] = reps[p-1]
	}
	out := &Report{
		Schema:   first.Schema,
		Export:   ordered[0].Export,
		Mode:     first.Mode,
		Findings: []Finding{},
		Warnings: []Finding{},
		Errors:   []Finding{},
	}
	t := &out.Totals
	t.ManifestItems = first.Totals.ManifestItems
	for _, r := range ordered {
		for _, nc := range r.NotChecked {
			if !slices.Contains(out.NotChecked, nc) {
				out.NotChecked = append(out.NotChecked, nc)
			}
		}
		t.Files += r.Totals.Files
		t.FilesRead += r.Totals.FilesRead
		t.Items += r.Totals.Items
		t.StoredBytes += r.Totals.StoredBytes
		t.UncompressedBytes += r.Totals.UncompressedBytes
		t.DecodeErrors += r.Totals.DecodeErrors
		t.FilesListed += r.Totals.FilesListed
	}
	slices.SortStableFunc(out.NotChecked, func(a, b string) int {
		return compareBool(a != notCheckedContent, b != notCheckedContent)
	})
	for _, l := range []struct {
		out *[]Finding
		get func(*Report) []Finding
	}{
		{&out.Findings, func(r *Report) []Finding { return r.Findings }},
		{&out.Warnings, func(r *Report) []Finding { return r.Warnings }},
		{&out.Errors, func(r *Report) []Finding { return r.Errors }},
	} {
		var shared [][]byte // findings every shard reports, once each
		for i, r := range ordered {
			for _, f := range l.get(r) {
				if f.Sort == nil {
					return nil, fmt.Errorf("shard %d/%d: a %s finding without its place in the export's order: not a report of verify --shard", i, n, f.Kind)
				}
				f.order = sortKey{group: f.Sort.Group, index: f.Sort.Index, line: f.Sort.Line, offset: f.Sort.Offset, name: f.Sort.Name}
				if f.Sort.Group != groupData {
					b, _ := json.Marshal(f)
					if slices.ContainsFunc(shared, func(s []byte) bool { return bytes.Equal(s, b) }) {
						continue
					}
					shared = append(shared, b)
				}
				f.Sort = nil
				*l.out = append(*l.out, f)
			}
		}
		slices.SortStableFunc(*l.out, compareFindings)
	}
	switch out.ExitCode() {
	case ExitIntact:
		out.Status = "intact"
	case ExitFindings:
		out.Status = "findings"
	default:
		out.Status = "incomplete"
	}
	return out, nil
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// sameExport reports whether two reports are of one export, wherever it
// was read from.
func sameExport(a, b ExportInfo) bool {
	a.Location, b.Location = "", ""
	return a == b
}
