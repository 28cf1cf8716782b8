package parquet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ddbexport/ddbexport/store"
)

// maxRecordBytes bounds the size of the small JSON files of an output
// (schema, _parts/ records) read back on resume.
const maxRecordBytes = 64 << 20

// ErrNothingToResume is Resume's error for a folder that holds no output
// begun: start anew with New.
var ErrNothingToResume = errors.New("parquet: nothing to resume")

// Resume continues an interrupted output in opt.Prefix. It keeps each
// published file whose source data files were all written whole, removes
// the other files (a file is only kept when every data file it holds rows
// of is complete, so no row is ever written twice), and returns the
// source data files already written, which the resumed run must not
// write again.
//
// opt.Schema, if nil, is the output's own; if set, it must be the same.
// A folder with no output begun yet is ErrNothingToResume.
func Resume(ctx context.Context, st store.Store, opt Options) (*Writer, map[string]bool, error) {
	if opt.Prefix != "" && !strings.HasSuffix(opt.Prefix, "/") {
		opt.Prefix += "/"
	}
	var (
		schema    *Schema
		records   = map[string]OutputFile{} // by file name, from _parts/
		files     = map[string]int64{}      // published part-N.parquet → size
		maxNumber = int64(-1)
	)
	for o, err := range st.List(ctx, opt.Prefix) {
		if err != nil {
			return nil, nil, err
		}
		name := strings.TrimPrefix(o.Key, opt.Prefix)
		switch {
		case name == SuccessName:
			return nil, nil, fmt.Errorf("%s is complete (it has %s): nothing to resume", where(st, opt.Prefix), SuccessName)
		case name == SchemaName:
			raw, err := store.ReadAll(ctx, st, o.Key, maxRecordBytes)
			if err != nil {
				return nil, nil, err
			}
			if schema, err = ReadSchema(bytes.NewReader(raw)); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", o.Key, err)
			}
		case strings.HasPrefix(name, partsDir):
			raw, err := store.ReadAll(ctx, st, o.Key, maxRecordBytes)
			if err != nil {
				return nil, nil, err
			}
			var f OutputFile
			if err := json.Unmarshal(raw, &f); err != nil || partKey(f.Path) != name {
				// A record cut short cannot be: records are published
				// whole. Treat its file as not published.
				continue
			}
			records[f.Path] = f
		default:
			if n, ok := partNumber(name); ok && !strings.Contains(name, "/") {
				files[name] = o.Size
				maxNumber = max(maxNumber, n)
			}
		}
	}
	if schema == nil {
		if len(files) > 0 || len(records) > 0 {
			return nil, nil, fmt.Errorf("%s has Parquet files but no %s: not an output of this tool, or damaged", where(st, opt.Prefix), SchemaName)
		}
		return nil, nil, ErrNothingToResume
	}
	if opt.Schema != nil && !opt.Schema.Equal(schema) {
		return nil, nil, fmt.Errorf("the schema differs from the one of the run to resume (%s)", opt.Prefix+SchemaName)
	}
	if opt.Schema == nil {
		opt.Schema = schema
	}
	w, err := newWriter(st, opt)
	if err != nil {
		return nil, nil, err
	}
	// A file is kept if it was recorded whole and is there at its size,
	// and every data file it holds rows of is complete in kept files.
	kept := map[string]OutputFile{}
	for name, f := range records {
		if size, ok := files[name]; ok && size == f.Bytes {
			kept[name] = f
		}
	}
	var done map[string]bool
	for {
		done = completeInputs(kept)
		n := len(kept)
		for name, f := range kept {
			for _, in := range f.Inputs {
				if !done[in.File] {
					delete(kept, name)
					break
				}
			}
		}
		if len(kept) == n {
			break
		}
	}
	// Remove what is not kept: files, then their records.
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if _, ok := kept[name]; !ok {
			if err := st.Remove(ctx, opt.Prefix+name); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(records)) {
		if _, ok := kept[name]; !ok {
			if err := st.Remove(ctx, opt.Prefix+partKey(name)); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		w.published = append(w.published, kept[name])
	}
	w.next.Store(maxNumber + 1)
	return w, done, nil
}

// completeInputs returns the source data files whose parts are all in
// files: parts 0 to n, the last one marked Last.
func completeInputs(files map[string]OutputFile) map[string]bool {
	type parts struct {
		seen map[int]bool
		last int
	}
	by := map[string]*parts{}
	for _, f := range files {
		for _, in := range f.Inputs {
			p := by[in.File]
			if p == nil {
				p = &parts{seen: map[int]bool{}, last: -1}
				by[in.File] = p
			}
			p.seen[in.Part] = true
			if in.Last {
				p.last = in.Part
			}
		}
	}
	done := map[string]bool{}
	for file, p := range by {
		if p.last < 0 || len(p.seen) != p.last+1 {
			continue
		}
		ok := true
		for i := range p.last + 1 {
			ok = ok && p.seen[i]
		}
		done[file] = ok
	}
	return done
}
