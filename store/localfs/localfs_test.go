package localfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
// back to a directory above it (a loop), a link to itself and a dangling
// link are skipped without an error.
func TestDir_List_symlinks(t *testing.T) {
	tmp := t.TempDir()
	writeFile(t, tmp, "target/f.json", "12345")
	root := filepath.Join(tmp, "root")
	writeFile(t, root, "x/plain", "1")
	symlink(t, filepath.Join(tmp, "target", "f.json"), filepath.Join(root, "x", "link.json"))
	symlink(t, root, filepath.Join(root, "x", "loop"))
	symlink(t, "..", filepath.Join(root, "x", "up"))
	symlink(t, "self", filepath.Join(root, "x", "self"))
	symlink(t, filepath.Join(tmp, "nowhere"), filepath.Join(root, "x", "dangling"))
	symlink(t, filepath.Join(tmp, "target", "f.json", "below"), filepath.Join(root, "x", "belowfile"))
	d := localfs.New(root)
	got := storetest.Objects(t, d, "")
	want := []store.Object{{Key: "x/link.json", Size: 5}, {Key: "x/plain", Size: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("List = %+v; want %+v", got, want)
	}
	// A listing that starts inside a loop lists what List("") lists
	// there: nothing.
	for _, prefix := range []string{"x/loop/", "x/loop/x/", "x/up/x/", "x/self/", "x/dangling/"} {
		if got := storetest.Keys(t, d, prefix); len(got) != 0 {
			t.Errorf("List(%q) = %q; want nothing", prefix, got)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
}

// An export whose folders are symbolic links to directories (its
// AWSDynamoDB/<id> folder, a folder on the way, its data/) is listed
// under the logical keys, in key order.
func TestDir_List_symlinkedDirs(t *testing.T) {
	tmp := t.TempDir()
	writeFile(t, tmp, "elsewhere/exp/manifest-summary.json", "{}")
	writeFile(t, tmp, "elsewhere/exp/_started", "")
	writeFile(t, tmp, "datadisk/d1.json.gz", "abc")
	writeFile(t, tmp, "datadisk/sub/d2.json.gz", "de")
	writeFile(t, tmp, "prefixdir/AWSDynamoDB/02-b/manifest-files.json", "xy")
	root := filepath.Join(tmp, "bucket")
	writeFile(t, root, "p/AWSDynamoDB/00-a", "a file beside")
	symlink(t, filepath.Join(tmp, "elsewhere", "exp"), filepath.Join(root, "p", "AWSDynamoDB", "01-a"))
	symlink(t, filepath.Join(tmp, "datadisk"), filepath.Join(tmp, "elsewhere", "exp", "data"))
	symlink(t, filepath.Join(tmp, "prefixdir"), filepath.Join(root, "q"))
	// Two links to one directory that are not a loop: both are listed.
	symlink(t, filepath.Join(tmp, "datadisk"), filepath.Join(root, "p", "AWSDynamoDB", "data"))
	d := localfs.New(root)
	want := []store.Object{
		{Key: "p/AWSDynamoDB/00-a", Size: 13},
		{Key: "p/AWSDynamoDB/01-a/_started", Size: 0},
		{Key: "p/AWSDynamoDB/01-a/data/d1.json.gz", Size: 3},
		{Key: "p/AWSDynamoDB/01-a/data/sub/d2.json.gz", Size: 2},
		{Key: "p/AWSDynamoDB/01-a/manifest-summary.json", Size: 2},
		{Key: "p/AWSDynamoDB/data/d1.json.gz", Size: 3},
		{Key: "p/AWSDynamoDB/data/sub/d2.json.gz", Size: 2},
		{Key: "q/AWSDynamoDB/02-b/manifest-files.json", Size: 2},
	}
	if got := storetest.Objects(t, d, ""); !slices.Equal(got, want) {
		t.Errorf("List(\"\") =\n%+v\nwant\n%+v", got, want)
	}
	for _, tt := range []struct {
		prefix string
		want   []store.Object
	}{
		{"p/AWSDynamoDB/01-a/", want[1:5]},
		{"p/AWSDynamoDB/01-a/data/", want[2:4]},
		{"p/AWSDynamoDB/0", want[:5]},
		{"p/AWSDynamoDB/01", want[1:5]},
		{"q/", want[7:]},
		{"q", want[7:]},
	} {
		if got := storetest.Objects(t, d, tt.prefix); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) =\n%+v\nwant\n%+v", tt.prefix, got, tt.want)
		}
	}
}

// A FIFO (or a link to one) is not an object: List skips it, and Stat
// and Open refuse it at once, with an error that is not ErrNotExist.
func TestDir_nonRegular(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "data/ok.json.gz", "ok")
	fifo := filepath.Join(root, "data", "pipe.json.gz")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs:", err)
	}
	symlink(t, fifo, filepath.Join(root, "data", "pipelink.json.gz"))
	d := localfs.New(root)
	if got := storetest.Keys(t, d, ""); !slices.Equal(got, []string{"data/ok.json.gz"}) {
		t.Errorf("List = %q; want [data/ok.json.gz]", got)
	}
	for _, key := range []string{"data/pipe.json.gz", "data/pipelink.json.gz"} {
		if o, err := d.Stat(context.Background(), key); err == nil || errors.Is(err, store.ErrNotExist) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Stat(%q) = %+v, %v; want a \"not a regular file\" error", key, o, err)
		}
		done := make(chan error, 1)
		go func() {
			rc, err := d.Open(context.Background(), key)
			if err == nil {
				rc.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || errors.Is(err, store.ErrNotExist) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("Open(%q) error = %v; want a \"not a regular file\" error", key, err)
			}
		case <-time.After(5 * time.Second):
			// Release the blocked open: a reader-writer open of a FIFO
			// does not block, and lets the reader's open return.
			if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				defer f.Close()
			}
			t.Fatalf("Open(%q) of a FIFO blocked", key)
		}
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

// TestDir_Sweep: the temporary files of writers that never finished (their
// process died) are removed where the key is under the prefix and matches,
// and nothing else: not objects, not other keys' temporary files, not
// files that only look like them. Folders left empty go, as with Remove.
func TestDir_Sweep(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d := localfs.New(root)
	put := func(key string) {
		w, err := d.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(key))
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	put("out/part-00000.parquet")
	put("out/_parts/part-00000.json")
	for _, key := range []string{
		"out/part-00000.parquet", // a second write of a committed key
		"out/part-00001.parquet",
		"out/_parts/part-00001.json",
		"out/notes.txt", // not matched
		"other/part-00002.parquet",
		"outer/part-00003.parquet",
		"out/sub/deep/part-00004.parquet",
	} {
		w, err := d.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("unfinished"))
		// Never committed nor aborted: the process died.
	}
	// Names that are not a writer's temporary file.
	for _, name := range []string{".ddbexport-tmp-part-00009.parquet-x1", ".ddbexport-tmp-", ".hidden"} {
		if err := os.WriteFile(filepath.Join(root, "out", name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var asked []string
	n, err := d.Sweep(ctx, "out/", func(key string) bool {
		asked = append(asked, key)
		return strings.HasPrefix(key, "out/part-") || strings.HasPrefix(key, "out/_parts/") || strings.HasPrefix(key, "out/sub/")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("swept %d; want 4", n)
	}
	slices.Sort(asked)
	want := []string{"out/_parts/part-00001.json", "out/notes.txt", "out/part-00000.parquet", "out/part-00001.parquet", "out/sub/deep/part-00004.parquet"}
	if !slices.Equal(asked, want) {
		t.Errorf("asked about %q; want %q", asked, want)
	}
	names := func(dir string) []string {
		ents, _ := os.ReadDir(filepath.Join(root, dir))
		var l []string
		for _, e := range ents {
			name := e.Name()
			rest, ok := strings.CutPrefix(name, ".ddbexport-tmp-")
			if i := strings.LastIndexByte(rest, '-'); ok && i > 0 && strings.Trim(rest[i+1:], "0123456789") == "" {
				name = "temp:" + rest[:i]
			}
			l = append(l, name)
		}
		slices.Sort(l)
		return l
	}
	for dir, want := range map[string][]string{
		"out":        {".ddbexport-tmp-", ".ddbexport-tmp-part-00009.parquet-x1", ".hidden", "_parts", "part-00000.parquet", "temp:notes.txt"},
		"out/_parts": {"part-00000.json"},
		"out/sub":    nil, // emptied, so removed
		"other":      {"temp:part-00002.parquet"},
		"outer":      {"temp:part-00003.parquet"},
	} {
		if got := names(dir); !slices.Equal(got, want) {
			t.Errorf("%s/ holds %q; want %q", dir, got, want)
		}
	}
	if got := storetest.Keys(t, d, ""); !slices.Equal(got, []string{"out/.hidden", "out/_parts/part-00000.json", "out/part-00000.parquet"}) {
		t.Errorf("objects after Sweep: %q", got)
	}
	if n, err := d.Sweep(ctx, "out/", func(string) bool { return true }); n != 1 || err != nil {
		t.Errorf("second Sweep, all of out/: %d, %v; want 1 (notes.txt's)", n, err)
	}
}
