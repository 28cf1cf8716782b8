// Package localfs is a store.Store over a local directory.
package localfs

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ddbexport/ddbexport/store"
)

// A Dir is a store rooted at a local directory.
type Dir struct {
	root string
}

var _ store.Store = (*Dir)(nil)

// New returns a store rooted at the directory root.
func New(root string) *Dir { return &Dir{root: filepath.Clean(root)} }

// Root returns the directory the store is rooted at.
func (d *Dir) Root() string { return d.root }

func (d *Dir) String() string { return d.root }

func (d *Dir) path(key string) (string, error) {
	if err := store.CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Stat implements store.Store.
func (d *Dir) Stat(ctx context.Context, key string) (store.Object, error) {
	p, err := d.path(key)
	if err != nil {
		return store.Object{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return store.Object{}, err
	}
	if !fi.Mode().IsRegular() {
		return store.Object{}, &fs.PathError{Op: "stat", Path: p, Err: errors.New("not a regular file")}
	}
	return store.Object{Key: key, Size: fi.Size()}, nil
}

// Open implements store.Store.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("is a directory")}
	}
	return f, nil
}

// List implements store.Store. Directories are walked; only regular files
// are yielded.
func (d *Dir) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		// Walk the deepest directory that the prefix names whole.
		dir := ""
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dir = prefix[:i]
		}
		start := d.root
		if dir != "" {
			if err := store.CheckKey(dir); err != nil {
				yield(store.Object{}, err)
				return
			}
			start = filepath.Join(d.root, filepath.FromSlash(dir))
		}
		var objs []store.Object
		err := filepath.WalkDir(start, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if p == start && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(d.root, p)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			if de.IsDir() {
				if p != start && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
					return fs.SkipDir
				}
				return nil
			}
			if !de.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
				return nil
			}
			fi, err := de.Info()
			if err != nil {
				return err
			}
			objs = append(objs, store.Object{Key: key, Size: fi.Size()})
			return nil
		})
		slices.SortFunc(objs, func(a, b store.Object) int { return strings.Compare(a.Key, b.Key) })
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
		if err != nil {
			yield(store.Object{}, err)
		}
	}
}

// Create implements store.Store: it writes to a temporary file beside the
// target and renames it into place on Commit.
func (d *Dir) Create(ctx context.Context, key string) (store.Writer, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-*")
	if err != nil {
		return nil, err
	}
	return &writer{f: f, path: p}, nil
}

type writer struct {
	f    *os.File
	path string
	done bool
}

func (w *writer) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *writer) Commit() error {
	if w.done {
		return errors.New("localfs: writer already finished")
	}
	w.done = true
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	if err := os.Rename(w.f.Name(), w.path); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	return nil
}

func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}
