package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func newEncoder(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }

// genExport writes a generated export into a new in-memory store and
// returns the store and one task per data file, in manifest order.
func genExport(t testing.TB, opt gen.Options) (*storetest.Mem, []pipeline.Task) {
	t.Helper()
	ctx := context.Background()
	st := storetest.NewMem()
	ref, sum, err := gen.Write(ctx, st, opt, newEncoder)
	if err != nil {
		t.Fatal(err)
	}
	files, bad, _, err := manifest.ReadFiles(ctx, st, ref.Key(manifest.FilesName))
	if err != nil || len(bad) > 0 {
		t.Fatalf("ReadFiles: %v %v", err, bad)
	}
	var tasks []pipeline.Task
	for _, f := range files {
		key, err := ref.DataKey(sum.S3Prefix, f.DataFileS3Key)
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, pipeline.Task{File: f, Key: key})
	}
	return st, tasks
}

func get(t testing.TB, st store.Store, key string) []byte {
	t.Helper()
	b, err := store.ReadAll(context.Background(), st, key, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t testing.TB, st store.Store, key string, data []byte) {
	t.Helper()
	w, err := st.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fileTask stores data at key and returns its task, with the given
// itemCount and the MD5 of data.
func fileTask(t testing.TB, st store.Store, key string, data []byte, items int64) pipeline.Task {
	t.Helper()
	put(t, st, key, data)
	return pipeline.Task{Key: key, File: manifest.File{
		DataFileS3Key: key, ItemCount: items, MD5Checksum: manifest.EncodeMD5(md5.Sum(data)),
	}}
}

func run(t testing.TB, st store.Store, tasks []pipeline.Task, opt pipeline.Options) []pipeline.Result {
	t.Helper()
	res, err := pipeline.Run(context.Background(), st, tasks, opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res) != len(tasks) {
		t.Fatalf("Run returned %d results for %d tasks", len(res), len(tasks))
	}
	for i := range res {
		if res[i].Task != tasks[i] {
			t.Fatalf("result %d is for %q, want %q (task order)", i, res[i].Key, tasks[i].Key)
		}
	}
	return res
}

func TestRun_fullExport(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 3000, Files: 2, Seed: 7, MaxItemBytes: 2048})
	var stats pipeline.Stats
	full := run(t, st, tasks, pipeline.Options{Workers: 2, Stats: &stats})
	quick := run(t, st, tasks, pipeline.Options{Workers: 2, Quick: true})
	var items int64
	for i, r := range full {
		data := get(t, st, r.Key)
		want, err := r.File.MD5()
		if err != nil {
			t.Fatal(err)
		}
		if r.Missing || r.IOErr != nil || r.StreamErr != nil || len(r.Problems) > 0 || r.MoreProblems > 0 {
			t.Errorf("%s: unexpected trouble: %+v", r.Key, r)
		}
		if r.Records != r.File.ItemCount {
			t.Errorf("%s: Records = %d, want itemCount %d", r.Key, r.Records, r.File.ItemCount)
		}
		if r.MD5 != want {
			t.Errorf("%s: MD5 differs from md5Checksum", r.Key)
		}
		if r.StoredBytes != int64(len(data)) {
			t.Errorf("%s: StoredBytes = %d, want %d", r.Key, r.StoredBytes, len(data))
		}
		if n := int64(len(gunzip(t, data))); r.UncompressedBytes != n {
			t.Errorf("%s: UncompressedBytes = %d, want %d", r.Key, r.UncompressedBytes, n)
		}
		if !r.Gzip {
			t.Errorf("%s: Gzip = false", r.Key)
		}
		if !reflect.DeepEqual(r, quick[i]) {
			t.Errorf("%s: quick and full modes differ:\nfull  %+v\nquick %+v", r.Key, r, quick[i])
		}
		items += r.Records
	}
	if items != 3000 {
		t.Errorf("%d records in all, want 3000", items)
	}
	checkStats(t, &stats, full)
}

// checkStats checks that the live counters add up to the Results.
func checkStats(t *testing.T, s *pipeline.Stats, res []pipeline.Result) {
	t.Helper()
	var items, stored int64
	for _, r := range res {
		items += r.Records
		stored += r.StoredBytes
	}
	if got := s.Files.Load(); got != int64(len(res)) {
		t.Errorf("Stats.Files = %d, want %d", got, len(res))
	}
	if got := s.Items.Load(); got != items {
		t.Errorf("Stats.Items = %d, want %d (the sum of Records)", got, items)
	}
	if got := s.StoredBytes.Load(); got != stored {
		t.Errorf("Stats.StoredBytes = %d, want %d (the sum of StoredBytes)", got, stored)
	}
}

// badLines is a data file with good and bad records: lines 2 (empty set)
// and 4 (not JSON) are bad.
var badLines = []string{
	`{"Item":{"pk":{"S":"1"}}}`,
	`{"Item":{"pk":{"S":"2"},"s":{"SS":[]}}}`,
	`{"Item":{"pk":{"S":"3"}}}`,
	`not json`,
	`{"Item":{"pk":{"S":"5"},"n":{"N":"600"}}}`,
}

func TestRun_badRecords(t *testing.T) {
	st := storetest.NewMem()
	text := strings.Join(badLines, "\n") + "\n"
	tasks := []pipeline.Task{fileTask(t, st, "data/bad.json.gz", gz(t, text), 5)}
	var stats pipeline.Stats
	res := run(t, st, tasks, pipeline.Options{Stats: &stats})
	r := res[0]
	if r.Records != 5 || r.StreamErr != nil || r.IOErr != nil {
		t.Fatalf("Records = %d, StreamErr = %v, IOErr = %v; want 5, nil, nil", r.Records, r.StreamErr, r.IOErr)
	}
	if len(r.Problems) != 2 {
		t.Fatalf("Problems = %+v, want 2", r.Problems)
	}
	lineStart := func(line int) int64 { return int64(len(strings.Join(badLines[:line-1], "\n")) + 1) }
	for i, want := range []struct {
		line   int64
		reason string
	}{{2, "empty_set"}, {4, "syntax"}} {
		p := r.Problems[i]
		start := lineStart(int(want.line))
		end := start + int64(len(badLines[want.line-1]))
		if p.Kind != "decode_error" || p.Line != want.line || p.Reason != want.reason || p.Message == "" ||
			p.Offset < start || p.Offset > end {
			t.Errorf("problem %d = %+v; want decode_error at line %d, offset in [%d, %d], reason %s", i, p, want.line, start, end, want.reason)
		}
	}
	if p := r.Problems[0]; p.Path == "" {
		t.Errorf("the empty set's problem has no Path: %+v", p)
	}
	checkStats(t, &stats, res)

	quick := run(t, st, tasks, pipeline.Options{Quick: true})
	if quick[0].Records != 5 || len(quick[0].Problems) != 0 {
		t.Errorf("quick: %+v", quick[0])
	}
}

func TestRun_maxProblems(t *testing.T) {
	st := storetest.NewMem()
	var b strings.Builder
	for i := range 50 {
		if i%2 == 0 {
			b.WriteString(`{"Item":{"pk":{"S":"x"},"n":{"N":"1e"}}}` + "\n")
		} else {
			b.WriteString(`{"Item":{"pk":{"S":"x"}}}` + "\n")
		}
	}
	tasks := []pipeline.Task{fileTask(t, st, "data/a.json.gz", gz(t, b.String()), 50)}
	for _, tt := range []struct{ max, kept, more int }{{0, 25, 0}, {3, 3, 22}, {25, 25, 0}, {24, 24, 1}} {
		r := run(t, st, tasks, pipeline.Options{MaxProblemsPerFile: tt.max})[0]
		if len(r.Problems) != tt.kept || r.MoreProblems != int64(tt.more) {
			t.Errorf("MaxProblemsPerFile %d: %d problems, %d more; want %d, %d", tt.max, len(r.Problems), r.MoreProblems, tt.kept, tt.more)
		}
		for i, p := range r.Problems {
			if p.Line != int64(2*i+1) || p.Reason != "bad_number" {
				t.Errorf("problem %d = %+v, want bad_number at line %d", i, p, 2*i+1)
			}
		}
	}
}

func TestRun_check(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 500, Files: 3, Seed: 3, MaxItemBytes: 1024})
	var calls atomic.Int64
	opt := pipeline.Options{
		Workers: 3,
		Check: func(_ *pipeline.Task, r *codec.Record) []pipeline.Problem {
			n := calls.Add(1)
			if r.Item == nil {
				return []pipeline.Problem{{Kind: "bad", Message: "no item"}}
			}
			pk, _ := r.Item.Get("pk")
			switch {
			case strings.HasSuffix(pk.Str, "7"):
				// The record's strings are valid only during the call.
				return []pipeline.Problem{{Kind: "pk_ends_in_7", Actual: strings.Clone(pk.Str)}}
			case n%97 == 0:
				return []pipeline.Problem{{Kind: "keeps_line", Line: 12345}}
			}
			return nil
		},
	}
	res := run(t, st, tasks, opt)
	if calls.Load() != 500 {
		t.Errorf("Check called %d times, want 500", calls.Load())
	}
	for _, r := range res {
		lines := strings.Split(strings.TrimSuffix(string(gunzip(t, get(t, st, r.Key))), "\n"), "\n")
		for _, p := range r.Problems {
			switch p.Kind {
			case "pk_ends_in_7":
				if p.Line < 1 || p.Line > int64(len(lines)) {
					t.Fatalf("%s: problem at line %d of %d", r.Key, p.Line, len(lines))
				}
				rec, err := ddbjson.DecodeRecord([]byte(lines[p.Line-1]), codec.KindFull)
				if err != nil {
					t.Fatal(err)
				}
				if pk, _ := rec.Item.Get("pk"); pk.Str != p.Actual {
					t.Errorf("%s: problem for pk %q at line %d, which holds %q", r.Key, p.Actual, p.Line, pk.Str)
				}
			case "keeps_line":
				if p.Line != 12345 {
					t.Errorf("a problem's own Line was replaced: %+v", p)
				}
			default:
				t.Errorf("unexpected problem %+v", p)
			}
		}
	}
}

func TestRun_workers(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 2000, Files: 12, Seed: 11, MaxItemBytes: 1024})
	// Make some files interesting: one bad record, one truncated, one
	// missing.
	data := gunzip(t, get(t, st, tasks[1].Key))
	data = bytes.Replace(data, []byte(`{"Item":`), []byte(`{"Item":{"x":{"SS":[]}},"Item2":`), 1)
	put(t, st, tasks[1].Key, gz(t, string(data)))
	tr := get(t, st, tasks[2].Key)
	put(t, st, tasks[2].Key, tr[:len(tr)/2])
	tasks = append(tasks, pipeline.Task{Key: "data/missing.json.gz"})
	for _, quick := range []bool{false, true} {
		want := run(t, st, tasks, pipeline.Options{Workers: 1, Quick: quick})
		if len(want[1].Problems) == 0 && !quick || want[2].StreamErr == nil || !want[len(want)-1].Missing {
			t.Fatalf("the mutations did not show: %+v %+v %+v", want[1], want[2], want[len(want)-1])
		}
		for _, workers := range []int{2, 8, 0} {
			var stats pipeline.Stats
			got := run(t, st, tasks, pipeline.Options{Workers: workers, Quick: quick, Stats: &stats})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("quick=%v: %d workers give other results than 1", quick, workers)
			}
			checkStats(t, &stats, got)
		}
	}
}

func TestRun_missing(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 10, Files: 2, Seed: 1})
	tasks = append([]pipeline.Task{{Key: "nope/x.json.gz", File: manifest.File{ItemCount: 3}}}, tasks...)
	var stats pipeline.Stats
	res := run(t, st, tasks, pipeline.Options{Stats: &stats})
	if r := res[0]; !r.Missing || r.IOErr != nil || r.StreamErr != nil || r.Records != 0 || r.StoredBytes != 0 {
		t.Errorf("missing file: %+v", r)
	}
	for _, r := range res[1:] {
		if r.Missing || r.Records != r.File.ItemCount {
			t.Errorf("%s: %+v", r.Key, r)
		}
	}
	checkStats(t, &stats, res)
}

// faultStore wraps a Store: Open of openErrKey fails with openErr, and
// reads of every object fail with readErr after failAfter bytes (if
// readErr is set).
type faultStore struct {
	store.Store
	openErrKey string
	openErr    error
	failAfter  int64
	readErr    error
}

func (s *faultStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if key == s.openErrKey {
		return nil, s.openErr
	}
	rc, err := s.Store.Open(ctx, key)
	if err != nil || s.readErr == nil {
		return rc, err
	}
	return &faultReader{rc: rc, left: s.failAfter, err: s.readErr}, nil
}

type faultReader struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (r *faultReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, r.err
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	return n, err
}

func (r *faultReader) Close() error { return r.rc.Close() }

func TestRun_ioError(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 400, Files: 1, Seed: 5, MaxItemBytes: 4096})
	size := int64(len(get(t, st, tasks[0].Key)))
	injected := errors.New("connection reset")
	for _, quick := range []bool{false, true} {
		for _, after := range []int64{0, 1, 2, 10, 11, 100, size / 2, size - 9, size - 1} {
			t.Run(fmt.Sprintf("quick=%v/after=%d", quick, after), func(t *testing.T) {
				fs := &faultStore{Store: st, failAfter: after, readErr: injected}
				var stats pipeline.Stats
				res := run(t, fs, tasks, pipeline.Options{Quick: quick, Stats: &stats})
				r := res[0]
				if !errors.Is(r.IOErr, injected) {
					t.Errorf("IOErr = %v, want the store's error", r.IOErr)
				}
				if r.StreamErr != nil || r.Missing {
					t.Errorf("StreamErr = %v, Missing = %v; want neither", r.StreamErr, r.Missing)
				}
				if errors.Is(r.IOErr, codec.ErrCompressed) {
					t.Errorf("IOErr %v is taken for a corrupt stream", r.IOErr)
				}
				checkStats(t, &stats, res)
			})
		}
	}
	t.Run("after a stream error", func(t *testing.T) {
		// A member with a bad CRC, then one the store fails to deliver:
		// the file could not be read, whatever gzip said first.
		first := gz(t, `{"Item":{"pk":{"S":"1"}}}`+"\n")
		first[len(first)-8] ^= 1
		noise := make([]byte, 600<<10)
		for i := range noise {
			noise[i] = byte(i*7919 + i>>8*31)
		}
		data := append(first, gz(t, string(noise))...)
		mem := storetest.NewMem()
		tasks := []pipeline.Task{fileTask(t, mem, "data/a.json.gz", data, 1)}
		for _, after := range []int64{int64(len(first)) + 100, int64(len(data)) - 100} {
			for _, quick := range []bool{false, true} {
				var stats pipeline.Stats
				fs := &faultStore{Store: mem, failAfter: after, readErr: injected}
				res := run(t, fs, tasks, pipeline.Options{Quick: quick, Stats: &stats})
				if r := res[0]; !errors.Is(r.IOErr, injected) || r.StoredBytes != after {
					t.Errorf("quick=%v, fail after %d: IOErr = %v, StoredBytes = %d", quick, after, r.IOErr, r.StoredBytes)
				}
				checkStats(t, &stats, res)
			}
		}
	})
	t.Run("open", func(t *testing.T) {
		denied := fmt.Errorf("open %s: access denied", tasks[0].Key)
		fs := &faultStore{Store: st, openErrKey: tasks[0].Key, openErr: denied}
		r := run(t, fs, tasks, pipeline.Options{})[0]
		if r.IOErr != denied || r.Missing || r.StreamErr != nil {
			t.Errorf("got %+v, want IOErr %v", r, denied)
		}
	})
	t.Run("open not exist", func(t *testing.T) {
		fs := &faultStore{Store: st, openErrKey: tasks[0].Key, openErr: fmt.Errorf("wrapped: %w", store.ErrNotExist)}
		if r := run(t, fs, tasks, pipeline.Options{})[0]; !r.Missing || r.IOErr != nil {
			t.Errorf("got %+v, want Missing", r)
		}
	})
}

func TestRun_truncatedGzip(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 600, Files: 1, Seed: 9, MaxItemBytes: 2048})
	whole := get(t, st, tasks[0].Key)
	for _, cut := range []int{5, 10, 11, len(whole) / 3, len(whole) / 2, len(whole) - 8, len(whole) - 1} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			data := whole[:cut]
			put(t, st, tasks[0].Key, data)
			// What a reader gets before the error: complete lines only.
			zr, err := codec.Open(bytes.NewReader(data))
			var prefix []byte
			if err == nil {
				prefix, err = io.ReadAll(zr)
			}
			if !errors.Is(err, codec.ErrCompressed) {
				t.Fatalf("reference read: %v", err)
			}
			wantRecords := int64(bytes.Count(prefix, []byte("\n")))
			for _, quick := range []bool{false, true} {
				var stats pipeline.Stats
				res := run(t, st, tasks, pipeline.Options{Quick: quick, Stats: &stats})
				r := res[0]
				if !errors.Is(r.StreamErr, codec.ErrCompressed) || !errors.Is(r.StreamErr, io.ErrUnexpectedEOF) {
					t.Errorf("quick=%v: StreamErr = %v, want ErrCompressed and io.ErrUnexpectedEOF", quick, r.StreamErr)
				}
				if r.IOErr != nil || !r.Gzip || len(r.Problems) != 0 {
					t.Errorf("quick=%v: %+v", quick, r)
				}
				if r.Records != wantRecords {
					t.Errorf("quick=%v: Records = %d, want %d lines before the error", quick, r.Records, wantRecords)
				}
				if r.StoredBytes != int64(cut) || r.MD5 != md5.Sum(data) {
					t.Errorf("quick=%v: StoredBytes = %d, MD5 %x; want %d, the MD5 of every stored byte", quick, r.StoredBytes, r.MD5, cut)
				}
				checkStats(t, &stats, res)
			}
		})
	}
	t.Run("corrupt crc", func(t *testing.T) {
		data := bytes.Clone(whole)
		data[len(data)-8] ^= 0xff
		put(t, st, tasks[0].Key, data)
		r := run(t, st, tasks, pipeline.Options{})[0]
		if !errors.Is(r.StreamErr, codec.ErrCompressed) || r.IOErr != nil || r.MD5 != md5.Sum(data) {
			t.Errorf("got %+v", r)
		}
	})
}

func TestRun_noDecoder(t *testing.T) {
	st := storetest.NewMem()
	tasks := []pipeline.Task{fileTask(t, st, "data/a.ion.gz", gz(t, "$ion_1_0 {Item:{pk:\"1\"}}\n{Item:{pk:\"2\"}}\n"), 2)}
	r := run(t, st, tasks, pipeline.Options{Format: codec.FormatION})[0]
	if !errors.Is(r.Undecoded, codec.ErrNoDecoder) || r.IOErr != nil || r.StreamErr != nil ||
		r.Records != 2 || r.MD5 != md5.Sum(get(t, st, "data/a.ion.gz")) {
		t.Errorf("full mode: want the records counted and Undecoded = ErrNoDecoder; got %+v", r)
	}
	r = run(t, st, tasks, pipeline.Options{Format: codec.FormatION, Quick: true})[0]
	if r.IOErr != nil || r.StreamErr != nil || r.Records != 2 || r.MD5 != md5.Sum(get(t, st, "data/a.ion.gz")) {
		t.Errorf("quick mode: %+v", r)
	}
}

func TestRun_unterminatedLastLine(t *testing.T) {
	st := storetest.NewMem()
	text := `{"Item":{"pk":{"S":"1"}}}` + "\n" + `{"Item":{"pk":{"S":"2"}}}` + "\n" + `{"Item":{"pk":{"S":"3"}}}`
	tasks := []pipeline.Task{
		fileTask(t, st, "data/a.json.gz", gz(t, text), 3),
		fileTask(t, st, "data/plain.json", []byte(text), 3),
		fileTask(t, st, "data/empty.json.gz", gz(t, ""), 0),
		fileTask(t, st, "data/empty.json", nil, 0),
		fileTask(t, st, "data/one.json", []byte(`{"Item":{"k":{"N":"1"}}}`), 1),
	}
	for _, quick := range []bool{false, true} {
		res := run(t, st, tasks, pipeline.Options{Quick: quick})
		for i, r := range res {
			if r.Records != r.File.ItemCount || len(r.Problems) > 0 || r.StreamErr != nil || r.IOErr != nil {
				t.Errorf("quick=%v: %s: %+v", quick, r.Key, r)
			}
			if want := strings.HasSuffix(r.Key, ".gz"); r.Gzip != want {
				t.Errorf("quick=%v: %s: Gzip = %v", quick, r.Key, r.Gzip)
			}
			if i == 1 && r.UncompressedBytes != int64(len(text)) {
				t.Errorf("quick=%v: plain file: UncompressedBytes = %d, want %d", quick, r.UncompressedBytes, len(text))
			}
		}
	}
}

// slowStore makes every read take a while and signals the first one.
type slowStore struct {
	store.Store
	once    sync.Once
	reading chan struct{}
}

func (s *slowStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &slowReader{rc: rc, s: s}, nil
}

type slowReader struct {
	rc io.ReadCloser
	s  *slowStore
}

func (r *slowReader) Read(p []byte) (int, error) {
	r.s.once.Do(func() { close(r.s.reading) })
	time.Sleep(200 * time.Microsecond)
	return r.rc.Read(p[:min(len(p), 64)])
}

func (r *slowReader) Close() error { return r.rc.Close() }

func TestRun_cancel(t *testing.T) {
	st, tasks := genExport(t, gen.Options{Items: 2000, Files: 16, Seed: 2, MaxItemBytes: 1024})
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := pipeline.Run(ctx, st, tasks, pipeline.Options{})
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Errorf("Run = %d results, %v; want context.Canceled", len(res), err)
		}
	})
	for _, quick := range []bool{false, true} {
		t.Run(fmt.Sprintf("during/quick=%v", quick), func(t *testing.T) {
			slow := &slowStore{Store: st, reading: make(chan struct{})}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := pipeline.Run(ctx, slow, tasks, pipeline.Options{Workers: 2, Quick: quick})
				done <- err
			}()
			<-slow.reading
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
}

func BenchmarkRun(b *testing.B) {
	st, tasks := genExport(b, gen.Options{Items: 6000, Files: 4, Seed: 42})
	var stored int64
	for _, tk := range tasks {
		o, err := st.Stat(context.Background(), tk.Key)
		if err != nil {
			b.Fatal(err)
		}
		stored += o.Size
	}
	for _, mode := range []struct {
		name  string
		quick bool
	}{{"full", false}, {"quick", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(stored)
			b.ReportAllocs()
			for b.Loop() {
				res, err := pipeline.Run(context.Background(), st, tasks, pipeline.Options{Quick: mode.quick})
				if err != nil {
					b.Fatal(err)
				}
				if res[0].Records != tasks[0].File.ItemCount {
					b.Fatalf("Records = %d", res[0].Records)
				}
			}
		})
	}
}
