package export_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch; run go test -update\n got: %s\nwant: %s", name, got, want)
	}
}

// The exact empty data file of DynamoDB's 2024–2026 exports
// (export-format.md §3, §5).
var (
	emptyGzip = []byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0}
	emptyMD5  = "FjvgqIxwymKf1RbbqtrZag=="
	emptyETag = "7deb4078f238dd87d6af0538152c04e9-1"
	header    = []byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff}
	nameRE    = regexp.MustCompile(`^[a-z2-7]{26}\.json\.gz$`)
)

func newEncoder(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }

func seeded(seed byte) io.Reader { return rand.NewChaCha8([32]byte{seed}) }

var start = time.Date(2026, 1, 14, 10, 18, 50, 622_000_000, time.UTC)

func fullOptions(prefix string, files int) export.Options {
	return export.Options{
		Summary: manifest.Summary{
			ExportArn:  "arn:aws:dynamodb:eu-north-1:123456789012:table/test/export/01768385930622-efd1a093",
			StartTime:  start,
			EndTime:    start.Add(4*time.Minute + 5*time.Second + 586*time.Millisecond),
			TableArn:   "arn:aws:dynamodb:eu-north-1:123456789012:table/test",
			TableID:    "cf263806-6bf1-4e51-a242-7067dcdecc72",
			ExportTime: start,
			S3Bucket:   "test-bucket",
			S3Prefix:   prefix,
		},
		Files:      files,
		NewEncoder: newEncoder,
		Rand:       seeded(1),
	}
}

func incrOptions(prefix, view string, files int) export.Options {
	opt := fullOptions(prefix, files)
	s := &opt.Summary
	s.ExportArn = "arn:aws:dynamodb:eu-north-1:123456789012:table/test/export/01768386924000-d339e52d"
	s.StartTime = time.Date(2026, 1, 14, 10, 35, 24, 0, time.UTC)
	s.EndTime = time.Date(2026, 1, 14, 10, 40, 27, 622_000_000, time.UTC)
	s.ExportTime = time.Time{}
	s.ExportFromTime = time.Date(2026, 1, 14, 10, 20, 0, 0, time.UTC)
	s.ExportToTime = time.Date(2026, 1, 14, 10, 35, 0, 0, time.UTC)
	s.ExportType = manifest.IncrementalExport
	s.OutputView = view
	return opt
}

func item(pk string, extra ...codec.Value) codec.Item {
	return append(codec.Item{codec.S(pk).Named("pk")}, extra...)
}

func full(it codec.Item) *codec.Record { return &codec.Record{Item: it} }

// readAll returns every object in the store: key → bytes.
func readAll(t *testing.T, st store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	for obj, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.ReadAll(ctx, st, obj.Key, 64<<20)
		if err != nil {
			t.Fatal(err)
		}
		out[obj.Key] = b
	}
	return out
}

func gunzipLines(t *testing.T, key string, b []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	zr.Multistream(false)
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Errorf("%s: last line does not end in \\n", key)
	}
	lines := strings.SplitAfter(string(data), "\n")
	return lines[:len(lines)-1]
}

// checkExport reads back a finished export and checks every byte against
// the manifests and the records written: layout, _started, md5Checksum and
// etag recomputed, gzip header, line counts and content, manifest .md5
// files, summary totals. want maps a data file's partition to its lines.
func checkExport(t *testing.T, st store.Store, w *export.Writer, sum *manifest.Summary, files []manifest.File, want map[int][]string) {
	t.Helper()
	objs := readAll(t, st)
	ref := w.Ref()
	root := ""
	if sum.S3Prefix != "" {
		root = sum.S3Prefix + "/"
	}
	dir := root + "AWSDynamoDB/" + w.ID() + "/"
	if ref.Dir() != dir {
		t.Errorf("Ref.Dir = %q, want %q", ref.Dir(), dir)
	}
	dataDir := dir + "data/"
	if sum.Incremental() {
		dataDir = root + "AWSDynamoDB/data/"
	}
	wantKeys := []string{dir + "_started", dir + "manifest-files.json", dir + "manifest-files.md5", dir + "manifest-summary.json", dir + "manifest-summary.md5"}
	for _, f := range files {
		wantKeys = append(wantKeys, f.DataFileS3Key)
	}
	slices.Sort(wantKeys)
	gotKeys := make([]string, 0, len(objs))
	for k := range objs {
		gotKeys = append(gotKeys, k)
	}
	slices.Sort(gotKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("objects:\n got %q\nwant %q", gotKeys, wantKeys)
	}
	if b := objs[dir+"_started"]; len(b) != 0 {
		t.Errorf("_started has %d bytes", len(b))
	}

	// manifest-files.json and its .md5.
	lines := objs[dir+"manifest-files.json"]
	if got, want := string(objs[dir+"manifest-files.md5"]), string(manifest.MD5File(lines)); got != want || len(got) != 24 {
		t.Errorf("manifest-files.md5 = %q, want %q", got, want)
	}
	var marshalled []byte
	for _, f := range files {
		marshalled = append(marshalled, f.Marshal()...)
	}
	if !bytes.Equal(lines, marshalled) {
		t.Errorf("manifest-files.json:\n%s\nwant\n%s", lines, marshalled)
	}
	if len(lines) > 0 && lines[len(lines)-1] != '\n' {
		t.Error("manifest-files.json does not end in \\n")
	}
	var parsed []manifest.File
	for f, err := range manifest.ParseFiles("manifest-files.json", bytes.NewReader(lines)) {
		if err != nil {
			t.Fatal(err)
		}
		f.Line = 0
		parsed = append(parsed, f)
	}
	if !slices.Equal(parsed, files) {
		t.Errorf("parsed files %+v, want %+v", parsed, files)
	}
	if len(files) != w.Files() {
		t.Errorf("%d files in the manifest, want %d", len(files), w.Files())
	}

	// Data files.
	var total int64
	seen := map[string]bool{}
	for i, f := range files {
		key := f.DataFileS3Key
		if key != w.DataKey(i) {
			t.Errorf("file %d: key %q, want %q", i, key, w.DataKey(i))
		}
		name, ok := strings.CutPrefix(key, dataDir)
		if !ok || !nameRE.MatchString(name) {
			t.Errorf("file %d: key %q is not %s<26 base32>.json.gz", i, key, dataDir)
		}
		if !strings.ContainsAny(name[25:26], "aeimquy4") {
			t.Errorf("file %d: name %q: last character is not that of 16 bytes in base32", i, name)
		}
		if seen[name] {
			t.Errorf("duplicate name %s", name)
		}
		seen[name] = true
		b := objs[key]
		sum := md5.Sum(b)
		if got := manifest.EncodeMD5(sum); got != f.MD5Checksum {
			t.Errorf("%s: md5Checksum %s, recomputed %s", key, f.MD5Checksum, got)
		}
		h := md5.Sum(sum[:])
		if got := hex.EncodeToString(h[:]) + "-1"; got != f.ETag {
			t.Errorf("%s: etag %s, recomputed %s", key, f.ETag, got)
		}
		if !bytes.HasPrefix(b, header) {
			t.Errorf("%s: gzip header % x, want % x", key, b[:min(len(b), 10)], header)
		}
		got := gunzipLines(t, key, b)
		if int64(len(got)) != f.ItemCount {
			t.Errorf("%s: %d lines, itemCount %d", key, len(got), f.ItemCount)
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("%s: lines\n%q\nwant\n%q", key, got, want[i])
		}
		if f.ItemCount == 0 {
			if !bytes.Equal(b, emptyGzip) || f.MD5Checksum != emptyMD5 || f.ETag != emptyETag {
				t.Errorf("%s: empty file % x (%s, %s), want DynamoDB's % x (%s, %s)", key, b, f.MD5Checksum, f.ETag, emptyGzip, emptyMD5, emptyETag)
			}
		}
		total += f.ItemCount
	}

	// manifest-summary.json and its .md5.
	sb := objs[dir+"manifest-summary.json"]
	if !bytes.Equal(sb, sum.Marshal()) {
		t.Errorf("manifest-summary.json:\n%s\nwant\n%s", sb, sum.Marshal())
	}
	if got, want := string(objs[dir+"manifest-summary.md5"]), string(manifest.MD5File(sb)); got != want {
		t.Errorf("manifest-summary.md5 = %q, want %q", got, want)
	}
	ps, err := manifest.ParseSummary("manifest-summary.json", sb)
	if err != nil {
		t.Fatal(err)
	}
	if ps.ItemCount != total {
		t.Errorf("summary itemCount %d, sum of files %d", ps.ItemCount, total)
	}
	if ps.ManifestFilesS3Key != dir+"manifest-files.json" {
		t.Errorf("manifestFilesS3Key %q, want %q", ps.ManifestFilesS3Key, dir+"manifest-files.json")
	}
	if ps.ExportID() != w.ID() {
		t.Errorf("export ID %q, want %q", ps.ExportID(), w.ID())
	}
	wantNull := sum.S3Prefix == ""
	if gotNull := bytes.Contains(sb, []byte(`"s3Prefix":null`)); gotNull != wantNull {
		t.Errorf("s3Prefix null = %v, want %v: %s", gotNull, wantNull, sb)
	}
}

func encodeLines(recs ...*codec.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(ddbjson.AppendRecord(nil, r))+"\n")
	}
	return out
}

func TestFullExport(t *testing.T) {
	for _, prefix := range []string{"", "demo_prefix", "a/b"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			ctx := context.Background()
			st := localfs.New(t.TempDir())
			w, err := export.New(ctx, st, fullOptions(prefix, 4))
			if err != nil {
				t.Fatal(err)
			}
			// _started is written first, before any data.
			if _, err := st.Stat(ctx, w.Ref().Key("_started")); err != nil {
				t.Fatalf("_started not written by New: %v", err)
			}
			recs := map[int][]*codec.Record{
				1: {full(item("a", codec.N("1").Named("n"))), full(item("b", codec.SS("x", "y").Named("tags")))},
				3: {full(item("c", codec.M(codec.L(codec.Null(), codec.Bool(true)).Named("l")).Named("m")))},
			}
			want := map[int][]string{}
			for _, i := range []int{3, 1} { // any order
				p, err := w.Partition(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs[i] {
					if err := p.Write(r); err != nil {
						t.Fatal(err)
					}
				}
				want[i] = encodeLines(recs[i]...)
			}
			sum, files, err := w.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkExport(t, st, w, sum, files, want)
			if sum.ItemCount != 3 || sum.Version != manifest.VersionFull || sum.OutputFormat != "DYNAMODB_JSON" || sum.S3SseAlgorithm != "AES256" {
				t.Errorf("summary %+v", sum)
			}
			if st := w.Stats(); sum.BilledSizeBytes != st.Bytes || st.Files != 4 || st.Items != 3 {
				t.Errorf("billedSizeBytes %d, stats %+v", sum.BilledSizeBytes, st)
			}
			keyPrefix := "AWSDynamoDB/"
			if prefix != "" {
				keyPrefix = prefix + "/AWSDynamoDB/"
			}
			for _, f := range files {
				if !strings.HasPrefix(f.DataFileS3Key, keyPrefix+w.ID()+"/data/") {
					t.Errorf("dataFileS3Key %q", f.DataFileS3Key)
				}
			}
			// The Writer is finished.
			if _, err := w.Partition(ctx, 0); !errors.Is(err, export.ErrClosed) {
				t.Errorf("Partition after Close: %v", err)
			}
			if _, _, err := w.Close(ctx); !errors.Is(err, export.ErrClosed) {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

func TestIncrementalExport(t *testing.T) {
	keys := codec.Item{codec.S("1").Named("pk"), codec.N("3").Named("sk")}
	img := func(extra ...codec.Value) codec.Item { return append(keys.Clone(), extra...) }
	for _, tt := range []struct {
		view, prefix string
		recs         []*codec.Record
	}{
		{manifest.ViewNewAndOldImages, "", []*codec.Record{
			{WriteTimestampMicros: 1768386096366933, Keys: keys, NewImage: img(codec.S("x").Named("a"))},
			{WriteTimestampMicros: 1768386096366934, Keys: keys, OldImage: img(), NewImage: img(codec.B(nil).Named("b"))},
			{WriteTimestampMicros: 1768386096366935, Keys: keys, OldImage: img()},
		}},
		{manifest.ViewNewImage, "exports/x", []*codec.Record{
			{WriteTimestampMicros: 1768386096366933, Keys: keys, NewImage: img()},
			{WriteTimestampMicros: 1768386096366935, Keys: keys}, // a delete: Keys only
		}},
	} {
		t.Run(tt.view+"/"+tt.prefix, func(t *testing.T) {
			ctx := context.Background()
			st := localfs.New(t.TempDir())
			w, err := export.New(ctx, st, incrOptions(tt.prefix, tt.view, 3))
			if err != nil {
				t.Fatal(err)
			}
			p, err := w.Partition(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.WriteRecords(tt.recs); err != nil {
				t.Fatal(err)
			}
			sum, files, err := w.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkExport(t, st, w, sum, files, map[int][]string{2: encodeLines(tt.recs...)})
			if sum.Version != manifest.VersionIncremental || sum.OutputView != tt.view || !sum.Incremental() {
				t.Errorf("summary %+v", sum)
			}
			root := "AWSDynamoDB/data/"
			if tt.prefix != "" {
				root = tt.prefix + "/" + root
			}
			for _, f := range files {
				if !strings.HasPrefix(f.DataFileS3Key, root) || strings.Contains(f.DataFileS3Key, w.ID()) {
					t.Errorf("incremental data file %q not in the shared %s", f.DataFileS3Key, root)
				}
			}
			b, _ := store.ReadAll(ctx, st, w.Ref().Key("manifest-summary.json"), 1<<20)
			for _, s := range []string{`"exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:35:00.000Z"`, `"outputView":"` + tt.view + `","exportType":"INCREMENTAL_EXPORT"}`} {
				if !bytes.Contains(b, []byte(s)) {
					t.Errorf("summary lacks %s: %s", s, b)
				}
			}
			if bytes.Contains(b, []byte(`"exportTime"`)) {
				t.Errorf("incremental summary has exportTime: %s", b)
			}
		})
	}
}

// TestGolden pins a small export's manifests byte for byte. The summary's
// key order is DynamoDB's, checked against the real S-SABUAT summary
// (export-format.md §2).
func TestGolden(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	opt := fullOptions("", 4)
	opt.Summary.S3Prefix = ""
	w, err := export.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.Partition(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*codec.Record{
		full(codec.Item{codec.S("1").Named("pk"), codec.S("3").Named("sk"), codec.S("2").Named("test2"), codec.S("1").Named("test1")}),
		full(codec.Item{codec.S("2").Named("pk"), codec.S("1").Named("sk")}),
		full(codec.Item{codec.S("2").Named("pk"), codec.S("3").Named("sk"), codec.S("test").Named("test")}),
	} {
		if err := p.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	objs := readAll(t, st)
	summary := objs[w.Ref().Key("manifest-summary.json")]
	checkGolden(t, "full-summary.json", summary)
	checkGolden(t, "full-files.json", objs[w.Ref().Key("manifest-files.json")])

	real := `{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler/export/01668227450456-b6733290","startTime":"2022-11-12T04:30:50.456Z","endTime":"2022-11-12T04:34:56.208Z","tableArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler","tableId":"659732b0-5ce6-4e60-a804-f224014bdef3","exportTime":"2022-11-12T04:30:50.456Z","s3Bucket":"outroslivros","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01668227450456-b6733290/manifest-files.json","billedSizeBytes":0,"itemCount":6,"outputFormat":"DYNAMODB_JSON"}`
	keyRE := regexp.MustCompile(`"([A-Za-z0-9]+)":`)
	keysOf := func(b []byte) (out []string) {
		for _, m := range keyRE.FindAllSubmatch(b, -1) {
			if !bytes.HasPrefix(m[0], []byte(`"arn`)) {
				out = append(out, string(m[1]))
			}
		}
		return out
	}
	if got, want := keysOf(summary), keysOf([]byte(real)); !slices.Equal(got, want) {
		t.Errorf("summary keys\n got %q\nwant %q (real export)", got, want)
	}
	if summary[len(summary)-1] != '}' {
		t.Error("summary ends with a newline")
	}
}

// TestEmptyExport: every partition empty gives DynamoDB's exact empty files.
func TestEmptyExport(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	w, err := export.New(ctx, st, fullOptions("", 3))
	if err != nil {
		t.Fatal(err)
	}
	sum, files, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, st, w, sum, files, nil)
	for _, f := range files {
		b, _ := store.ReadAll(ctx, st, f.DataFileS3Key, 1<<20)
		if !bytes.Equal(b, emptyGzip) || f.MD5Checksum != emptyMD5 || f.ETag != emptyETag || f.ItemCount != 0 {
			t.Errorf("%s: % x %+v", f.DataFileS3Key, b, f)
		}
	}
	if sum.ItemCount != 0 || sum.BilledSizeBytes != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// TestSequential writes partitions one after another, each closed before
// the next opens, and a custom billed size.
func TestSequential(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	opt := fullOptions("p", 5)
	opt.Level = 4
	opt.BilledSizeBytes = func(s export.Stats) int64 { return s.StoredBytes + 1 }
	w, err := export.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{}
	for i := range 5 {
		if i == 2 {
			continue // left for Close
		}
		p, err := w.Partition(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		var recs []*codec.Record
		for j := range i * 100 {
			recs = append(recs, full(item(fmt.Sprintf("k%d-%d", i, j), codec.S(strings.Repeat("v", j)).Named("v"))))
		}
		if n, err := p.WriteRecords(recs); err != nil || n != len(recs) {
			t.Fatal(n, err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if f := p.File(); f.ItemCount != int64(len(recs)) || f.DataFileS3Key != p.Key() || p.Index() != i {
			t.Errorf("File() = %+v", f)
		}
		if err := p.Write(full(item("late"))); !errors.Is(err, export.ErrClosed) {
			t.Errorf("Write after Close: %v", err)
		}
		if _, err := w.Partition(ctx, i); !errors.Is(err, export.ErrClosed) {
			t.Errorf("reopen partition %d: %v", i, err)
		}
		want[i] = encodeLines(recs...)
	}
	sum, files, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, st, w, sum, files, want)
	if st := w.Stats(); sum.BilledSizeBytes != st.StoredBytes+1 {
		t.Errorf("billedSizeBytes %d, stats %+v", sum.BilledSizeBytes, st)
	}
}

// TestConcurrent fills partitions from several goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	const files = 8
	w, err := export.New(ctx, st, fullOptions("", files))
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[int][]string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < files; i += 4 {
				p, err := w.Partition(ctx, i)
				if err != nil {
					t.Error(err)
					return
				}
				var lines []string
				for j := range 50 {
					r := full(item(fmt.Sprintf("%d/%d", i, j)))
					if err := p.Write(r); err != nil {
						t.Error(err)
						return
					}
					lines = append(lines, encodeLines(r)...)
				}
				if i%2 == 0 { // leave odd ones to Close
					if err := p.Close(); err != nil {
						t.Error(err)
					}
				}
				mu.Lock()
				want[i] = lines
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sum, fs, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, st, w, sum, fs, want)
}

// TestDeterministic: the same options and random source give identical
// bytes in every file.
func TestDeterministic(t *testing.T) {
	run := func() map[string][]byte {
		ctx := context.Background()
		st := localfs.New(t.TempDir())
		w, err := export.New(ctx, st, fullOptions("x", 3))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := w.Partition(ctx, 0)
		for j := range 1000 {
			p.Write(full(item(fmt.Sprint(j))))
		}
		if _, _, err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return readAll(t, st)
	}
	a, b := run(), run()
	if len(a) != len(b) {
		t.Fatalf("%d vs %d objects", len(a), len(b))
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("%s differs", k)
		}
	}
}

func TestRecordKind(t *testing.T) {
	ctx := context.Background()
	keys := codec.Item{codec.S("k").Named("pk")}
	for _, tt := range []struct {
		name string
		opt  export.Options
		rec  *codec.Record
	}{
		{"full/change", fullOptions("", 1), &codec.Record{Keys: keys, NewImage: keys}},
		{"full/nil item", fullOptions("", 1), &codec.Record{}},
		{"full/nil", fullOptions("", 1), nil},
		{"incr/item", incrOptions("", "", 1), full(keys)},
		{"incr/no image", incrOptions("", manifest.ViewNewAndOldImages, 1), &codec.Record{Keys: keys}},
		{"new image/old image", incrOptions("", manifest.ViewNewImage, 1), &codec.Record{Keys: keys, OldImage: keys}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := localfs.New(t.TempDir())
			w, err := export.New(ctx, st, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			p, err := w.Partition(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Write(tt.rec)
			if !errors.Is(err, export.ErrRecordKind) || !strings.Contains(err.Error(), p.Key()) {
				t.Fatalf("Write: %v, want ErrRecordKind with the key", err)
			}
			if err2 := p.Write(full(keys)); err2 != err {
				t.Errorf("error not sticky: %v", err2)
			}
			if _, _, err := w.Close(ctx); !errors.Is(err, export.ErrRecordKind) {
				t.Errorf("Close: %v", err)
			}
			if _, err := st.Stat(ctx, w.Ref().Key("manifest-summary.json")); !errors.Is(err, store.ErrNotExist) {
				t.Errorf("failed export has a summary: %v", err)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		edit func(*export.Options)
	}{
		{"no encoder", func(o *export.Options) { o.NewEncoder = nil }},
		{"files<0", func(o *export.Options) { o.Files = -1 }},
		{"level 9", func(o *export.Options) { o.Level = 9 }},
		{"level 1", func(o *export.Options) { o.Level = 1 }},
		{"format", func(o *export.Options) { o.Format = 7 }},
		{"format mismatch", func(o *export.Options) { o.Summary.OutputFormat = "ION" }},
		{"no arn", func(o *export.Options) { o.Summary.ExportArn = "" }},
		{"bad id", func(o *export.Options) { o.Summary.ExportArn = "arn:x/export/.." }},
		{"no bucket", func(o *export.Options) { o.Summary.S3Bucket = "" }},
		{"prefix slash", func(o *export.Options) { o.Summary.S3Prefix = "p/" }},
		{"prefix abs", func(o *export.Options) { o.Summary.S3Prefix = "/p" }},
		{"prefix dots", func(o *export.Options) { o.Summary.S3Prefix = "a/../b" }},
		{"no start", func(o *export.Options) { o.Summary.StartTime = time.Time{} }},
		{"type", func(o *export.Options) { o.Summary.ExportType = "DELTA" }},
		{"view", func(o *export.Options) {
			*o = incrOptions("", "OLD_IMAGE", 1)
		}},
		{"window", func(o *export.Options) {
			*o = incrOptions("", "", 1)
			o.Summary.ExportToTime = o.Summary.ExportFromTime
		}},
		{"rand", func(o *export.Options) { o.Rand = bytes.NewReader(make([]byte, 10)) }},
		{"rand repeats", func(o *export.Options) { o.Rand = zeroReader{} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := localfs.New(t.TempDir())
			opt := fullOptions("", 2)
			tt.edit(&opt)
			if _, err := export.New(ctx, st, opt); err == nil {
				t.Fatal("no error")
			}
			if objs := readAll(t, st); len(objs) != 0 {
				t.Errorf("wrote %d objects", len(objs))
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestExists(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	w, err := export.New(ctx, st, fullOptions("", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := export.New(ctx, st, fullOptions("", 1)); !errors.Is(err, export.ErrExists) {
		t.Fatalf("second export with the same ID: %v", err)
	}
	opt := fullOptions("", 1)
	opt.Overwrite = true
	w, err = export.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAbort(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	w, err := export.New(ctx, st, fullOptions("", 3))
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := w.Partition(ctx, 0)
	p0.Write(full(item("a")))
	p0.Close()
	p1, _ := w.Partition(ctx, 1)
	p1.Write(full(item("b")))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := p1.Write(full(item("c"))); err == nil {
		t.Error("Write after Abort succeeded")
	}
	objs := readAll(t, st)
	var keys []string
	for k := range objs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{p0.Key(), w.Ref().Key("_started")}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("after Abort: %q, want %q", keys, want)
	}
	if _, _, err := w.Close(ctx); !errors.Is(err, export.ErrClosed) {
		t.Errorf("Close after Abort: %v", err)
	}
}

// failStore fails writes to keys containing fail.
type failStore struct {
	store.Store
	fail string
}

var errDisk = errors.New("disk full")

func (f failStore) Create(ctx context.Context, key string) (store.Writer, error) {
	w, err := f.Store.Create(ctx, key)
	if err != nil || !strings.Contains(key, f.fail) {
		return w, err
	}
	return failWriter{w}, nil
}

type failWriter struct{ store.Writer }

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestStoreErrors(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []string{"/data/", "manifest-files.json", "manifest-summary.md5"} {
		t.Run(fail, func(t *testing.T) {
			st := failStore{localfs.New(t.TempDir()), fail}
			w, err := export.New(ctx, st, fullOptions("", 2))
			if err != nil {
				t.Fatal(err)
			}
			p, err := w.Partition(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			// Enough incompressible data to go past every buffer.
			r := rand.New(rand.NewPCG(1, 2))
			for range 200 {
				b := make([]byte, 4096)
				for i := range b {
					b[i] = byte(r.Uint32())
				}
				if err := p.Write(full(item("k", codec.B(b).Named("b")))); err != nil {
					break
				}
			}
			_, _, err = w.Close(ctx)
			if !errors.Is(err, errDisk) {
				t.Fatalf("Close: %v, want %v", err, errDisk)
			}
			if !strings.Contains(err.Error(), fail) {
				t.Errorf("error %q does not name the key", err)
			}
		})
	}
}

func TestEncoderError(t *testing.T) {
	// A Partition is a codec.RecordWriter; a failing encoder's error is
	// returned with the key.
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	opt := fullOptions("", 1)
	opt.NewEncoder = func(w io.Writer) codec.Encoder { return badEncoder{} }
	w, err := export.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	var rw codec.RecordWriter
	p, _ := w.Partition(ctx, 0)
	rw = p
	if n, err := rw.WriteRecords([]*codec.Record{full(item("a"))}); n != 0 || !errors.Is(err, errDisk) || !strings.Contains(err.Error(), p.Key()) {
		t.Errorf("WriteRecords = %d, %v", n, err)
	}
}

type badEncoder struct{}

func (badEncoder) Encode(*codec.Record) error { return errDisk }
func (badEncoder) Close() error               { return nil }

// TestSharedNames: a second incremental export drawing the same names
// skips those already in the shared data folder, unless Overwrite is set.
func TestSharedNames(t *testing.T) {
	ctx := context.Background()
	st := localfs.New(t.TempDir())
	run := func(arnSuffix string, overwrite bool) []manifest.File {
		t.Helper()
		opt := incrOptions("", "", 2) // same seeded Rand each time
		opt.Summary.ExportArn += arnSuffix
		opt.Overwrite = overwrite
		w, err := export.New(ctx, st, opt)
		if err != nil {
			t.Fatal(err)
		}
		_, files, err := w.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	a := run("", false)
	b := run("0", false)
	for _, f := range b {
		if slices.ContainsFunc(a, func(g manifest.File) bool { return g.DataFileS3Key == f.DataFileS3Key }) {
			t.Errorf("second export reuses %s", f.DataFileS3Key)
		}
	}
	if c := run("", true); !slices.Equal(c, a) {
		t.Errorf("rewrite with Overwrite: %v, want %v", c, a)
	}
}
