package verify_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
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
	t.Run("listing", func(t *testing.T) { testS3Listing(t, srv) })
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

// putMultipart uploads data at key (a key of the whole bucket) as a
// multipart upload of parts parts, as a copy tool with another part size
// would: its ETag is "<hex>-<parts>".
func putMultipart(t *testing.T, e *s3Export, key string, data []byte, parts int) {
	t.Helper()
	ctx := context.Background()
	c := e.srv.Client(e.srv.URL)
	bucket := e.direct.Bucket()
	up, err := c.CreateMultipartUpload(ctx, &s3api.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	var done []s3types.CompletedPart
	const size = 5 << 20 // S3's smallest part but the last
	if len(data) <= (parts-1)*size {
		t.Fatalf("%d bytes: too few for %d parts of 5 MiB", len(data), parts)
	}
	for i := range parts {
		part := data[i*size:]
		if i < parts-1 {
			part = part[:size]
		}
		out, err := c.UploadPart(ctx, &s3api.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(part)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3api.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	o, err := e.direct.Stat(ctx, key)
	if err != nil || !strings.HasSuffix(o.ETag, "-"+strconv.Itoa(parts)) {
		t.Fatalf("multipart upload of %s: ETag %q, %v; want a -%d suffix", key, o.ETag, err, parts)
	}
}

type brief struct {
	Kind, File string
	Line       int64
}

func briefs(fs []verify.Finding) []brief {
	var out []brief
	for _, f := range fs {
		out = append(out, brief{f.Kind, f.File, f.ManifestLine})
	}
	return out
}

// testS3Listing: verify --listing finds missing, extra and replaced
// objects from the listing alone, warns about a multipart copy's ETag,
// and says what it did not check; a full verify does not hold the
// multipart copy's ETag against it.
func testS3Listing(t *testing.T, srv *s3test.Server) {
	e := newS3Export(t, srv, gen.Options{Items: 400, Files: 4, Seed: 62, Prefix: "lst"})
	rep, out := e.verify(t, e.direct, verify.Options{Listing: true})
	if rep.ExitCode() != 0 || len(rep.Warnings) != 0 || rep.Mode != "listing" || rep.Totals.FilesListed != 4 || rep.Totals.FilesRead != 0 || len(rep.NotChecked) != 1 {
		t.Fatalf("listing of an intact export in S3:\n%s", out)
	}

	ctx := context.Background()
	if err := e.direct.Remove(ctx, e.dataKey(t, 0)); err != nil {
		t.Fatal(err)
	}
	extra := e.ref.Dir() + "data/zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz"
	storetest.Put(t, e.direct, extra, []byte("not listed"))
	replaced := storetest.Get(t, e.direct, e.dataKey(t, 1))
	replaced[len(replaced)-1] ^= 1 // the gzip trailer's size: another object
	storetest.Put(t, e.direct, e.dataKey(t, 1), replaced)

	rep, out = e.verify(t, e.direct, verify.Options{Listing: true})
	name := func(i int) string { return e.files[i].DataFileS3Key }
	line := func(i int) int64 { return int64(e.files[i].Line) }
	wantFindings := []brief{
		{verify.KindMissingFile, name(0), line(0)},
		{verify.KindETagMismatch, name(1), line(1)},
		{verify.KindExtraFile, "lst/" + e.ref.Root[len("lst/"):] + e.ref.ID + "/data/zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz", 0},
	}
	if got := briefs(rep.Findings); !slices.Equal(got, wantFindings) || len(rep.Warnings) != 0 {
		t.Errorf("listing findings %+v, warnings %+v\nwant %+v\n%s", got, rep.Warnings, wantFindings, out)
	}
	if rep.ExitCode() != verify.ExitFindings || rep.Totals.FilesListed != 3 {
		t.Errorf("exit %d, totals %+v", rep.ExitCode(), rep.Totals)
	}
	full, out := e.verify(t, e.direct, verify.Options{})
	if !slices.ContainsFunc(full.Findings, func(f verify.Finding) bool { return f.Kind == verify.KindChecksumMismatch && f.File == name(1) }) {
		t.Errorf("full verify does not find the replaced object:\n%s", out)
	}

	// A data file copied as a multipart upload of 2 parts (S3's parts are
	// 5 MiB or more: one file of about 6 MiB): its ETag cannot be
	// compared by a listing (a warning), and a full verify, which reads
	// the content, says nothing about it.
	mp := newS3Export(t, srv, gen.Options{Items: 4200, Files: 1, Seed: 64, Prefix: "mp"})
	putMultipart(t, mp, mp.dataKey(t, 0), storetest.Get(t, mp.direct, mp.dataKey(t, 0)), 2)
	rep, out = mp.verify(t, mp.direct, verify.Options{Listing: true})
	want := []brief{{verify.WarnETagUnverifiable, mp.files[0].DataFileS3Key, int64(mp.files[0].Line)}}
	if got := briefs(rep.Warnings); rep.ExitCode() != 0 || !slices.Equal(got, want) || len(rep.Findings) != 0 {
		t.Errorf("listing of a multipart copy: exit %d, warnings %+v, want %+v\n%s", rep.ExitCode(), got, want, out)
	}
	full, out = mp.verify(t, mp.direct, verify.Options{})
	if full.ExitCode() != 0 || len(full.Warnings) != 0 || full.Totals.Items != 4200 {
		t.Errorf("full verify of a multipart copy: want intact without warnings:\n%s", out)
	}
}

// TestVerify_listingLocal: --listing on a folder checks presence and
// extra files, and says that etags were not checked (a folder has none).
func TestVerify_listingLocal(t *testing.T) {
	dir := t.TempDir()
	st := localfs.New(dir)
	ref, s, err := gen.Write(context.Background(), st, gen.Options{Items: 100, Files: 3, Seed: 63}, func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		t.Fatal(err)
	}
	files, _, _, err := manifest.ReadFiles(context.Background(), st, ref.Key(manifest.FilesName))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ref.DataKey(s.S3Prefix, files[1].DataFileS3Key)
	// Changed content is not seen by a listing of a folder.
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(k)), []byte("other bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, _ = ref.DataKey(s.S3Prefix, files[0].DataFileS3Key)
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(k))); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(context.Background(), st, ref, verify.Options{Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{{verify.KindMissingFile, files[0].DataFileS3Key, int64(files[0].Line)}}
	if got := briefs(rep.Findings); !slices.Equal(got, want) || len(rep.Warnings) != 0 {
		t.Errorf("findings %+v, warnings %+v; want %+v", got, rep.Warnings, want)
	}
	if len(rep.NotChecked) != 2 || !strings.Contains(rep.NotChecked[1], "etags") || rep.Totals.FilesListed != 2 {
		t.Errorf("notChecked %q, totals %+v: want content and etags named", rep.NotChecked, rep.Totals)
	}
	var b bytes.Buffer
	rep.WriteText(&b)
	if !strings.Contains(b.String(), "NOT CHECKED content") || !strings.Contains(b.String(), "listed    2 of 3 data files") {
		t.Errorf("text report:\n%s", b.String())
	}
}
