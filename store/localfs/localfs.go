// Package localfs is a store.Store over a local directory.
//
// Keys map to paths below the root. A folder is not an object: Stat and
// Open of a directory report store.ErrNotExist, as S3 does for a key that
// only prefixes others. Symbolic links to files are followed; List does
// not descend into symbolic links to directories.
package localfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/ddbexport/ddbexport/store"
)

// A Dir is a store rooted at a local directory. It is safe for concurrent
// use.
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

// tempPrefix starts the names of the temporary files of uncommitted
// writers; List never yields them.
const tempPrefix = ".ddbexport-tmp-"

// errNotObject reports a key that names a directory; it wraps
// fs.ErrNotExist.
var errNotObject = fmt.Errorf("is a directory, not an object: %w", fs.ErrNotExist)

// notExist makes "not a directory" (a key below a file) an ErrNotExist,
// as for a key below an object in S3.
func notExist(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(pe.Err, syscall.ENOTDIR) {
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: fs.ErrNotExist}
	}
	return err
}

// Stat implements store.Store.
func (d *Dir) Stat(ctx context.Context, key string) (store.Object, error) {
	p, err := d.path(key)
	if err != nil {
		return store.Object{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return store.Object{}, notExist(err)
	}
	if fi.IsDir() {
		return store.Object{}, &fs.PathError{Op: "stat", Path: p, Err: errNotObject}
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
		return nil, notExist(err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errNotObject}
	}
	return f, nil
}

// List implements store.Store. It streams keys in lexicographic order
// without reading the whole tree first. Only regular files (and symbolic
// links to them) are yielded; names that are not valid keys (such as ones
// holding a backslash) and the temporary files of uncommitted writers are
// skipped.
func (d *Dir) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		// Start at the deepest folder the prefix names whole.
		dir := ""
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dir = prefix[:i]
			if err := store.CheckKey(dir); err != nil {
				yield(store.Object{}, err)
				return
			}
		}
		dirKey := ""
		start := d.root
		if dir != "" {
			dirKey = dir + "/"
			start = filepath.Join(d.root, filepath.FromSlash(dir))
		}
		l := lister{ctx: ctx, prefix: prefix, yield: yield}
		if err := l.walk(start, dirKey); err != nil && err != errStop {
			yield(store.Object{}, err)
		}
	}
}

var errStop = errors.New("stop")

type lister struct {
	ctx    context.Context
	prefix string
	yield  func(store.Object, error) bool
}

type entry struct {
	name string
	sort string // name, plus "/" for a directory
	dir  bool
	size int64
}

// walk yields the objects in the directory p, whose key prefix is dirKey,
// in key order: sorting entries by name, with "/" after a directory's
// name, orders their subtrees as their keys sort.
func (l *lister) walk(p, dirKey string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	des, err := os.ReadDir(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // nothing there, or a file: no keys below it
		}
		return err
	}
	ents := make([]entry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		key := dirKey + name
		if strings.HasPrefix(name, tempPrefix) || store.CheckKey(key) != nil {
			continue
		}
		if de.IsDir() {
			if strings.HasPrefix(key+"/", l.prefix) || strings.HasPrefix(l.prefix, key+"/") {
				ents = append(ents, entry{name: name, sort: name + "/", dir: true})
			}
			continue
		}
		if !strings.HasPrefix(key, l.prefix) {
			continue
		}
		var fi fs.FileInfo
		if de.Type()&fs.ModeSymlink != 0 {
			fi, err = os.Stat(filepath.Join(p, name))
		} else {
			fi, err = de.Info()
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile, or a dangling link
			}
			return err
		}
		if !fi.Mode().IsRegular() {
			continue // devices, sockets, links to directories
		}
		ents = append(ents, entry{name: name, sort: name, size: fi.Size()})
	}
	slices.SortFunc(ents, func(a, b entry) int { return strings.Compare(a.sort, b.sort) })
	for _, e := range ents {
		if e.dir {
			if err := l.walk(filepath.Join(p, e.name), dirKey+e.name+"/"); err != nil {
				return err
			}
			continue
		}
		if err := l.ctx.Err(); err != nil {
			return err
		}
		if !l.yield(store.Object{Key: dirKey + e.name, Size: e.size}, nil) {
			return errStop
		}
	}
	return nil
}

// Create implements store.Store: it writes to a temporary file beside the
// target and renames it into place on Commit, so readers see either the
// old object or the whole new one. Commit syncs the file first.
func (d *Dir) Create(ctx context.Context, key string) (store.Writer, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), tempPrefix+filepath.Base(p)+"-*")
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
	err := w.f.Chmod(0o644) // CreateTemp makes 0600 files
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
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
