package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ddbexport/ddbexport/store"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// faultEnv is a server, a fault proxy in front of it, and two stores of
// one bucket: direct (to set objects up) and through the proxy. The
// proxied client makes no retries of its own (aws.NopRetryer), so every
// recovery seen is the store's.
type faultEnv struct {
	srv     *s3test.Server
	proxy   *s3test.Proxy
	direct  *s3store.Store
	proxied *s3store.Store
}

func newFaultEnv(t *testing.T, opt s3store.Options) *faultEnv {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	proxy := s3test.NewProxy(t, srv)
	if opt.RetryDelay == 0 {
		opt.RetryDelay = time.Millisecond
	}
	if opt.MaxRetryDelay == 0 {
		opt.MaxRetryDelay = 10 * time.Millisecond
	}
	noRetry := func(o *s3api.Options) { o.Retryer = aws.NopRetryer{} }
	return &faultEnv{
		srv:     srv,
		proxy:   proxy,
		direct:  s3store.New(srv.Client(srv.URL), bucket, "p", s3store.Options{}),
		proxied: s3store.New(srv.Client(proxy.URL, noRetry), bucket, "p", opt),
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// readAll reads key through s in small reads, as a decoder would.
func readAll(s *s3store.Store, key string) ([]byte, error) {
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return out.Bytes(), err
		}
	}
}

// gets returns the GET requests the proxy saw, as "Range|If-Match|fault".
func gets(p *s3test.Proxy) []string {
	var out []string
	for _, r := range p.Requests() {
		if r.Method == http.MethodGet && !strings.HasSuffix(r.Path, "/") {
			out = append(out, r.Range+"|"+r.IfMatch+"|"+r.Fault)
		}
	}
	return out
}

func TestOpen_resumesAfterFaults(t *testing.T) {
	env := newFaultEnv(t, s3store.Options{})
	data := randomBytes(3<<20+12345, 1)
	const key = "data/part.json.gz"
	storetest.Put(t, env.direct, key, data)
	o, err := env.direct.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	etag := `"` + o.ETag + `"`
	get := s3test.GetOf("p/" + key)

	for _, tt := range []struct {
		name   string
		faults []s3test.Fault
		want   []string // the GETs the proxy sees
	}{
		{"clean", nil, []string{"||"}},
		{"cut once", []s3test.Fault{{Match: get, CutAfter: 100_000}},
			[]string{"||cut after 100000", "bytes=100000-|" + etag + "|"}},
		{"cut at the first byte, then in the resumed body twice",
			[]s3test.Fault{{Match: get, CutAfter: 1}, {Match: get, CutAfter: 1 << 20, Times: 2}},
			[]string{"||cut after 1", "bytes=1-|" + etag + "|cut after 1048576", "bytes=1048577-|" + etag + "|cut after 1048576", "bytes=2097153-|" + etag + "|"}},
		{"500 on the first request", []s3test.Fault{{Match: get, Status: 500, Code: "InternalError"}},
			[]string{"||500 InternalError", "||"}},
		{"cut, then 500 and 503 on the resume", []s3test.Fault{
			{Match: get, CutAfter: 500_000},
			{Match: get, Status: 500, Code: "InternalError"},
			{Match: get, Status: 503, Code: "ServiceUnavailable"},
		}, []string{"||cut after 500000", "bytes=500000-|" + etag + "|500 InternalError", "bytes=500000-|" + etag + "|503 ServiceUnavailable", "bytes=500000-|" + etag + "|"}},
		{"SlowDown 15 times, more than MaxRetries", []s3test.Fault{
			{Match: get, CutAfter: 7},
			{Match: get, Status: 503, Code: "SlowDown", Times: 15},
		}, append(append([]string{"||cut after 7"}, repeat("bytes=7-|"+etag+"|503 SlowDown", 15)...), "bytes=7-|"+etag+"|")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env.proxy.Add(tt.faults...)
			before := len(gets(env.proxy))
			got, err := readAll(env.proxied, key)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes that differ from the object's %d", len(got), len(data))
			}
			if n := env.proxy.Pending(); n != 0 {
				t.Errorf("%d faults not applied", n)
			}
			if seen := gets(env.proxy)[before:]; strings.Join(seen, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("GETs =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestOpen_changedObject(t *testing.T) {
	env := newFaultEnv(t, s3store.Options{})
	v1 := randomBytes(1<<20, 1)
	v2 := randomBytes(1<<20, 2) // same size, other bytes
	const key = "data/f.json.gz"
	get := s3test.GetOf("p/" + key)
	for _, tt := range []struct {
		name   string
		faults []s3test.Fault
		then   []byte // what a new read gives
	}{
		{"replaced between two reads", []s3test.Fault{
			{Match: get, CutAfter: 300_000, After: func() { storetest.Put(t, env.direct, key, v2) }},
		}, v2},
		// A server that ignored If-Match would answer with another
		// version: the store's own ETag check must catch it.
		{"resumed answer of another ETag", []s3test.Fault{
			{Match: get, CutAfter: 300_000},
			{Match: get, ETag: `"0123456789abcdef0123456789abcdef"`},
		}, v1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Put(t, env.direct, key, v1)
			env.proxy.Add(tt.faults...)
			got, err := readAll(env.proxied, key)
			if !errors.Is(err, s3store.ErrChanged) {
				t.Fatalf("read after the object changed: %d bytes, error %v; want ErrChanged", len(got), err)
			}
			if len(got) != 300_000 || !bytes.Equal(got, v1[:300_000]) {
				t.Errorf("read %d bytes before the error; want the first 300000 of the first version", len(got))
			}
			if !strings.Contains(err.Error(), "s3://") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line naming the object", err)
			}
			if got, err := readAll(env.proxied, key); err != nil || !bytes.Equal(got, tt.then) {
				t.Errorf("read again: %d bytes, %v; want the object as it is now", len(got), err)
			}
		})
	}
	t.Run("removed", func(t *testing.T) {
		storetest.Put(t, env.direct, key, v1)
		env.proxy.Add(s3test.Fault{Match: s3test.GetOf("p/" + key), CutAfter: 10, After: func() {
			if err := env.direct.Remove(context.Background(), key); err != nil {
				t.Error(err)
			}
		}})
		if _, err := readAll(env.proxied, key); !errors.Is(err, s3store.ErrChanged) {
			t.Fatalf("read of an object removed meanwhile: error %v; want ErrChanged", err)
		}
	})
}

func TestOpen_givesUp(t *testing.T) {
	env := newFaultEnv(t, s3store.Options{MaxRetries: 3})
	const key = "k"
	data := randomBytes(100_000, 3)
	storetest.Put(t, env.direct, key, data)
	get := s3test.GetOf("p/" + key)
	env.proxy.Add(s3test.Fault{Match: get, CutAfter: 10}, s3test.Fault{Match: get, Status: 500, Code: "InternalError", Times: 4})
	got, err := readAll(env.proxied, key)
	if err == nil || !strings.Contains(err.Error(), "gave up after 4 attempts at byte 10 of 100000") {
		t.Fatalf("read: %d bytes, %v; want an error giving up after 4 attempts", len(got), err)
	}
	if !bytes.Equal(got, data[:10]) {
		t.Errorf("read %q before giving up; want the first 10 bytes", got)
	}
	// Faults that make progress do not use the budget up.
	env.proxy.Add(s3test.Fault{Match: get, CutAfter: 1000, Times: 20})
	if got, err := readAll(env.proxied, key); err != nil || !bytes.Equal(got, data) {
		t.Errorf("read through 20 cuts: %d bytes, %v", len(got), err)
	}
}

func TestOpen_stall(t *testing.T) {
	// The proxy stops sending and holds the connection until the client
	// gives up: ReadTimeout must end the wait and resume.
	env := newFaultEnv(t, s3store.Options{ReadTimeout: 200 * time.Millisecond})
	const key = "slow"
	data := randomBytes(200_000, 4)
	storetest.Put(t, env.direct, key, data)
	get := s3test.GetOf("p/" + key)
	env.proxy.Add(s3test.Fault{Match: get, CutAfter: 4096, Stall: true})
	got, err := readAll(env.proxied, key)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read through a stall: %d bytes, %v", len(got), err)
	}
	want := []string{"||stall after 4096", fmt.Sprintf("bytes=4096-|%s|", env.proxy.Requests()[len(env.proxy.Requests())-1].IfMatch)}
	if seen := gets(env.proxy); strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("GETs =\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestOpen_missing(t *testing.T) {
	env := newFaultEnv(t, s3store.Options{})
	// A 500 before the 404 is retried; the 404 is not.
	env.proxy.Add(s3test.Fault{Match: s3test.GetOf("p/nope"), Status: 500, Code: "InternalError"})
	_, err := env.proxied.Open(context.Background(), "nope")
	if !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("Open of a missing key: %v; want ErrNotExist", err)
	}
	if n := len(gets(env.proxy)); n != 2 {
		t.Errorf("%d GETs; want 2 (the 500, then the 404)", n)
	}
}
