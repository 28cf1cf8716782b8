package verify_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/store/storetest"
	"github.com/ddbexport/ddbexport/verify"
)

// s3Export is a generated export in a bucket of a local S3 server, with a
// fault proxy in front of the server. direct sets objects up; proxied is
// the store verify reads through (with no SDK retries, so every recovery
// is the store's, and a short read timeout, so a stall ends quickly).
type s3Export struct {
	srv     *s3test.Server
	proxy   *s3test.Proxy
	direct  *s3store.Store
	proxied *s3store.Store
	ref     manifest.Ref
	sum     *manifest.Summary
	files   []manifest.File
}

func newS3Export(t *testing.T, srv *s3test.Server, opt gen.Options) *s3Export {
	t.Helper()
	bucket := srv.NewBucket(t)
	proxy := s3test.NewProxy(t, srv)
	noRetry := func(o *s3api.Options) { o.Retryer = aws.NopRetryer{} }
	e := &s3Export{
		srv:    srv,
		proxy:  proxy,
		direct: s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{}),
		proxied: s3store.New(srv.Client(proxy.URL, noRetry), bucket, "", s3store.Options{
			RetryDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
		}),
	}
	var err error
	e.ref, e.sum, err = gen.Write(context.Background(), e.direct, opt, func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		t.Fatal(err)
	}
	files, _, _, err := manifest.ReadFiles(context.Background(), e.direct, e.ref.Key(manifest.FilesName))
	if err != nil {
		t.Fatal(err)
	}
	e.files = files
	return e
}

func (e *s3Export) dataKey(t *testing.T, i int) string {
	t.Helper()
	k, err := e.ref.DataKey(e.sum.S3Prefix, e.files[i].DataFileS3Key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *s3Export) verify(t *testing.T, st store.Store, opt verify.Options) (*verify.Report, string) {
	t.Helper()
	opt.Location = "s3://test"
	rep, err := verify.Verify(context.Background(), st, e.ref, opt)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return rep, b.String()
}

// TestVerify_S3 runs the S3 cases of package verify on one server.
func TestVerify_S3(t *testing.T) {
	srv := s3test.Start(t)
	t.Run("faults", func(t *testing.T) { testS3Faults(t, srv) })
}

// testS3Faults: cut bodies, 5xx, SlowDown and stalls give the report of a
// clean run, byte for byte; an object replaced between two ranged reads is
// exactly one changed_object finding (exit 1), not an I/O error.
func testS3Faults(t *testing.T, srv *s3test.Server) {
	e := newS3Export(t, srv, gen.Options{Items: 3000, Files: 3, Seed: 61, Prefix: "exp"})
	opt := verify.Options{Workers: 2}
	clean, want := e.verify(t, e.proxied, opt)
	if clean.ExitCode() != 0 || clean.Totals.Items != 3000 || clean.Totals.FilesRead != 3 {
		t.Fatalf("clean run: exit %d, totals %+v\n%s", clean.ExitCode(), clean.Totals, want)
	}
	// Each data file is larger than the cuts below, so every fault
	// lands inside a body.
	for i := range e.files {
		if o, err := e.direct.Stat(context.Background(), e.dataKey(t, i)); err != nil || o.Size < 20_000 {
			t.Fatalf("data file %d: %+v, %v; want more than 20000 bytes", i, o, err)
		}
	}
	k0, k1, k2 := e.dataKey(t, 0), e.dataKey(t, 1), e.dataKey(t, 2)
	for _, tt := range []struct {
		name   string
		faults []s3test.Fault
	}{
		{"cut bodies", []s3test.Fault{
			{Match: s3test.GetOf(k0), CutAfter: 1},
			{Match: s3test.GetOf(k0), CutAfter: 5000, Times: 2},
			{Match: s3test.GetOf(k1), CutAfter: 12_345},
		}},
		{"5xx and SlowDown", []s3test.Fault{
			{Match: s3test.GetOf(k0), Status: 500, Code: "InternalError"},
			{Match: s3test.GetOf(k1), CutAfter: 7000},
			{Match: s3test.GetOf(k1), Status: 503, Code: "SlowDown", Times: 12},
			{Match: s3test.GetOf(k2), Status: 503, Code: "SlowDown", Times: 3},
		}},
		{"stall", []s3test.Fault{{Match: s3test.GetOf(k2), CutAfter: 9000, Stall: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.proxy.Add(tt.faults...)
			_, got := e.verify(t, e.proxied, opt)
			if n := e.proxy.Pending(); n != 0 {
				t.Errorf("%d faults not applied", n)
			}
			if got != want {
				t.Errorf("report after faults differs from the clean run's:\n%s\nwant\n%s", got, want)
			}
		})
	}

	t.Run("object replaced between two ranged reads", func(t *testing.T) {
		original := storetest.Get(t, e.direct, k1)
		replaced := slices.Clone(original)
		replaced[len(replaced)/2] ^= 1
		t.Cleanup(func() { storetest.Put(t, e.direct, k1, original) })
		e.proxy.Add(s3test.Fault{Match: s3test.GetOf(k1), CutAfter: 4000, After: func() { storetest.Put(t, e.direct, k1, replaced) }})
		rep, out := e.verify(t, e.proxied, opt)
		if len(rep.Findings) != 1 || len(rep.Errors) != 0 {
			t.Fatalf("findings %+v, errors %+v; want one changed_object finding and no error\n%s", rep.Findings, rep.Errors, out)
		}
		f := rep.Findings[0]
		if f.Kind != verify.KindChangedObject || f.File != e.files[1].DataFileS3Key || f.ManifestLine != int64(e.files[1].Line) || f.Message == "" {
			t.Errorf("finding %+v; want changed_object of %s, manifest line %d", f, e.files[1].DataFileS3Key, e.files[1].Line)
		}
		if rep.ExitCode() != verify.ExitFindings || rep.Status != "findings" {
			t.Errorf("exit %d, status %s; want 1, findings", rep.ExitCode(), rep.Status)
		}
		// The other files are read whole and counted; the changed one is not.
		if rep.Totals.FilesRead != 2 || rep.Totals.Items != clean.Totals.Items-e.files[1].ItemCount {
			t.Errorf("totals %+v; want the two other files counted", rep.Totals)
		}
	})
}

