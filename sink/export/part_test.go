package export_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// partNames are the names of n data files derived from the export's ID.
func partNames(opt export.Options, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = export.DataFileName(opt.Format, opt.Summary.ExportID(), fmt.Sprint("source-", i))
	}
	return names
}

// partOf is the options of the part of opt's export that writes the
// data file names[i].
func partOf(opt export.Options, names []string, i int) export.Options {
	opt.Part, opt.Names = true, names[i:i+1]
	return opt
}

// partRecords are the records of partition i of an export of type opt's
// (partition 2 is left empty).
func partRecords(opt export.Options, i int) []*codec.Record {
	if i == 2 {
		return nil
	}
	var recs []*codec.Record
	for j := range i + 2 {
		it := item(fmt.Sprintf("p%d-%d", i, j), codec.N(fmt.Sprint(j)).Named("n"))
		if opt.Summary.Incremental() {
			recs = append(recs, &codec.Record{Keys: it[:1], NewImage: it, WriteTimestampMicros: start.UnixMicro() - 600e6})
		} else {
			recs = append(recs, full(it))
		}
	}
	return recs
}

func writeParts(t *testing.T, w *export.Writer, opt export.Options, partitions []int) {
	t.Helper()
	ctx := context.Background()
	for i, src := range partitions {
		p, err := w.Partition(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range partRecords(opt, src) {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFinish_partsEqualOneWriter: an export written by three parts, each
// its own data files (named by DataFileName), then Finish, is byte for
// byte the export one Writer writes with the same names; Finish lists the
// files in the order it is given them.
func TestFinish_partsEqualOneWriter(t *testing.T) {
	for _, opt := range []export.Options{
		fullOptions("pre", 0),
		incrOptions("", manifest.ViewNewAndOldImages, 0),
	} {
		t.Run(string(opt.Summary.Type()), func(t *testing.T) {
			ctx := context.Background()
			const n = 5
			names := partNames(opt, n)

			one := storetest.NewMem()
			o := opt
			o.Names = names
			w, err := export.New(ctx, one, o)
			if err != nil {
				t.Fatal(err)
			}
			writeParts(t, w, opt, []int{0, 1, 2, 3, 4})
			sum, files, err := w.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int][]string{}
			for i := range n {
				want[i] = encodeLines(partRecords(opt, i)...)
			}
			checkExport(t, one, w, sum, files, want)

			parts := storetest.NewMem()
			byPart := [][]int{{3, 0}, {2}, {4, 1}} // the source partitions of each part
			var all []export.DataFile
			for _, srcs := range byPart {
				o := opt
				o.Part = true
				o.Names = nil
				for _, i := range srcs {
					o.Names = append(o.Names, names[i])
				}
				pw, err := export.New(ctx, parts, o)
				if err != nil {
					t.Fatal(err)
				}
				writeParts(t, pw, opt, srcs)
				if _, _, err := pw.Close(ctx); !errors.Is(err, export.ErrPart) {
					t.Fatalf("Close of a part: %v, want ErrPart", err)
				}
				dfs, err := pw.CloseFiles(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(dfs) != len(srcs) {
					t.Fatalf("CloseFiles: %d files, want %d", len(dfs), len(srcs))
				}
				for _, df := range dfs {
					b := storetest.Get(t, parts, df.DataFileS3Key)
					if df.StoredBytes != int64(len(b)) || int64(len(strings.Join(gunzipLines(t, df.DataFileS3Key, b), ""))) != df.Bytes {
						t.Errorf("%s: StoredBytes %d, Bytes %d; the object has %d bytes", df.DataFileS3Key, df.StoredBytes, df.Bytes, len(b))
					}
				}
				all = append(all, dfs...)
			}
			slices.SortFunc(all, func(a, b export.DataFile) int {
				return slices.Index(names, a.DataFileS3Key[strings.LastIndexByte(a.DataFileS3Key, '/')+1:]) -
					slices.Index(names, b.DataFileS3Key[strings.LastIndexByte(b.DataFileS3Key, '/')+1:])
			})
			psum, err := export.Finish(ctx, parts, opt, all)
			if err != nil {
				t.Fatal(err)
			}
			if string(psum.Marshal()) != string(sum.Marshal()) {
				t.Errorf("summary of the parts:\n%s\nwant\n%s", psum.Marshal(), sum.Marshal())
			}
			got, wantObjs := readAll(t, parts), readAll(t, one)
			if !maps.EqualFunc(got, wantObjs, func(a, b []byte) bool { return string(a) == string(b) }) {
				t.Errorf("the parts' export differs from one Writer's:\n%q\nwant\n%q", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(wantObjs)))
			}
			if _, err := export.Finish(ctx, parts, opt, all); !errors.Is(err, export.ErrExists) {
				t.Errorf("Finish of a finished export: %v, want ErrExists", err)
			}
		})
	}
}

// TestPart_sharedFolder: parts share _started but not a finished export;
// Discard of a part removes its own data files only.
func TestPart_sharedFolder(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewMem()
	opt := fullOptions("", 0)
	names := partNames(opt, 2)
	part := func(i int) export.Options { return partOf(opt, names, i) }
	a, err := export.New(ctx, st, part(0))
	if err != nil {
		t.Fatal(err)
	}
	writeParts(t, a, opt, []int{0})
	dfa, err := a.CloseFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := export.New(ctx, st, part(1)) // _started is there: fine for a part
	if err != nil {
		t.Fatalf("a second part: %v", err)
	}
	if _, err := export.New(ctx, st, opt); !errors.Is(err, export.ErrExists) {
		t.Errorf("a whole export over the parts' folder: %v, want ErrExists", err)
	}
	writeParts(t, b, opt, []int{1})
	before := storetest.Keys(t, st, "")
	if err := b.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	after := storetest.Keys(t, st, "")
	if want := slices.DeleteFunc(slices.Clone(before), func(k string) bool { return k == b.DataKey(0) }); !slices.Equal(after, want) {
		t.Errorf("after a part's Discard: %q, want %q", after, want)
	}
	if !slices.Contains(after, a.DataKey(0)) || !slices.Contains(after, a.Ref().Key(manifest.StartedName)) {
		t.Errorf("a part's Discard removed another part's file or _started: %q", after)
	}
	if _, err := export.Finish(ctx, st, opt, dfa); err != nil {
		t.Fatal(err)
	}
	if _, err := export.New(ctx, st, part(1)); !errors.Is(err, export.ErrExists) {
		t.Errorf("a part of a finished export: %v, want ErrExists", err)
	}
	o := part(1)
	o.Overwrite = true
	if _, err := export.New(ctx, st, o); err != nil {
		t.Errorf("a part of a finished export with Overwrite: %v", err)
	}
}

// TestFinish_refuses: Finish writes nothing for a file outside the
// export's data folder or listed twice, or for bad options.
func TestFinish_refuses(t *testing.T) {
	ctx := context.Background()
	opt := fullOptions("pre", 0)
	dataDir := "pre/AWSDynamoDB/" + opt.Summary.ExportID() + "/data/"
	good := export.DataFile{File: manifest.File{ItemCount: 0, MD5Checksum: emptyMD5, ETag: emptyETag, DataFileS3Key: dataDir + partNames(opt, 1)[0]}, StoredBytes: 20}
	bad := func(key string) export.DataFile { f := good; f.DataFileS3Key = key; return f }
	noBucket := opt
	noBucket.Summary.S3Bucket = ""
	incr := incrOptions("pre", "", 0)
	for _, tt := range []struct {
		name  string
		opt   export.Options
		files []export.DataFile
		want  string
	}{
		{"another export's folder", opt, []export.DataFile{bad("pre/AWSDynamoDB/01768385930622-00000000/data/x.json.gz")}, "not in the export's data folder"},
		{"no prefix", opt, []export.DataFile{bad("AWSDynamoDB/" + opt.Summary.ExportID() + "/data/x.json.gz")}, "not in the export's data folder"},
		{"a sub-folder", opt, []export.DataFile{bad(dataDir + "a/x.json.gz")}, "not in the export's data folder"},
		{"the folder itself", opt, []export.DataFile{bad(dataDir)}, "not in the export's data folder"},
		{"the shared folder of a full export", opt, []export.DataFile{bad("pre/AWSDynamoDB/data/x.json.gz")}, "not in the export's data folder"},
		{"a full export's folder for an incremental one", incr, []export.DataFile{bad("pre/AWSDynamoDB/" + incr.Summary.ExportID() + "/data/x.json.gz")}, "not in the export's data folder"},
		{"listed twice", opt, []export.DataFile{good, good}, "listed twice"},
		{"no bucket", noBucket, []export.DataFile{good}, "S3Bucket is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.NewMem()
			_, err := export.Finish(ctx, st, tt.opt, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Finish: %v, want %q", err, tt.want)
			}
			if keys := storetest.Keys(t, st, ""); len(keys) != 0 {
				t.Errorf("a refused Finish wrote %q", keys)
			}
		})
	}
	// No file at all: an export of nothing, whose manifest is empty.
	st := storetest.NewMem()
	sum, err := export.Finish(ctx, st, opt, nil)
	if err != nil || sum.ItemCount != 0 {
		t.Fatalf("Finish of no file: %+v, %v", sum, err)
	}
	if b := storetest.Get(t, st, "pre/AWSDynamoDB/"+opt.Summary.ExportID()+"/"+manifest.FilesName); len(b) != 0 {
		t.Errorf("manifest-files.json of no file: %q", b)
	}
}

func TestDataFileName(t *testing.T) {
	a := export.DataFileName(codec.FormatDynamoDBJSON, "01768385930622-efd1a093", "AWSDynamoDB/x/data/a.json.gz")
	if !nameRE.MatchString(a) || !strings.ContainsAny(a[25:26], "aeimquy4") {
		t.Errorf("%q is not in DynamoDB's shape", a)
	}
	if b := export.DataFileName(codec.FormatDynamoDBJSON, "01768385930622-efd1a093", "AWSDynamoDB/x/data/a.json.gz"); b != a {
		t.Errorf("the same parts give %q and %q", a, b)
	}
	ion := export.DataFileName(codec.FormatION, "01768385930622-efd1a093", "AWSDynamoDB/x/data/a.json.gz")
	if ion != strings.TrimSuffix(a, ".json.gz")+".ion.gz" {
		t.Errorf("ION name %q, want %q's with .ion.gz", ion, a)
	}
	seen := map[string][]string{}
	for _, parts := range [][]string{{"ab", "c"}, {"a", "bc"}, {"abc"}, {"abc", ""}, {"01768385930622-efd1a093", "AWSDynamoDB/x/data/b.json.gz"}} {
		n := export.DataFileName(codec.FormatDynamoDBJSON, parts...)
		if other, ok := seen[n]; ok {
			t.Errorf("%q and %q give the same name %s", parts, other, n)
		}
		seen[n] = parts
	}
}

func TestOptions_names(t *testing.T) {
	ctx := context.Background()
	opt := fullOptions("", 0)
	name := partNames(opt, 1)[0]
	for _, tt := range []struct {
		names []string
		files int
		want  string
	}{
		{[]string{name}, 2, "Options.Names has 1 names"},
		{[]string{"a/" + name}, 0, "not a single safe path segment"},
		{[]string{".."}, 0, "not a single safe path segment"},
		{[]string{strings.TrimSuffix(name, ".json.gz") + ".ion.gz"}, 0, "does not end in .json.gz"},
		{[]string{".json.gz"}, 0, "does not end in .json.gz"},
		{[]string{name, name}, 0, "given twice"},
	} {
		o := opt
		o.Names, o.Files = tt.names, tt.files
		st := storetest.NewMem()
		if _, err := export.New(ctx, st, o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Names %q, Files %d: %v, want %q", tt.names, tt.files, err, tt.want)
		}
		if keys := storetest.Keys(t, st, ""); len(keys) != 0 {
			t.Errorf("Names %q: wrote %q", tt.names, keys)
		}
	}
	// No name: a part of no data file.
	o := opt
	o.Names, o.Part = []string{}, true
	st := storetest.NewMem()
	w, err := export.New(ctx, st, o)
	if err != nil {
		t.Fatal(err)
	}
	if dfs, err := w.CloseFiles(ctx); err != nil || len(dfs) != 0 || w.Files() != 0 {
		t.Errorf("a part of no file: %d partitions, %d files, %v", w.Files(), len(dfs), err)
	}
	if keys := storetest.Keys(t, st, ""); !slices.Equal(keys, []string{w.Ref().Key(manifest.StartedName)}) {
		t.Errorf("a part of no file wrote %q", keys)
	}
	var _ store.Store = st
}

// TestPart_sweepsKilledRun: a part run again after its process died (its
// data file's write neither committed nor aborted) discards that write
// where the store keeps it (a local folder: a temporary file); another
// part's unfinished write stays.
func TestPart_sweepsKilledRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := localfs.New(dir)
	opt := fullOptions("", 0)
	names := partNames(opt, 2)
	part := func(i int) export.Options { return partOf(opt, names, i) }
	for i := range 2 {
		w, err := export.New(ctx, st, part(i))
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.Partition(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range partRecords(opt, 0) {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		// Killed: the partition's file is never closed.
	}
	temps := func() []string {
		var l []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), ".") {
				l = append(l, d.Name())
			}
			return nil
		})
		return l
	}
	if n := len(temps()); n != 2 {
		t.Fatalf("%d temporary files after the killed runs, want 2: %q", n, temps())
	}
	w, err := export.New(ctx, st, part(0))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Swept(); n != 1 || err != nil {
		t.Errorf("Swept() = %d, %v; want 1, nil", n, err)
	}
	left := temps()
	if len(left) != 1 || !strings.Contains(left[0], names[1]) {
		t.Errorf("left %q; want only part 1's (%s)", left, names[1])
	}
}
