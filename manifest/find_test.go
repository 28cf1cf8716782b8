package manifest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestRef_DataKey(t *testing.T) {
	const id = "01605130432834-8a918b87"
	roots := []string{"", "AWSDynamoDB/", "demo_prefix/AWSDynamoDB/", "bucket/x/y/AWSDynamoDB/"}
	// Each case gives the key relative to Root; keys outside AWSDynamoDB/
	// resolve against Root's parent instead (parent: true).
	tests := []struct {
		name, prefix, key, want string
		parent                  bool
	}{
		{"full export data", "demo_prefix", "demo_prefix/AWSDynamoDB/" + id + "/data/vajn3deidy4svdja3fgej2ynay.json.gz", id + "/data/vajn3deidy4svdja3fgej2ynay.json.gz", false},
		{"manifestFilesS3Key", "demo_prefix", "demo_prefix/AWSDynamoDB/" + id + "/manifest-files.json", id + "/manifest-files.json", false},
		{"no prefix", "", "AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"incremental shared data", "", "AWSDynamoDB/data/u2wov2dg246wzitouzsnk6jbd4.json.gz", "data/u2wov2dg246wzitouzsnk6jbd4.json.gz", false},
		{"incremental with prefix", "p", "p/AWSDynamoDB/data/x.json.gz", "data/x.json.gz", false},
		{"nested prefix", "x/y/z", "x/y/z/AWSDynamoDB/" + id + "/data/a.ion.gz", id + "/data/a.ion.gz", false},
		{"prefix with trailing slash", "demo_prefix/", "demo_prefix/AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix with trailing slash, doubled", "demo_prefix/", "demo_prefix//AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix with leading slash", "/demo_prefix", "demo_prefix/AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix not in the key", "other", "demo_prefix/AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix holding AWSDynamoDB", "b/AWSDynamoDB/c", "b/AWSDynamoDB/c/AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix holding AWSDynamoDB, unknown", "", "b/AWSDynamoDB/c/AWSDynamoDB/" + id + "/data/a.json.gz", id + "/data/a.json.gz", false},
		{"prefix named AWSDynamoDB", "AWSDynamoDB", "AWSDynamoDB/AWSDynamoDB/data/a.json.gz", "data/a.json.gz", false},
		{"outside AWSDynamoDB", "demo_prefix", "demo_prefix/elsewhere/f.json.gz", "elsewhere/f.json.gz", true},
		{"outside AWSDynamoDB, no prefix", "", "elsewhere/f.json.gz", "elsewhere/f.json.gz", true},
		{"dots in names", "", "AWSDynamoDB/a..b/.data/...json.gz", "a..b/.data/...json.gz", false},
	}
	for _, root := range roots {
		parent := ""
		if i := strings.LastIndex(strings.TrimSuffix(root, "/"), "/"); i >= 0 {
			parent = root[:i+1]
		}
		ref := manifest.Ref{ID: id, Root: root}
		for _, tt := range tests {
			want := root + tt.want
			if tt.parent {
				want = parent + tt.want
			}
			got, err := ref.DataKey(tt.prefix, tt.key)
			if err != nil || got != want {
				t.Errorf("Root %q, %s: DataKey(%q, %q) = %q, %v; want %q", root, tt.name, tt.prefix, tt.key, got, err, want)
			}
		}
	}
}

func TestRef_DataKey_unsafe(t *testing.T) {
	ref := manifest.Ref{ID: "01605130432834-8a918b87", Root: "demo_prefix/AWSDynamoDB/"}
	for _, tt := range []struct{ prefix, key string }{
		{"", ""},
		{"", "../x"},
		{"", "../../etc/passwd"},
		{"", "a/../../b"},
		{"", "/etc/passwd"},
		{"", "AWSDynamoDB/data/../../../../etc/passwd"},
		{"demo_prefix", "demo_prefix/AWSDynamoDB/../../../x"},
		{"demo_prefix", "demo_prefix/AWSDynamoDB/01/data/.."},
		{"", `AWSDynamoDB\..\..\x`},
		{"", `AWSDynamoDB/data/a\b.json.gz`},
		{"", "AWSDynamoDB/data/a\x00.json.gz"},
		{"", "AWSDynamoDB//data/a.json.gz"},
		{"", "AWSDynamoDB/data/"},
		{"", "AWSDynamoDB/./data/a.json.gz"},
		{"demo_prefix", "demo_prefix//AWSDynamoDB/x"},           // a doubled slash the prefix does not explain
		{"demo_prefix/", "demo_prefix///AWSDynamoDB/x"},         // one more than it explains
		{"..", "../AWSDynamoDB/x"},                              // an unsafe prefix makes the key unsafe
		{"demo_prefix/..", "demo_prefix/../AWSDynamoDB/data/x"}, // likewise
		{"/", "/AWSDynamoDB/data/x"},
	} {
		got, err := ref.DataKey(tt.prefix, tt.key)
		if !errors.Is(err, store.ErrUnsafeKey) {
			t.Errorf("DataKey(%q, %q) = %q, %v; want ErrUnsafeKey", tt.prefix, tt.key, got, err)
		}
	}
	// A Ref built by hand with an unsafe Root never yields an unsafe key.
	for _, root := range []string{"../", "/abs/", "a//", "..", `a\`} {
		ref := manifest.Ref{ID: "x", Root: root}
		for _, key := range []string{"AWSDynamoDB/data/x.json.gz", "elsewhere/x"} {
			if got, err := ref.DataKey("", key); !errors.Is(err, store.ErrUnsafeKey) {
				t.Errorf("Root %q: DataKey(%q) = %q, %v; want ErrUnsafeKey", root, key, got, err)
			}
		}
	}
}

func TestRef_keys(t *testing.T) {
	r := manifest.Ref{ID: "01-a", Root: "p/AWSDynamoDB/"}
	if r.Dir() != "p/AWSDynamoDB/01-a/" || r.Key(manifest.SummaryName) != "p/AWSDynamoDB/01-a/manifest-summary.json" || r.String() != "p/AWSDynamoDB/01-a" {
		t.Errorf("Dir %q Key %q String %q", r.Dir(), r.Key(manifest.SummaryName), r.String())
	}
	r.Root = ""
	if r.Dir() != "01-a/" || r.String() != "01-a" {
		t.Errorf("Dir %q String %q", r.Dir(), r.String())
	}
}

func TestFind_real(t *testing.T) {
	real := realExports(t)
	pfeil := manifest.Ref{ID: "01605130432834-8a918b87", Root: "demo_prefix/AWSDynamoDB/", HasSummary: true, HasStarted: true}
	scylla := manifest.Ref{ID: "01715685260608-c488b4e1", Root: "dynamodb-export/AWSDynamoDB/", HasSummary: true}
	under := func(dir string, r manifest.Ref) manifest.Ref { r.Root = dir + r.Root; return r }
	tests := []struct {
		name   string
		dir    string // store root below real-exports
		prefix string
		want   []manifest.Ref
	}{
		{"bucket folder", "pfeilbr-2020", "", []manifest.Ref{pfeil}},
		{"bucket folder without _started", "scylla-2024", "", []manifest.Ref{scylla}},
		{"prefix folder", "pfeilbr-2020/demo_prefix", "", []manifest.Ref{{ID: pfeil.ID, Root: "AWSDynamoDB/", HasSummary: true, HasStarted: true}}},
		{"AWSDynamoDB folder", "pfeilbr-2020/demo_prefix/AWSDynamoDB", "", []manifest.Ref{{ID: pfeil.ID, HasSummary: true, HasStarted: true}}},
		{"prefix is the prefix folder", "pfeilbr-2020", "demo_prefix/", []manifest.Ref{pfeil}},
		{"prefix is the export folder", "pfeilbr-2020", "demo_prefix/AWSDynamoDB/01605130432834-8a918b87/", []manifest.Ref{pfeil}},
		{"export folder's parent", "pfeilbr-2020/demo_prefix/AWSDynamoDB", "01605130432834-8a918b87/", []manifest.Ref{{ID: pfeil.ID, HasSummary: true, HasStarted: true}}},
		{"both buckets", ".", "", []manifest.Ref{under("pfeilbr-2020/", pfeil), under("scylla-2024/", scylla)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := localfs.New(filepath.Join(real, filepath.FromSlash(tt.dir)))
			refs, err := manifest.Find(context.Background(), st, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(refs, tt.want) {
				t.Fatalf("Find = %+v; want %+v", refs, tt.want)
			}
			// Every key in the manifests resolves to an object of the store.
			for _, ref := range refs {
				checkResolves(t, st, ref)
			}
		})
	}
}

// checkResolves reads ref's summary and files manifest and checks that
// manifestFilesS3Key and every dataFileS3Key resolve to existing objects.
func checkResolves(t *testing.T, st store.Store, ref manifest.Ref) {
	t.Helper()
	ctx := context.Background()
	raw, err := store.ReadAll(ctx, st, ref.Key(manifest.SummaryName), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	s, err := manifest.ParseSummary(ref.Key(manifest.SummaryName), raw)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExportID() != ref.ID {
		t.Errorf("%s: summary's export ID %q", ref, s.ExportID())
	}
	filesKey, err := ref.DataKey(s.S3Prefix, s.ManifestFilesS3Key)
	if err != nil || filesKey != ref.Key(manifest.FilesName) {
		t.Fatalf("%s: DataKey(manifestFilesS3Key) = %q, %v; want %q", ref, filesKey, err, ref.Key(manifest.FilesName))
	}
	rc, err := st.Open(ctx, filesKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n := 0
	for f, err := range manifest.ParseFiles(filesKey, rc) {
		if err != nil {
			t.Fatal(err)
		}
		key, err := ref.DataKey(s.S3Prefix, f.DataFileS3Key)
		if err != nil {
			t.Errorf("%s line %d: %v", ref, f.Line, err)
			continue
		}
		if _, err := st.Stat(ctx, key); err != nil {
			t.Errorf("%s line %d: %s resolves to %s: %v", ref, f.Line, f.DataFileS3Key, key, err)
		}
		n++
	}
	if n == 0 {
		t.Errorf("%s: no data files", ref)
	}
}

func TestFind_tree(t *testing.T) {
	full, inc1, inc2 := "01768385930622-efd1a093", "01768386924000-d339e52d", "01768388186000-4a2fc3ff"
	files := map[string]string{
		// A full export and two incremental ones sharing AWSDynamoDB/data/.
		"bkt/AWSDynamoDB/" + full + "/_started":                                  "",
		"bkt/AWSDynamoDB/" + full + "/manifest-summary.json":                     "{}",
		"bkt/AWSDynamoDB/" + full + "/manifest-files.json":                       "",
		"bkt/AWSDynamoDB/" + full + "/data/zqp435kgma323mmasy7jmciuje.json.gz":   "",
		"bkt/AWSDynamoDB/" + inc1 + "/_started":                                  "",
		"bkt/AWSDynamoDB/" + inc1 + "/manifest-summary.json":                     "{}",
		"bkt/AWSDynamoDB/" + inc2 + "/manifest-summary.json":                     "{}",
		"bkt/AWSDynamoDB/data/u2wov2dg246wzitouzsnk6jbd4.json.gz":                "",
		"bkt/AWSDynamoDB/" + "01999999999999-00000000" + "/_started":             "", // unfinished
		"bkt/AWSDynamoDB/" + full + "/manifest-summary.json.bak":                 "",
		"bkt/AWSDynamoDB/" + full + "/manifest-summary.md5":                      "",
		"bkt/AWSDynamoDB/" + full + "/data/manifest-summary.json":                "", // in a data folder
		"bkt/AWSDynamoDB/data/manifest-summary.json":                             "", // the shared data folder
		"bkt/AWSDynamoDB/data/sub/_started":                                      "",
		"bkt/AWSDynamoDB/" + full + "/data/sub/manifest-summary.json":            "",
		"manifest-summary.json":                                                  "", // at the store root: no folder
		"data/AWSDynamoDB/01000000000000-aaaaaaaa/manifest-summary.json":         "", // a prefix named data
		"backups/data/AWSDynamoDB/01000000000000-bbbbbbbb/manifest-summary.json": "",
		"mydata/AWSDynamoDB/01000000000000-cccccccc/_started":                    "",
		"loose/copy/manifest-summary.json":                                       "", // no AWSDynamoDB folder
	}
	root := t.TempDir()
	mem := storetest.NewMem()
	for k, v := range files {
		p := filepath.Join(root, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
		storetest.Put(t, mem, k, []byte(v))
	}
	want := []manifest.Ref{
		{ID: "01000000000000-bbbbbbbb", Root: "backups/data/AWSDynamoDB/", HasSummary: true},
		{ID: full, Root: "bkt/AWSDynamoDB/", HasSummary: true, HasStarted: true},
		{ID: inc1, Root: "bkt/AWSDynamoDB/", HasSummary: true, HasStarted: true},
		{ID: inc2, Root: "bkt/AWSDynamoDB/", HasSummary: true},
		{ID: "01999999999999-00000000", Root: "bkt/AWSDynamoDB/", HasStarted: true},
		{ID: "01000000000000-aaaaaaaa", Root: "data/AWSDynamoDB/", HasSummary: true},
		{ID: "copy", Root: "loose/", HasSummary: true},
		{ID: "01000000000000-cccccccc", Root: "mydata/AWSDynamoDB/", HasStarted: true},
	}
	for _, st := range []store.Store{localfs.New(root), mem} {
		refs, err := manifest.Find(context.Background(), st, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(refs, want) {
			t.Errorf("%T: Find =\n%+v\nwant\n%+v", st, refs, want)
		}
		refs, err = manifest.Find(context.Background(), st, "bkt/AWSDynamoDB/"+inc1+"/")
		if err != nil || len(refs) != 1 || refs[0] != want[2] {
			t.Errorf("%T: Find(export folder) = %+v, %v", st, refs, err)
		}
		// The incremental export's shared data resolves beside it.
		key, err := refs[0].DataKey("", "AWSDynamoDB/data/u2wov2dg246wzitouzsnk6jbd4.json.gz")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Stat(context.Background(), key); err != nil {
			t.Errorf("%T: shared data key %s: %v", st, key, err)
		}
	}
}

func TestFind_none(t *testing.T) {
	root := t.TempDir()
	for _, k := range []string{"AWSDynamoDB/data/a.json.gz", "AWSDynamoDB/01-a/data/b.json.gz", "manifest-summary.json", "x/manifest-files.json"} {
		storetest.Put(t, localfs.New(root), k, nil)
	}
	for _, tt := range []struct {
		name, dir, prefix string
	}{
		{"empty folder", t.TempDir(), ""},
		{"data files only", root, ""},
		{"missing prefix", root, "nope/"},
		{"missing root", filepath.Join(root, "nope"), ""},
	} {
		refs, err := manifest.Find(context.Background(), localfs.New(tt.dir), tt.prefix)
		if !errors.Is(err, manifest.ErrNoExport) || refs != nil {
			t.Errorf("%s: Find = %+v, %v; want ErrNoExport", tt.name, refs, err)
		}
	}
}

func TestFind_listError(t *testing.T) {
	st := localfs.New(t.TempDir())
	storetest.Put(t, st, "AWSDynamoDB/01-a/_started", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if refs, err := manifest.Find(ctx, st, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Find with a canceled context = %+v, %v", refs, err)
	}
	if refs, err := manifest.Find(context.Background(), st, "../"); !errors.Is(err, store.ErrUnsafeKey) {
		t.Errorf("Find(../) = %+v, %v; want ErrUnsafeKey", refs, err)
	}
}
