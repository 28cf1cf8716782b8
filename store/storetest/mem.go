package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/ddbexport/ddbexport/store"
)

// A Mem is an in-memory store.Store for tests. Like S3, it keeps a flat
// key space: "a/b" and "a/b/c" may both exist. It is safe for concurrent
// use.
type Mem struct {
	mu   sync.Mutex
	objs map[string][]byte
}

var _ store.Store = (*Mem)(nil)

// NewMem returns an empty in-memory store.
func NewMem() *Mem { return &Mem{objs: map[string][]byte{}} }

func (m *Mem) String() string { return "mem:" }

// Stat implements store.Store.
func (m *Mem) Stat(ctx context.Context, key string) (store.Object, error) {
	if err := store.CheckKey(key); err != nil {
		return store.Object{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return store.Object{}, &fs.PathError{Op: "stat", Path: key, Err: store.ErrNotExist}
	}
	return store.Object{Key: key, Size: int64(len(b))}, nil
}

// Open implements store.Store.
func (m *Mem) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: key, Err: store.ErrNotExist}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// List implements store.Store. It lists a snapshot taken when iteration
// starts.
func (m *Mem) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		m.mu.Lock()
		var objs []store.Object
		for k, b := range m.objs {
			if strings.HasPrefix(k, prefix) {
				objs = append(objs, store.Object{Key: k, Size: int64(len(b))})
			}
		}
		m.mu.Unlock()
		slices.SortFunc(objs, func(a, b store.Object) int { return strings.Compare(a.Key, b.Key) })
		for _, o := range objs {
			if err := ctx.Err(); err != nil {
				yield(store.Object{}, err)
				return
			}
			if !yield(o, nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(store.Object{}, err)
		}
	}
}

// Create implements store.Store.
func (m *Mem) Create(ctx context.Context, key string) (store.Writer, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &memWriter{m: m, key: key}, nil
}

// Remove implements store.Store.
func (m *Mem) Remove(ctx context.Context, key string) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objs, key)
	m.mu.Unlock()
	return nil
}

type memWriter struct {
	m    *Mem
	key  string
	buf  bytes.Buffer
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("storetest: write after Commit or Abort")
	}
	return w.buf.Write(p)
}

func (w *memWriter) Commit() error {
	if w.done {
		return errors.New("storetest: writer already finished")
	}
	w.done = true
	w.m.mu.Lock()
	w.m.objs[w.key] = bytes.Clone(w.buf.Bytes())
	w.m.mu.Unlock()
	return nil
}

func (w *memWriter) Abort() error {
	w.done = true
	return nil
}
