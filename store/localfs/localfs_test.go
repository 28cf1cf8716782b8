package localfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestDir_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return localfs.New(t.TempDir()) })
}

func writeFile(t *testing.T, root, key, data string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDir_List_realExport(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "real-exports")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("real exports not available at %s: %v", root, err)
	}
	d := localfs.New(root)
	got := storetest.Keys(t, d, "pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/")
	want := []string{
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/_started",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/nb2ssxy7sy27llohdduogaviai.json.gz",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/om5xbquzn476lo3qh5l2cy6m6i.json.gz",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/pkxc7dy3dyyljh2cv4optmccw4.json.gz",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/vajn3deidy4svdja3fgej2ynay.json.gz",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-files.json",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-files.md5",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-summary.json",
		"pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-summary.md5",
	}
	if !slices.Equal(got, want) {
		t.Errorf("List =\n%q\nwant\n%q", got, want)
	}
	o, err := d.Stat(context.Background(), want[0])
	if err != nil || o.Size != 0 {
		t.Errorf("Stat(_started) = %+v, %v; want 0 bytes", o, err)
	}
}

// A store whose root is a symbolic link to a directory (as /tmp is on
// macOS) must list that directory.
func TestDir_List_symlinkedRoot(t *testing.T) {
	tmp := t.TempDir()
	real := filepath.Join(tmp, "real")
	writeFile(t, real, "a/b.json", "x")
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	if got := storetest.Keys(t, localfs.New(link), ""); !slices.Equal(got, []string{"a/b.json"}) {
		t.Errorf("List(\"\") = %q; want [a/b.json]", got)
	}
	if got := storetest.Keys(t, localfs.New(link), "a/"); !slices.Equal(got, []string{"a/b.json"}) {
		t.Errorf("List(\"a/\") = %q; want [a/b.json]", got)
	}
}

// A symbolic link to a file is an object, as Stat and Open say; a link
// to a directory is not followed (no loops).
func TestDir_List_symlinks(t *testing.T) {
	tmp := t.TempDir()
	writeFile(t, tmp, "target/f.json", "12345")
	root := filepath.Join(tmp, "root")
	writeFile(t, root, "x/plain", "1")
	if err := os.Symlink(filepath.Join(tmp, "target", "f.json"), filepath.Join(root, "x", "link.json")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := os.Symlink(root, filepath.Join(root, "x", "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(tmp, "nowhere"), filepath.Join(root, "x", "dangling")); err != nil {
		t.Fatal(err)
	}
	d := localfs.New(root)
	var got []store.Object
	for o, err := range d.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	want := []store.Object{{Key: "x/link.json", Size: 5}, {Key: "x/plain", Size: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("List = %+v; want %+v", got, want)
	}
	if o, err := d.Stat(context.Background(), "x/link.json"); err != nil || o.Size != 5 {
		t.Errorf("Stat(x/link.json) = %+v, %v", o, err)
	}
}

// Files whose names cannot be keys are not listed: every listed key must
// open.
func TestDir_List_skipsInvalidKeys(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "ok/a", "1")
	writeFile(t, root, `ok/back\slash`, "2")
	if got := storetest.Keys(t, localfs.New(root), ""); !slices.Equal(got, []string{"ok/a"}) {
		t.Errorf("List = %q; want [ok/a]", got)
	}
}

// The temporary file of an uncommitted Create is never listed, even in a
// folder listing of its own directory.
func TestDir_Create_tempHidden(t *testing.T) {
	root := t.TempDir()
	d := localfs.New(root)
	w, err := d.Create(context.Background(), "a/b.json")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("partial"))
	for _, prefix := range []string{"", "a/", "a/b", "a/."} {
		if got := storetest.Keys(t, d, prefix); len(got) != 0 {
			t.Errorf("List(%q) before Commit = %q; want nothing", prefix, got)
		}
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(root, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("after Abort the folder holds %v", ents)
	}
}

// A committed object is readable by others, like a file made by os.Create.
func TestDir_Commit_mode(t *testing.T) {
	root := t.TempDir()
	d := localfs.New(root)
	storetest.Put(t, d, "m/f", []byte("x"))
	fi, err := os.Stat(filepath.Join(root, "m", "f"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("committed file mode %v; want group and other readable (0644)", fi.Mode().Perm())
	}
}

func TestDir_Writer_twice(t *testing.T) {
	d := localfs.New(t.TempDir())
	w, err := d.Create(context.Background(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := d.Stat(context.Background(), "f"); err != nil {
		t.Errorf("Abort after Commit removed the object: %v", err)
	}
}

func TestDir_Create_canceled(t *testing.T) {
	d := localfs.New(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w, err := d.Create(ctx, "f"); !errors.Is(err, context.Canceled) {
		if err == nil {
			w.Abort()
		}
		t.Errorf("Create with a canceled context: %v; want context.Canceled", err)
	}
}

func TestDir_Root(t *testing.T) {
	d := localfs.New("/tmp/x/../y/")
	if d.Root() != "/tmp/y" || d.String() != "/tmp/y" {
		t.Errorf("Root = %q, String = %q; want /tmp/y", d.Root(), d.String())
	}
}
