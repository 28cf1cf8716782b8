// Package store is the contract between ddbexport and the places exports
// live: a local directory (store/localfs) or an S3 bucket. Keys are
// slash-separated paths relative to the store's root, never starting with
// "/" and never containing "." or ".." segments (see CheckKey).
package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"math"
	"strconv"
	"strings"
)

// ErrNotExist is returned when an object does not exist. It is
// fs.ErrNotExist, so errors.Is works across stores.
var ErrNotExist = fs.ErrNotExist

// ErrChanged is wrapped by the error of a read that stopped because the
// object was replaced while it was read (store/s3 detects it by the ETag),
// rather than mix two versions of it.
var ErrChanged = errors.New("object changed while read")

// ErrUnsafeKey is returned for a key that is absolute, empty, or would
// leave the store's root.
var ErrUnsafeKey = errors.New("store: unsafe key")

// An Object describes one stored object.
type Object struct {
	Key  string
	Size int64
	ETag string // the object's ETag without quotes, where the store has one
}

// A Store reads and writes objects by key. Implementations must be safe
// for concurrent use, and must pass the conformance suite in
// store/storetest.
//
// Every method refuses a key that CheckKey rejects with an error wrapping
// ErrUnsafeKey. A folder (a key that only prefixes other keys, as in
// "a/" for "a/b") is not an object.
type Store interface {
	// Stat describes the object at key, or returns an error wrapping
	// ErrNotExist.
	Stat(ctx context.Context, key string) (Object, error)
	// Open returns the object's content, or an error wrapping
	// ErrNotExist. The caller must close it.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// List yields the objects whose keys start with prefix, in
	// lexicographic order of key; with a prefix ending in "/", that is
	// the folder's tree. Every yielded key passes CheckKey. An error
	// (a cancelled context included) is yielded last.
	List(ctx context.Context, prefix string) iter.Seq2[Object, error]
	// Create returns a writer for a new object at key. The object appears,
	// whole, only when Commit succeeds, replacing any object at key;
	// until then readers see the old object or none. Abort discards it.
	Create(ctx context.Context, key string) (Writer, error)
	// Remove deletes the object at key. Removing a key that holds no
	// object is not an error, as in S3.
	Remove(ctx context.Context, key string) error
	// String describes the store's root for messages (a path or a URL).
	String() string
}

// A Sweeper is a Store that keeps what a Writer leaves behind when its
// process dies before Commit or Abort: a local folder a hidden temporary
// file (store/localfs), S3 an incomplete multipart upload, which the
// bucket's owner pays for until it is aborted. Neither is an object: List
// does not yield it, and it is never published.
type Sweeper interface {
	Store
	// Sweep discards the unfinished writes to the keys under prefix (as
	// List takes it) that match accepts, those of other processes
	// included, and returns how many it discarded. Call it only when no
	// other writer may be writing those keys, as when resuming an output
	// whose run was interrupted.
	Sweep(ctx context.Context, prefix string, match func(key string) bool) (int, error)
}

// A Writer writes one new object. Exactly one of Commit or Abort must be
// called.
type Writer interface {
	io.Writer
	Commit() error
	Abort() error
}

// CheckKey returns ErrUnsafeKey (wrapped with the key) if key is empty,
// absolute, contains a backslash or NUL, or has an empty, "." or ".."
// segment.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return &KeyError{Key: key}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return &KeyError{Key: key}
		}
	}
	return nil
}

// A KeyError reports an unsafe key.
type KeyError struct{ Key string }

func (e *KeyError) Error() string { return "store: unsafe key " + quote(e.Key) }
func (e *KeyError) Unwrap() error { return ErrUnsafeKey }

// quote quotes s for a message, escaping quotes and control characters
// and shortening a long s.
func quote(s string) string {
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return strconv.Quote(s)
}

// ReadAll reads a whole small object, refusing one larger than limit bytes.
// It is for manifests, never for data files.
func ReadAll(ctx context.Context, s Store, key string, limit int64) ([]byte, error) {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n := limit + 1
	if limit == math.MaxInt64 {
		n = limit
	}
	b, err := io.ReadAll(io.LimitReader(rc, n))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Key: key, Limit: limit}
	}
	return b, nil
}

// A TooLargeError reports an object larger than a reader's limit.
type TooLargeError struct {
	Key   string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return "store: " + quote(e.Key) + " is larger than the limit of " + strconv.FormatInt(e.Limit, 10) + " bytes"
}
