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

// Resume continues an interrupted output in opt.Prefix. It keeps every
// file that was published whole, removes the rest (temporary files of
// the interrupted run are never published), and returns, for each source
// data file, how much of it the kept files hold: the resumed run skips
// what is done (Progress.Done) and continues the others after their first
// Progress.Rows records (PartitionAt), so that no row is written twice
// and none is lost, as long as the data files are the same (which verify
// checks against the manifest).
//
// opt.Schema, if nil, is the output's own; if set, it must be the same.
// A folder with no output begun yet is ErrNothingToResume.
func Resume(ctx context.Context, st store.Store, opt Options) (*Writer, map[string]Progress, error) {
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
		sweep(ctx, st, opt.Prefix) // best effort: there is no Writer to tell
		if err := ctx.Err(); err != nil {
			return nil, nil, err
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
	// and the parts it holds continue the parts of their data files in
	// the other kept files: 0, 1, … with none missing.
	kept := map[string]OutputFile{}
	for name, f := range records {
		if size, ok := files[name]; ok && size == f.Bytes {
			kept[name] = f
		}
	}
	var progress map[string]Progress
	for {
		progress = progressOf(kept)
		n := len(kept)
		for name, f := range kept {
			for _, in := range f.Inputs {
				if in.Part >= progress[in.File].Parts {
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
	w.swept, w.sweepErr = sweep(ctx, st, opt.Prefix)
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		w.published = append(w.published, kept[name])
	}
	w.next.Store(maxNumber + 1)
	return w, progress, nil
}

// Swept returns what Resume discarded of the interrupted run's unfinished
// writes (see store.Sweeper), and the error that stopped it, if any: the
// resumed output is whole either way, but a store that keeps them (such
// as S3's incomplete multipart uploads, billed until aborted) still holds
// the rest. It is 0, nil for a Writer from New.
func (w *Writer) Swept() (int, error) { return w.swept, w.sweepErr }

// sweep discards what the interrupted run left unfinished in the output
// folder prefix, where st keeps it (a store.Sweeper): the temporary
// files, or the incomplete multipart uploads, of the files it was writing
// when it died. Only the output's own names are swept.
func sweep(ctx context.Context, st store.Store, prefix string) (int, error) {
	sw, ok := st.(store.Sweeper)
	if !ok {
		return 0, nil
	}
	return sw.Sweep(ctx, prefix, func(key string) bool {
		name := strings.TrimPrefix(key, prefix)
		if _, ok := partNumber(name); ok && !strings.Contains(name, "/") {
			return true
		}
		return strings.HasPrefix(name, partsDir) || name == SchemaName || name == ManifestName || name == SuccessName
	})
}

// Progress is how much of one source data file an interrupted output
// holds: its first Rows records, in Parts parts; Done if that is all of
// it.
type Progress struct {
	Rows  int64
	Parts int
	Done  bool
}

// progressOf returns the progress of each data file in files: the parts
// 0, 1, … present without a gap.
func progressOf(files map[string]OutputFile) map[string]Progress {
	type part struct {
		rows int64
		last bool
	}
	by := map[string]map[int]part{}
	for _, f := range files {
		for _, in := range f.Inputs {
			if by[in.File] == nil {
				by[in.File] = map[int]part{}
			}
			by[in.File][in.Part] = part{in.Rows, in.Last}
		}
	}
	progress := map[string]Progress{}
	for file, parts := range by {
		var p Progress
		for {
			pt, ok := parts[p.Parts]
			if !ok || p.Done {
				break
			}
			p.Rows += pt.rows
			p.Parts++
			p.Done = pt.last
		}
		progress[file] = p
	}
	return progress
}
