package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"

	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// Parallel reads in the tests: 64 KiB chunks above 256 KiB, 4 at a time.
const (
	chunkSize = 64 << 10
	threshold = 256 << 10
)

func TestOpen_parallel(t *testing.T) {
	env := newFaultEnv(t, s3store.Options{})
	bucket := env.direct.Bucket()
	// Each store gets a transport of its own, so that the leak test can
	// close its idle connections.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	storeWith := func(opt s3store.Options) *s3store.Store {
		opt.ParallelThreshold = cmpOr(opt.ParallelThreshold, threshold)
		opt.ChunkSize = cmpOr(opt.ChunkSize, chunkSize)
		opt.RetryDelay = time.Millisecond
		opt.MaxRetryDelay = 10 * time.Millisecond
		client := env.srv.Client(env.proxy.URL, func(o *s3api.Options) {
			o.Retryer = aws.NopRetryer{}
			o.HTTPClient = &http.Client{Transport: transport}
		})
		return s3store.New(client, bucket, "p", opt)
	}
	s := storeWith(s3store.Options{})

	const key = "data/big.json.gz"
	data := randomBytes(32*chunkSize+12345, 11) // 33 chunks, the last short
	storetest.Put(t, env.direct, key, data)
	etag := `"` + statETag(t, env.direct, key) + `"`
	get := s3test.GetOf("p/" + key)
	rng := func(i int) string { // the Range of chunk i
		off := i * chunkSize
		if end := off + chunkSize; end < len(data) {
			return fmt.Sprintf("bytes=%d-%d", off, end-1)
		}
		return fmt.Sprintf("bytes=%d-", off)
	}
	ranged := func(r string) func(*http.Request) bool {
		return func(req *http.Request) bool { return get(req) && req.Header.Get("Range") == r }
	}
	first := func(req *http.Request) bool { return get(req) && req.Header.Get("Range") == "" }
	// clean are the GETs of a read without faults.
	clean := []string{"||"}
	for i := 1; i < 33; i++ {
		clean = append(clean, rng(i)+"|"+etag+"|")
	}
	// read reads key through st and checks the bytes, the faults all
	// applied and the GETs seen (in any order: chunks are concurrent).
	read := func(t *testing.T, st *s3store.Store, want []string) {
		t.Helper()
		before := len(gets(env.proxy))
		got, err := readAll(st, key)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes that differ from the object's %d", len(got), len(data))
		}
		if n := env.proxy.Pending(); n != 0 {
			t.Errorf("%d faults not applied", n)
		}
		seen := gets(env.proxy)[before:]
		slices.Sort(seen)
		want = slices.Clone(want)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Errorf("GETs (sorted) =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
		}
	}

	t.Run("clean", func(t *testing.T) {
		// One GET gives the size and ETag (and chunk 0); every other
		// chunk is one ranged GET pinned to that ETag.
		read(t, s, clean)
	})

	t.Run("concurrent", func(t *testing.T) {
		// The server holds chunks 1 to 3 until all three are asked for:
		// a reader that fetched one chunk at a time would wait out
		// ReadTimeout on chunk 1 and ask for it again.
		release := make(chan struct{})
		st := storeWith(s3store.Options{ReadTimeout: 20 * time.Second})
		env.proxy.Add(
			s3test.Fault{Match: ranged(rng(1)), Hold: release},
			s3test.Fault{Match: ranged(rng(2)), Hold: release},
			s3test.Fault{Match: ranged(rng(3)), Hold: release},
		)
		before := len(env.proxy.Requests())
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			// Release once the three held requests are at the server.
			for env.proxy.Pending() != 0 {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
			close(release)
		}()
		want := slices.Clone(clean)
		for i := 1; i <= 3; i++ {
			want[i] += "hold"
		}
		read(t, st, want)
		most := 0
		for _, r := range env.proxy.Requests()[before:] {
			if r.Fault == "hold" {
				most = max(most, r.InFlight)
			}
		}
		if most < 3 {
			t.Errorf("at most %d requests in flight when the held chunks came; want 3", most)
		}
	})

	t.Run("faults", func(t *testing.T) {
		// Cuts (the first body within chunk 0, a chunk's body, the last
		// chunk's), a 500 and throttling on some chunks: each chunk
		// resumes or retries its own range.
		last := 32
		env.proxy.Add(
			s3test.Fault{Match: first, CutAfter: 1000},
			s3test.Fault{Match: ranged(rng(3)), CutAfter: 10_000},
			s3test.Fault{Match: ranged(rng(5)), Status: 500, Code: "InternalError"},
			s3test.Fault{Match: ranged(rng(7)), Status: 503, Code: "SlowDown", Times: 3},
			s3test.Fault{Match: ranged(rng(last)), CutAfter: 100},
		)
		want := []string{"||cut after 1000", fmt.Sprintf("bytes=1000-%d|%s|", chunkSize-1, etag)}
		for i := 1; i <= last; i++ {
			switch i {
			case 3:
				want = append(want, rng(3)+"|"+etag+"|cut after 10000",
					fmt.Sprintf("bytes=%d-%d|%s|", 3*chunkSize+10_000, 4*chunkSize-1, etag))
			case 5:
				want = append(want, rng(5)+"|"+etag+"|500 InternalError", rng(5)+"|"+etag+"|")
			case 7:
				want = append(want, repeat(rng(7)+"|"+etag+"|503 SlowDown", 3)...)
				want = append(want, rng(7)+"|"+etag+"|")
			case last:
				want = append(want, rng(last)+"|"+etag+"|cut after 100",
					fmt.Sprintf("bytes=%d-|%s|", last*chunkSize+100, etag))
			default:
				want = append(want, rng(i)+"|"+etag+"|")
			}
		}
		read(t, s, want)
	})

	t.Run("stall", func(t *testing.T) {
		// A chunk whose body stops: ReadTimeout drops it, and the chunk
		// resumes from the byte reached.
		st := storeWith(s3store.Options{ReadTimeout: 200 * time.Millisecond})
		env.proxy.Add(s3test.Fault{Match: ranged(rng(9)), CutAfter: 4096, Stall: true})
		before := len(gets(env.proxy))
		got, err := readAll(st, key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read through a stall: %d bytes, %v", len(got), err)
		}
		seen := gets(env.proxy)[before:]
		for _, w := range []string{rng(9) + "|" + etag + "|stall after 4096",
			fmt.Sprintf("bytes=%d-%d|%s|", 9*chunkSize+4096, 10*chunkSize-1, etag)} {
			if !slices.Contains(seen, w) {
				t.Errorf("GETs =\n%s\nwant among them %s", strings.Join(seen, "\n"), w)
			}
		}
	})

	t.Run("changed", func(t *testing.T) {
		const key = "data/changing.json.gz"
		v1 := randomBytes(len(data), 12)
		v2 := randomBytes(len(data), 13) // same size, other bytes
		get := s3test.GetOf("p/" + key)
		for _, tt := range []struct {
			name  string
			fault func() s3test.Fault
			upTo  int // the read fails at this byte or before
			then  []byte
		}{
			{"replaced between chunk reads", func() s3test.Fault {
				return s3test.Fault{Match: func(r *http.Request) bool { return get(r) && r.Header.Get("Range") == rng(4) },
					Status: 500, Code: "InternalError", After: func() { storetest.Put(t, env.direct, key, v2) }}
			}, 4 * chunkSize, v2},
			{"a chunk of another ETag", func() s3test.Fault {
				return s3test.Fault{Match: func(r *http.Request) bool { return get(r) && r.Header.Get("Range") == rng(2) },
					ETag: `"0123456789abcdef0123456789abcdef"`}
			}, 2 * chunkSize, v1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				storetest.Put(t, env.direct, key, v1)
				env.proxy.Add(tt.fault())
				got, err := readAll(s, key)
				if !errors.Is(err, s3store.ErrChanged) {
					t.Fatalf("read after the object changed: %d bytes, error %v; want ErrChanged", len(got), err)
				}
				if len(got) > tt.upTo || !bytes.Equal(got, v1[:len(got)]) {
					t.Errorf("read %d bytes before the error; want at most %d, all of the first version", len(got), tt.upTo)
				}
				if msg := err.Error(); !strings.Contains(msg, "s3://") || strings.Contains(msg, "\n") {
					t.Errorf("error %q: want one line naming the object", msg)
				}
				if n := env.proxy.Pending(); n != 0 {
					t.Errorf("%d faults not applied", n)
				}
				if got, err := readAll(s, key); err != nil || !bytes.Equal(got, tt.then) {
					t.Errorf("read again: %d bytes, %v; want the object as it is now", len(got), err)
				}
			})
		}
	})

	t.Run("early close", func(t *testing.T) {
		// Chunks 1 to 3 are held by the server; the caller reads a
		// little of chunk 0 and closes. Close must end the held requests
		// (ReadTimeout is far away) and every goroutine of the read.
		st := storeWith(s3store.Options{ReadTimeout: 10 * time.Minute})
		hold := make(chan struct{})
		defer close(hold)
		settle(t, transport, -1)
		base := runtime.NumGoroutine()
		before := len(env.proxy.Requests())
		env.proxy.Add(
			s3test.Fault{Match: ranged(rng(1)), Hold: hold},
			s3test.Fault{Match: ranged(rng(2)), Hold: hold},
			s3test.Fault{Match: ranged(rng(3)), Hold: hold},
		)
		rc, err := st.Open(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1000)
		if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, data[:1000]) {
			t.Fatalf("first 1000 bytes: %v", err)
		}
		// Wait (without a deadline: the test's own) until the three
		// held requests are at the server.
		for env.proxy.Pending() != 0 {
			time.Sleep(time.Millisecond)
		}
		closed := make(chan error, 1)
		go func() { closed <- rc.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Close still waiting after 30s for requests held by the server (ReadTimeout is 10m)")
		}
		if _, err := rc.Read(buf); err == nil {
			t.Error("Read after Close succeeded")
		}
		settle(t, transport, base)
		held := 0
		for _, r := range env.proxy.Requests()[before:] {
			if r.Fault == "hold" {
				held++
			}
		}
		if held != 3 {
			t.Errorf("%d requests held; want 3", held)
		}
	})

	t.Run("sizes", func(t *testing.T) {
		// Up to the threshold (and with parallel reads off), one GET as
		// before; one byte over it, chunks, the last of one byte.
		for _, tt := range []struct {
			name string
			size int
			opt  s3store.Options
			want []string
		}{
			{"empty", 0, s3store.Options{}, []string{"||"}},
			{"one chunk", chunkSize, s3store.Options{ParallelThreshold: 1}, []string{"||"}},
			{"threshold", threshold, s3store.Options{}, []string{"||"}},
			{"threshold+1", threshold + 1, s3store.Options{}, nil},
			{"off", len(data), s3store.Options{ParallelThreshold: -1}, []string{"||"}},
			{"parallel 1", len(data), s3store.Options{Parallel: 1}, []string{"||"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				const key = "data/sized"
				obj := randomBytes(tt.size, uint64(tt.size))
				storetest.Put(t, env.direct, key, obj)
				etag := `"` + statETag(t, env.direct, key) + `"`
				want := tt.want
				if want == nil {
					want = []string{"||"}
					for i := 1; i*chunkSize < tt.size; i++ {
						r := fmt.Sprintf("bytes=%d-%d", i*chunkSize, (i+1)*chunkSize-1)
						if (i+1)*chunkSize >= tt.size {
							r = fmt.Sprintf("bytes=%d-", i*chunkSize)
						}
						want = append(want, r+"|"+etag+"|")
					}
				}
				before := len(gets(env.proxy))
				got, err := readAll(storeWith(tt.opt), key)
				if err != nil || !bytes.Equal(got, obj) {
					t.Fatalf("read: %d bytes, %v; want the object's %d", len(got), err, len(obj))
				}
				seen := gets(env.proxy)[before:]
				slices.Sort(seen)
				slices.Sort(want)
				if !slices.Equal(seen, want) {
					t.Errorf("GETs (sorted) =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	})
}

func cmpOr(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func statETag(t *testing.T, s *s3store.Store, key string) string {
	t.Helper()
	o, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return o.ETag
}

// settle closes the idle connections of the client's transport and the
// proxy's (http.DefaultTransport) until no goroutine of package s3 is left
// and, with base ≥ 0, at most base goroutines run. It waits as long as the
// test may run, and reports the goroutines left if they do not go.
func settle(t *testing.T, client *http.Transport, base int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		client.CloseIdleConnections()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		n := runtime.NumGoroutine()
		ours := storeGoroutines()
		if len(ours) == 0 && (base < 0 || n <= base) {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before; %d of package s3:\n%s", n, base, len(ours), buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// storeGoroutines returns the stacks of the goroutines running code of
// package s3 (not of its tests).
func storeGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "ddbexport/store/s3.") {
			out = append(out, g)
		}
	}
	return out
}
