// Package storetest is a conformance suite for store.Store
// implementations. Every Store (localfs, S3, in-memory) runs the same
// tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return localfs.New(t.TempDir()) })
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/store"
)

// Run runs the conformance suite. newStore must return a new, empty store
// for each call; each subtest calls it once.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Missing", testMissing},
		{"CreateCommit", testCreateCommit},
		{"EmptyObject", testEmptyObject},
		{"Overwrite", testOverwrite},
		{"NotVisibleBeforeCommit", testNotVisibleBeforeCommit},
		{"Abort", testAbort},
		{"Remove", testRemove},
		{"UnsafeKeys", testUnsafeKeys},
		{"FolderIsNotAnObject", testFolderIsNotAnObject},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListStop", testListStop},
		{"ListCanceled", testListCanceled},
		{"ListAgreesWithStatOpen", testListAgreesWithStatOpen},
		{"Concurrent", testConcurrent},
		{"String", testString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// Put writes data to key in s and commits it, failing t on error.
func Put(t testing.TB, s store.Store, key string, data []byte) {
	t.Helper()
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		t.Fatalf("Write(%q): %v", key, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit(%q): %v", key, err)
	}
}

// Get reads the whole object at key, failing t on error.
func Get(t testing.TB, s store.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

// Keys lists prefix in s and returns the keys, failing t on error. It
// also checks that each listed key is a valid key.
func Keys(t testing.TB, s store.Store, prefix string) []string {
	t.Helper()
	keys := []string{}
	for o, err := range s.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if err := store.CheckKey(o.Key); err != nil {
			t.Errorf("List(%q) yielded an invalid key: %v", prefix, err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// Objects lists prefix in s like Keys, and checks that List agrees with
// Stat and Open: every listed object Stats with the same key and size and
// Opens to exactly that many bytes. It returns the listed objects.
func Objects(t testing.TB, s store.Store, prefix string) []store.Object {
	t.Helper()
	ctx := context.Background()
	objs := []store.Object{}
	for o, err := range s.List(ctx, prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if err := store.CheckKey(o.Key); err != nil {
			t.Errorf("List(%q) yielded an invalid key: %v", prefix, err)
		}
		objs = append(objs, o)
	}
	for _, o := range objs {
		st, err := s.Stat(ctx, o.Key)
		if err != nil {
			t.Errorf("List(%q) yielded %q, but Stat: %v", prefix, o.Key, err)
			continue
		}
		if st.Key != o.Key || st.Size != o.Size {
			t.Errorf("List(%q) yielded %+v, but Stat = %+v", prefix, o, st)
		}
		rc, err := s.Open(ctx, o.Key)
		if err != nil {
			t.Errorf("List(%q) yielded %q, but Open: %v", prefix, o.Key, err)
			continue
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || n != o.Size {
			t.Errorf("List(%q) yielded %q of %d bytes, but Open read %d, %v", prefix, o.Key, o.Size, n, err)
		}
	}
	return objs
}

func wantNotExist(t *testing.T, s store.Store, key string) {
	t.Helper()
	ctx := context.Background()
	if o, err := s.Stat(ctx, key); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Stat(%q) = %+v, %v; want an error wrapping ErrNotExist", key, o, err)
	}
	rc, err := s.Open(ctx, key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Open(%q) error = %v; want an error wrapping ErrNotExist", key, err)
	}
}

func testMissing(t *testing.T, s store.Store) {
	wantNotExist(t, s, "missing")
	wantNotExist(t, s, "no/such/folder/key.json")
	if got := Keys(t, s, ""); len(got) != 0 {
		t.Errorf("List(\"\") of an empty store = %q", got)
	}
	if got := Keys(t, s, "no/such/"); len(got) != 0 {
		t.Errorf("List(\"no/such/\") = %q", got)
	}
}

func testCreateCommit(t *testing.T, s store.Store) {
	data := make([]byte, 1<<20+7)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	key := "AWSDynamoDB/01605130432834-8a918b87/data/vajn3deidy4svdja3fgej2ynay.json.gz"
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	// Write in uneven pieces.
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 100_003)
		if k, err := w.Write(rest[:n]); err != nil || k != n {
			t.Fatalf("Write = %d, %v; want %d, nil", k, err, n)
		}
		rest = rest[n:]
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	o, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != key || o.Size != int64(len(data)) {
		t.Errorf("Stat = %+v; want key %q size %d", o, key, len(data))
	}
	if got := Get(t, s, key); !bytes.Equal(got, data) {
		t.Errorf("Open read %d bytes that differ from the %d written", len(got), len(data))
	}
	var listed []store.Object
	for o, err := range s.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, o)
	}
	if len(listed) != 1 || listed[0].Key != key || listed[0].Size != int64(len(data)) {
		t.Errorf("List = %+v; want one object %q of %d bytes", listed, key, len(data))
	}
}

func testEmptyObject(t *testing.T, s store.Store) {
	Put(t, s, "_started", nil)
	o, err := s.Stat(context.Background(), "_started")
	if err != nil || o.Size != 0 {
		t.Errorf("Stat = %+v, %v; want size 0", o, err)
	}
	if got := Get(t, s, "_started"); len(got) != 0 {
		t.Errorf("Open read %q; want nothing", got)
	}
}

func testOverwrite(t *testing.T, s store.Store) {
	Put(t, s, "a/b", []byte("a long first version"))
	Put(t, s, "a/b", []byte("v2"))
	if got := Get(t, s, "a/b"); string(got) != "v2" {
		t.Errorf("after overwrite, content = %q; want %q", got, "v2")
	}
	if got := Keys(t, s, ""); !slices.Equal(got, []string{"a/b"}) {
		t.Errorf("List = %q; want [a/b]", got)
	}
}

func testNotVisibleBeforeCommit(t *testing.T, s store.Store) {
	Put(t, s, "dir/old", []byte("old"))
	w, err := s.Create(context.Background(), "dir/new")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	wantNotExist(t, s, "dir/new")
	if got := Keys(t, s, ""); !slices.Equal(got, []string{"dir/old"}) {
		t.Errorf("List before Commit = %q; want only [dir/old]", got)
	}
	// Overwriting: the old content stays until Commit.
	w2, err := s.Create(context.Background(), "dir/old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Write([]byte("replacement")); err != nil {
		t.Fatal(err)
	}
	if got := Get(t, s, "dir/old"); string(got) != "old" {
		t.Errorf("before Commit, dir/old = %q; want %q", got, "old")
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := Get(t, s, "dir/new"); string(got) != "partial" {
		t.Errorf("dir/new = %q", got)
	}
	if got := Get(t, s, "dir/old"); string(got) != "replacement" {
		t.Errorf("dir/old = %q", got)
	}
	if got := Keys(t, s, ""); !slices.Equal(got, []string{"dir/new", "dir/old"}) {
		t.Errorf("List after Commit = %q", got)
	}
}

func testAbort(t *testing.T, s store.Store) {
	w, err := s.Create(context.Background(), "x/y/z.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("discard me")); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort: %v", err)
	}
	wantNotExist(t, s, "x/y/z.json")
	if got := Keys(t, s, ""); len(got) != 0 {
		t.Errorf("List after Abort = %q; want nothing", got)
	}
	// Abort of an overwrite keeps the old object.
	Put(t, s, "k", []byte("keep"))
	w, err = s.Create(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("lose"))
	if err := w.Abort(); err != nil {
		t.Errorf("Abort: %v", err)
	}
	if got := Get(t, s, "k"); string(got) != "keep" {
		t.Errorf("after Abort, k = %q; want %q", got, "keep")
	}
}

// UnsafeKeys are keys every Store must refuse with store.ErrUnsafeKey.
var UnsafeKeys = []string{
	"", "/", "/etc/passwd", "..", "../x", "a/../../b", "a/..", "./a", "a/./b", ".",
	"a//b", "a/", "//a", `a\b`, `..\x`, "a\x00b",
}

func testUnsafeKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, key := range UnsafeKeys {
		if _, err := s.Stat(ctx, key); !errors.Is(err, store.ErrUnsafeKey) {
			t.Errorf("Stat(%q) error = %v; want ErrUnsafeKey", key, err)
		}
		rc, err := s.Open(ctx, key)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, store.ErrUnsafeKey) {
			t.Errorf("Open(%q) error = %v; want ErrUnsafeKey", key, err)
		}
		w, err := s.Create(ctx, key)
		if err == nil {
			w.Abort()
		}
		if !errors.Is(err, store.ErrUnsafeKey) {
			t.Errorf("Create(%q) error = %v; want ErrUnsafeKey", key, err)
		}
	}
	if got := Keys(t, s, ""); len(got) != 0 {
		t.Errorf("unsafe keys left objects: %q", got)
	}
}

func testFolderIsNotAnObject(t *testing.T, s store.Store) {
	Put(t, s, "a/b/c", []byte("c"))
	wantNotExist(t, s, "a")
	wantNotExist(t, s, "a/b")
	wantNotExist(t, s, "a/b/c/d") // below an object
}

// listKeys is a set of keys whose lexicographic order differs from the
// order of a depth-first walk with sorted folder entries.
var listKeys = []string{
	"a/b", "a.txt", "a-b", "a/b/c", "a/bc", "a/b.json", "a0", "ab", "b",
	"a/b/c.d/e", "a/b/c-d", "Z", "ü/日本.json", "with space/x y",
}

func testListOrder(t *testing.T, s store.Store) {
	// a/b is an object and a/b/ a folder only where the store allows it;
	// local directories do not, so skip "a/b" there.
	keys := slices.Clone(listKeys)
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "a/b" })
	for _, k := range keys {
		Put(t, s, k, []byte(k))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	got := Keys(t, s, "")
	if !slices.Equal(got, want) {
		t.Errorf("List(\"\") =\n%q\nwant (sorted by key)\n%q", got, want)
	}
	for o, err := range s.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		if o.Size != int64(len(o.Key)) {
			t.Errorf("List: %q has size %d; want %d", o.Key, o.Size, len(o.Key))
		}
	}
}

func testListPrefix(t *testing.T, s store.Store) {
	keys := []string{
		"a/b/c", "a/b/d/e", "a/bc", "a/bc/d", "a/x", "ab", "a.txt",
		"p/AWSDynamoDB/01/manifest-summary.json", "p/AWSDynamoDB/01/data/f.json.gz",
		"p/AWSDynamoDB/data/g.json.gz",
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "a/bc" }) // a/bc is a folder here
	for _, k := range keys {
		Put(t, s, k, []byte("x"))
	}
	sorted := func(ks ...string) []string { slices.Sort(ks); return ks }
	for _, tt := range []struct {
		prefix string
		want   []string
	}{
		{"", sorted(keys...)},
		{"a", []string{"a.txt", "a/b/c", "a/b/d/e", "a/bc/d", "a/x", "ab"}},
		{"a/", []string{"a/b/c", "a/b/d/e", "a/bc/d", "a/x"}},
		{"a/b", []string{"a/b/c", "a/b/d/e", "a/bc/d"}},
		{"a/b/", []string{"a/b/c", "a/b/d/e"}},
		{"a/b/c", []string{"a/b/c"}},
		{"a/b/c/", []string{}},
		{"a/b/d/e", []string{"a/b/d/e"}},
		{"a/x/", []string{}},
		{"a.", []string{"a.txt"}},
		{"nope", []string{}},
		{"nope/", []string{}},
		{"nope/deeper/", []string{}},
		{"p/AWSDynamoDB/", []string{"p/AWSDynamoDB/01/data/f.json.gz", "p/AWSDynamoDB/01/manifest-summary.json", "p/AWSDynamoDB/data/g.json.gz"}},
		{"p/AWSDynamoDB/01/m", []string{"p/AWSDynamoDB/01/manifest-summary.json"}},
	} {
		if got := Keys(t, s, tt.prefix); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q; want %q", tt.prefix, got, tt.want)
		}
	}
}

func testListStop(t *testing.T, s store.Store) {
	for i := range 5 {
		Put(t, s, fmt.Sprintf("k/%d", i), nil)
	}
	n := 0
	for _, err := range s.List(context.Background(), "k/") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("stopped after %d objects; want 2", n)
	}
}

func testListCanceled(t *testing.T, s store.Store) {
	for i := range 3 {
		Put(t, s, fmt.Sprintf("k/%d", i), nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var gotErr error
	for _, err := range s.List(ctx, "") {
		if err != nil {
			gotErr = err
			break
		}
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("List with a canceled context: error = %v; want one wrapping context.Canceled", gotErr)
	}
}

func testListAgreesWithStatOpen(t *testing.T, s store.Store) {
	keys := []string{"_started", "d/a", "d/e/f.json.gz", "d/e/g", "z"}
	for i, k := range keys {
		Put(t, s, k, bytes.Repeat([]byte{'x'}, i*1000))
	}
	for _, prefix := range []string{"", "d/", "d/e", "z"} {
		var got []string
		for _, o := range Objects(t, s, prefix) {
			got = append(got, o.Key)
		}
		var want []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q; want %q", prefix, got, want)
		}
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("c/%02d/obj", i)
			data := []byte(strings.Repeat(string(rune('a'+i)), 1000*(i+1)))
			w, err := s.Create(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			w.Write(data)
			if err := w.Commit(); err != nil {
				t.Error(err)
				return
			}
			rc, err := s.Open(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s: read back %d bytes, %v", key, len(got), err)
			}
			for _, err := range s.List(context.Background(), "c/") {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := Keys(t, s, "c/"); len(got) != n {
		t.Errorf("List(c/) = %q; want %d keys", got, n)
	}
}

func testString(t *testing.T, s store.Store) {
	if s.String() == "" {
		t.Error("String() is empty")
	}
}

func testRemove(t *testing.T, s store.Store) {
	ctx := context.Background()
	Put(t, s, "a/b", []byte("x"))
	Put(t, s, "a/c", []byte("y"))
	if err := s.Remove(ctx, "a/b"); err != nil {
		t.Fatalf("Remove(a/b): %v", err)
	}
	wantNotExist(t, s, "a/b")
	if got := Get(t, s, "a/c"); string(got) != "y" {
		t.Errorf("a/c = %q after removing a/b, want %q", got, "y")
	}
	if err := s.Remove(ctx, "a/b"); err != nil {
		t.Errorf("Remove of a missing key: %v, want nil", err)
	}
	if err := s.Remove(ctx, "a"); err != nil {
		t.Errorf("Remove of a folder: %v, want nil (a folder is not an object)", err)
	}
	if got := Get(t, s, "a/c"); string(got) != "y" {
		t.Errorf("a/c = %q after Remove(a), want %q", got, "y")
	}
	if err := s.Remove(ctx, "../x"); !errors.Is(err, store.ErrUnsafeKey) {
		t.Errorf("Remove(../x) = %v, want ErrUnsafeKey", err)
	}
}
