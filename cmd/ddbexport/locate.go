package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// located is one export found from a user's PATH.
type located struct {
	st       store.Store
	ref      manifest.Ref
	location string // the export folder, as a path for people
}

// locate finds the export a user means by path: the export folder, its
// manifest-summary.json, the folder above AWSDynamoDB/ or any folder above
// that. With several exports found, exportID picks one; without it the
// error lists them.
func locate(ctx context.Context, path, exportID string) (*located, error) {
	st, refs, where, err := exportsAt(ctx, path, true)
	if err != nil {
		return nil, err
	}
	if exportID != "" {
		var match []manifest.Ref
		for _, r := range refs {
			if r.ID == exportID {
				match = append(match, r)
			}
		}
		if len(match) == 0 {
			return nil, usageErrorf("no export %s under %s; found:\n%s", exportID, path, describeRefs(ctx, st, refs))
		}
		refs = match
	}
	if len(refs) > 1 {
		return nil, usageErrorf("%d exports under %s; pick one with --export-id:\n%s", len(refs), path, describeRefs(ctx, st, refs))
	}
	ref := refs[0]
	return &located{st: st, ref: ref, location: where(ref)}, nil
}

// exportsAt returns the store that path means (a folder, an export's
// manifest-summary.json, or an s3:// URL), the exports found in it (at
// least one), and where each is, for people: with relative, a local
// export is named relative to the working directory when path is.
func exportsAt(ctx context.Context, path string, relative bool) (store.Store, []manifest.Ref, func(manifest.Ref) string, error) {
	var (
		st     store.Store
		prefix string
		where  func(manifest.Ref) string
	)
	if isS3URL(path) {
		s, p, err := openS3Export(ctx, path)
		if err != nil {
			return nil, nil, nil, err
		}
		st, prefix = s, p
		where = func(ref manifest.Ref) string { return strings.TrimSuffix(st.String(), "/") + "/" + ref.String() }
	} else {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, nil, nil, usageErrorf("cannot read %s: %v", path, errors.Unwrap(err))
		}
		dir := path
		if !fi.IsDir() {
			if filepath.Base(path) != manifest.SummaryName {
				return nil, nil, nil, usageErrorf("%s is a file: give the export folder, its %s, or a folder above it", path, manifest.SummaryName)
			}
			dir = filepath.Dir(path)
		}
		if dir, err = filepath.Abs(dir); err != nil {
			return nil, nil, nil, usageErrorf("%v", err)
		}
		root := dir
		if isExportDir(dir) {
			// Root the store above the export folder: incremental exports
			// keep their data in the sibling folder data/.
			root, prefix = filepath.Dir(dir), filepath.Base(dir)+"/"
		}
		st = localfs.New(root)
		where = func(ref manifest.Ref) string {
			location := filepath.Join(root, filepath.FromSlash(ref.String()))
			if relative && !filepath.IsAbs(path) {
				// Say where the export is the way the user said it: relative.
				if wd, err := os.Getwd(); err == nil {
					if rel, err := filepath.Rel(wd, location); err == nil {
						location = rel
					}
				}
			}
			return location
		}
	}
	refs, err := manifest.Find(ctx, st, prefix)
	if errors.Is(err, manifest.ErrNoExport) {
		return nil, nil, nil, usageErrorf("no DynamoDB export under %s: looked for AWSDynamoDB/<export-id>/ holding manifest-summary.json or _started", path)
	}
	if err != nil {
		if isS3URL(path) {
			return nil, nil, nil, s3Error(path, err)
		}
		return nil, nil, nil, usageErrorf("cannot list %s: %v", path, err)
	}
	return st, refs, where, nil
}

func isExportDir(dir string) bool {
	for _, name := range []string{manifest.SummaryName, manifest.StartedName} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// describeRefs lists exports one per line: ID, type, time, folder.
func describeRefs(ctx context.Context, st store.Store, refs []manifest.Ref) string {
	var b strings.Builder
	for _, r := range refs {
		what := "unfinished (no manifest-summary.json)"
		if r.HasSummary {
			what = "unreadable summary"
			if raw, err := store.ReadAll(ctx, st, r.Key(manifest.SummaryName), 1<<20); err == nil {
				if s, err := manifest.ParseSummary(r.Key(manifest.SummaryName), raw); s != nil && err == nil {
					t := s.ExportTime
					if s.Incremental() {
						t = s.ExportToTime
					}
					what = fmt.Sprintf("%s %s %s, table %s, %d items", strings.ToLower(strings.TrimSuffix(string(s.Type()), "_EXPORT")),
						s.OutputFormat, t.Format(manifest.TimeLayout), s.TableName(), s.ItemCount)
				}
			}
		}
		fmt.Fprintf(&b, "  %s  %s  (%s)\n", r.ID, what, r.String())
	}
	return strings.TrimSuffix(b.String(), "\n")
}
