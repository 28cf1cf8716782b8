package store_test

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestCheckKey(t *testing.T) {
	for _, key := range []string{
		"a", "_started", "AWSDynamoDB/01605130432834-8a918b87/manifest-summary.json",
		"demo_prefix/AWSDynamoDB/data/x.json.gz", "a..b", "...", ".a/b.", "with space", "ü/日本",
		"a:b", "a~b",
	} {
		if err := store.CheckKey(key); err != nil {
			t.Errorf("CheckKey(%q) = %v; want nil", key, err)
		}
	}
	for _, key := range storetest.UnsafeKeys {
		err := store.CheckKey(key)
		if !errors.Is(err, store.ErrUnsafeKey) {
			t.Errorf("CheckKey(%q) = %v; want ErrUnsafeKey", key, err)
		}
		var ke *store.KeyError
		if !errors.As(err, &ke) || ke.Key != key {
			t.Errorf("CheckKey(%q) = %#v; want a *KeyError with the key", key, err)
		}
	}
}

func TestKeyError_Error(t *testing.T) {
	got := (&store.KeyError{Key: "a\"\n/../b"}).Error()
	if want := `store: unsafe key "a\"\n/../b"`; got != want {
		t.Errorf("Error() = %s; want %s", got, want)
	}
	long := (&store.KeyError{Key: strings.Repeat("x", 1000)}).Error()
	if len(long) > 260 {
		t.Errorf("Error() of a long key is %d bytes; want it shortened", len(long))
	}
}

func TestErrNotExist(t *testing.T) {
	if !errors.Is(store.ErrNotExist, fs.ErrNotExist) {
		t.Error("ErrNotExist is not fs.ErrNotExist")
	}
}

func TestReadAll(t *testing.T) {
	d := localfs.New(t.TempDir())
	storetest.Put(t, d, "m.json", []byte("0123456789"))
	ctx := context.Background()
	for _, tt := range []struct {
		limit   int64
		want    string
		tooLong bool
	}{
		{10, "0123456789", false},
		{11, "0123456789", false},
		{math.MaxInt64, "0123456789", false},
		{9, "", true},
		{0, "", true},
	} {
		b, err := store.ReadAll(ctx, d, "m.json", tt.limit)
		var tl *store.TooLargeError
		if tt.tooLong {
			if !errors.As(err, &tl) || tl.Key != "m.json" || tl.Limit != tt.limit {
				t.Errorf("ReadAll(limit %d) = %q, %v; want a *TooLargeError", tt.limit, b, err)
			}
			continue
		}
		if err != nil || string(b) != tt.want {
			t.Errorf("ReadAll(limit %d) = %q, %v; want %q", tt.limit, b, err, tt.want)
		}
	}
	if _, err := store.ReadAll(ctx, d, "missing", 10); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("ReadAll(missing) error = %v; want ErrNotExist", err)
	}
	if _, err := store.ReadAll(ctx, d, "../m.json", 10); !errors.Is(err, store.ErrUnsafeKey) {
		t.Errorf("ReadAll(../m.json) error = %v; want ErrUnsafeKey", err)
	}
	msg := (&store.TooLargeError{Key: "k", Limit: 1234}).Error()
	if msg != `store: "k" is larger than the limit of 1234 bytes` {
		t.Errorf("TooLargeError = %s", msg)
	}
}
