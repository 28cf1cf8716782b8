package verify

import (
	"cmp"
	"slices"
)

// Findings are sorted into a stable order, so that the same export gives a
// byte-identical report: export-level first, then the summary, the files
// manifest (by line), the data files in manifest order (by line within
// each), and files the manifest does not list, by key.
const (
	groupExport = iota
	groupSummary
	groupFiles
	groupData
	groupExtra
)

type sortKey struct {
	group  int
	index  int    // data file's position in the manifest
	line   int64  // line within the file
	offset int64  // byte offset
	name   string // key, for extra files
}

func compareFindings(a, b Finding) int {
	x, y := a.order, b.order
	return cmp.Or(
		cmp.Compare(x.group, y.group),
		cmp.Compare(x.index, y.index),
		cmp.Compare(x.name, y.name),
		cmp.Compare(x.line, y.line),
		cmp.Compare(x.offset, y.offset),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
	)
}

// finish sorts the lists and applies Strict.
func (c *checker) finish() {
	r := c.rep
	for _, l := range [][]Finding{r.Findings, r.Warnings, r.Errors} {
		for i := range l {
			if l[i].fileIsStoreKey {
				l[i].File = c.name(l[i].File)
				l[i].fileIsStoreKey = false
			}
		}
	}
	if c.opt.Strict {
		r.Findings = append(r.Findings, r.Warnings...)
		r.Warnings = []Finding{}
	}
	for _, l := range [][]Finding{r.Findings, r.Warnings, r.Errors} {
		slices.SortStableFunc(l, compareFindings)
		if c.opt.Shard.Count > 0 {
			for i := range l {
				o := l[i].order
				l[i].Sort = &SortKey{Group: o.group, Index: o.index, Line: o.line, Offset: o.offset, Name: o.name}
			}
		}
	}
	if c.opt.Shard.Count > 0 {
		r.Shard = &ShardInfo{Index: c.opt.Shard.Index, Count: c.opt.Shard.Count, Method: ShardMethod, Strict: c.opt.Strict}
	}
	switch r.ExitCode() {
	case ExitIntact:
		r.Status = "intact"
	case ExitFindings:
		r.Status = "findings"
	default:
		r.Status = "incomplete"
	}
}
