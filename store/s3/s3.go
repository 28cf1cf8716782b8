package s3

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ddbexport/ddbexport/store"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// RequesterPays sends x-amz-request-payer: requester with every
	// request, as a requester-pays bucket needs.
	RequesterPays bool
	// ExpectedBucketOwner, if set, is the account ID every request
	// names as the bucket's owner: S3 refuses a request to a bucket
	// another account owns.
	ExpectedBucketOwner string

	// PartSize is the size of each part of a multipart upload (0: 8 MiB;
	// S3's minimum is 5 MiB). Objects smaller than a part are sent in one
	// PutObject.
	PartSize int64
	// UploadConcurrency is the number of parts of one object uploaded at
	// once (0: 4). A writer holds up to UploadConcurrency+1 parts in
	// memory.
	UploadConcurrency int

	// MaxRetries bounds the attempts to resume a read after a fault
	// (a cut body, a timeout, a 5xx) that made no progress since the last
	// attempt (0: 10). Throttling (503 SlowDown) has its own, larger
	// budget, and longer waits.
	MaxRetries int
	// RetryDelay is the first wait before a resumed read; each further
	// attempt without progress doubles it, up to MaxRetryDelay, and each
	// wait is drawn at random between half of it and all of it (0: 100ms).
	RetryDelay time.Duration
	// MaxRetryDelay caps the wait between resumed reads (0: 5s; throttled
	// reads wait up to four times as long).
	MaxRetryDelay time.Duration
	// ReadTimeout is how long a read may wait for the next bytes of an
	// object before the request is dropped and the read resumed from the
	// byte reached (0: 2 minutes).
	ReadTimeout time.Duration

	// ParallelThreshold is the size above which Open reads an object as
	// ranged GetObjects of ChunkSize bytes, Parallel at a time, handed to
	// the reader in order (0: 64 MiB; negative: never). Smaller objects
	// are read with one GetObject.
	ParallelThreshold int64
	// ChunkSize is the size of each ranged read of a large object (0:
	// 8 MiB).
	ChunkSize int64
	// Parallel is the number of chunks of one large object held at once,
	// the one being read included (0: 4; 1: read large objects as small
	// ones). Each open large object holds up to Parallel × ChunkSize
	// bytes of memory (32 MiB by default).
	Parallel int
}

// A Store is a store.Store over the objects of an S3 bucket under a key
// prefix. It is safe for concurrent use.
type Store struct {
	client *s3api.Client
	tm     *transfermanager.Client
	bucket string
	prefix string // "" or ending in "/"
	opt    Options
	chunks sync.Pool // *[]byte of Options.ChunkSize, for parallel reads
}

var _ store.Store = (*Store)(nil)

// New returns a store of the objects in bucket whose keys start with
// prefix: a store key k is the S3 key prefix+"/"+k (a prefix of "" is the
// whole bucket; slashes around prefix are ignored).
func New(client *s3api.Client, bucket, prefix string, opt Options) *Store {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	if opt.PartSize <= 0 {
		opt.PartSize = 8 << 20
	}
	if opt.UploadConcurrency <= 0 {
		opt.UploadConcurrency = 4
	}
	if opt.MaxRetries <= 0 {
		opt.MaxRetries = 10
	}
	if opt.RetryDelay <= 0 {
		opt.RetryDelay = 100 * time.Millisecond
	}
	if opt.MaxRetryDelay <= 0 {
		opt.MaxRetryDelay = 5 * time.Second
	}
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = 2 * time.Minute
	}
	if opt.ParallelThreshold == 0 {
		opt.ParallelThreshold = 64 << 20
	}
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 8 << 20
	}
	if opt.Parallel <= 0 {
		opt.Parallel = 4
	}
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = opt.PartSize
		o.MultipartUploadThreshold = opt.PartSize
		o.Concurrency = opt.UploadConcurrency
		o.FailTimeout = time.Minute // abort a failed multipart upload even after a cancel
	})
	return &Store{client: client, tm: tm, bucket: bucket, prefix: prefix, opt: opt}
}

// Bucket returns the store's bucket.
func (s *Store) Bucket() string { return s.bucket }

// Prefix returns the store's key prefix: "" or a prefix ending in "/".
func (s *Store) Prefix() string { return s.prefix }

// String returns s3://bucket/prefix (s3://bucket for a whole bucket).
func (s *Store) String() string {
	return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/")
}

// url returns the s3:// URL of the object at key, for messages.
func (s *Store) url(key string) string { return "s3://" + s.bucket + "/" + s.prefix + key }

func (s *Store) payer() types.RequestPayer {
	if s.opt.RequesterPays {
		return types.RequestPayerRequester
	}
	return ""
}

func (s *Store) owner() *string {
	if s.opt.ExpectedBucketOwner == "" {
		return nil
	}
	return aws.String(s.opt.ExpectedBucketOwner)
}

// Stat implements store.Store with HeadObject.
func (s *Store) Stat(ctx context.Context, key string) (store.Object, error) {
	if err := store.CheckKey(key); err != nil {
		return store.Object{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3api.HeadObjectInput{
		Bucket:              aws.String(s.bucket),
		Key:                 aws.String(s.prefix + key),
		RequestPayer:        s.payer(),
		ExpectedBucketOwner: s.owner(),
	})
	if err != nil {
		if bodyless(err) {
			// A HEAD answer has no body to say what is wrong (refused
			// credentials, a wrong region): ask with a GET of one byte,
			// whose error has one.
			out, gerr := s.client.GetObject(ctx, &s3api.GetObjectInput{
				Bucket:              aws.String(s.bucket),
				Key:                 aws.String(s.prefix + key),
				Range:               aws.String("bytes=0-0"),
				RequestPayer:        s.payer(),
				ExpectedBucketOwner: s.owner(),
			})
			if gerr == nil {
				out.Body.Close()
			} else if gerr := s.mapErr("stat", key, gerr); IsConfigError(gerr) {
				return store.Object{}, gerr
			}
		}
		return store.Object{}, s.mapErr("stat", key, err)
	}
	return store.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: unquote(aws.ToString(out.ETag))}, nil
}

// List implements store.Store with ListObjectsV2, a page at a time. S3
// lists keys in the byte order of their UTF-8 encoding, which is the
// lexicographic order of Go strings. Keys that store.CheckKey rejects
// (such as "a//b", or "dir/" markers that consoles create) are skipped.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		p := s3api.NewListObjectsV2Paginator(s.client, &s3api.ListObjectsV2Input{
			Bucket:              aws.String(s.bucket),
			Prefix:              aws.String(s.prefix + prefix),
			RequestPayer:        s.payer(),
			ExpectedBucketOwner: s.owner(),
		})
		last := ""
		for p.HasMorePages() {
			if err := ctx.Err(); err != nil {
				yield(store.Object{}, err)
				return
			}
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(store.Object{}, s.mapErr("list", prefix, err))
				return
			}
			for _, o := range page.Contents {
				full := aws.ToString(o.Key)
				key, ok := strings.CutPrefix(full, s.prefix)
				if !ok || store.CheckKey(key) != nil {
					continue
				}
				if key <= last && last != "" {
					yield(store.Object{}, &Error{Kind: ErrBadListing, URL: s.url(key), Msg: "listed out of order, after " + s.url(last)})
					return
				}
				last = key
				if err := ctx.Err(); err != nil {
					yield(store.Object{}, err)
					return
				}
				if !yield(store.Object{Key: key, Size: aws.ToInt64(o.Size), ETag: unquote(aws.ToString(o.ETag))}, nil) {
					return
				}
			}
		}
	}
}

// Remove implements store.Store with DeleteObject.
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3api.DeleteObjectInput{
		Bucket:              aws.String(s.bucket),
		Key:                 aws.String(s.prefix + key),
		RequestPayer:        s.payer(),
		ExpectedBucketOwner: s.owner(),
	})
	if err != nil {
		err = s.mapErr("remove", key, err)
		if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNoSuchBucket) {
			return nil
		}
		return err
	}
	return nil
}

var _ store.Sweeper = (*Store)(nil)

// Sweep implements store.Sweeper: it aborts the incomplete multipart
// uploads to keys under prefix that match accepts, which a process that
// died while writing them left (S3 keeps their parts, billed, until they
// are aborted or a lifecycle rule removes them). It needs
// s3:ListBucketMultipartUploads and s3:AbortMultipartUpload.
func (s *Store) Sweep(ctx context.Context, prefix string, match func(key string) bool) (int, error) {
	in := &s3api.ListMultipartUploadsInput{
		Bucket:              aws.String(s.bucket),
		Prefix:              aws.String(s.prefix + prefix),
		RequestPayer:        s.payer(),
		ExpectedBucketOwner: s.owner(),
	}
	// List them all first, then abort: S3 refuses a page whose
	// upload-id-marker names an upload no longer there.
	var found []types.MultipartUpload
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return 0, s.mapErr("list uploads", prefix, err)
		}
		for _, u := range out.Uploads {
			key, ok := strings.CutPrefix(aws.ToString(u.Key), s.prefix)
			if ok && store.CheckKey(key) == nil && strings.HasPrefix(key, prefix) && match(key) {
				found = append(found, u)
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextKeyMarker == nil && out.NextUploadIdMarker == nil {
			break
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	n := 0
	for _, u := range found {
		_, err := s.client.AbortMultipartUpload(ctx, &s3api.AbortMultipartUploadInput{
			Bucket:              aws.String(s.bucket),
			Key:                 u.Key,
			UploadId:            u.UploadId,
			RequestPayer:        s.payer(),
			ExpectedBucketOwner: s.owner(),
		})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" {
			continue // aborted or completed meanwhile
		}
		if err != nil {
			return n, s.mapErr("abort", strings.TrimPrefix(aws.ToString(u.Key), s.prefix), err)
		}
		n++
	}
	return n, nil
}

// Create implements store.Store: it streams what is written into an
// upload, in parts of Options.PartSize (a single PutObject for an object
// smaller than a part). S3 publishes an object only when its PutObject or
// CompleteMultipartUpload succeeds, which Commit waits for; Abort fails the
// upload, and the uploader aborts the multipart upload, so nothing is
// published.
func (s *Store) Create(ctx context.Context, key string) (store.Writer, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	w := &writer{s: s, key: key, pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		_, err := s.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket:              aws.String(s.bucket),
			Key:                 aws.String(s.prefix + key),
			Body:                pr,
			RequestPayer:        tmtypes.RequestPayer(s.payer()),
			ExpectedBucketOwner: s.owner(),
		})
		if err == nil {
			err = errNoError
		}
		w.err = err
		// Unblock a Write waiting on an upload that failed.
		pr.CloseWithError(err)
	}()
	return w, nil
}

// errNoError marks an upload that ended well, so that a Write after it
// fails instead of blocking.
var errNoError = errors.New("s3: upload already finished")

// errAborted ends the body of an upload that Abort discards.
var errAborted = errors.New("s3: upload aborted")

type writer struct {
	s    *Store
	key  string
	pw   *io.PipeWriter
	done chan struct{}
	err  error // the upload's result, set before done is closed
	fin  bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.fin {
		return 0, errors.New("s3: write to a finished writer")
	}
	n, err := w.pw.Write(p)
	if err != nil {
		<-w.done
		return n, w.s.mapErr("write", w.key, w.err)
	}
	return n, nil
}

func (w *writer) Commit() error {
	if w.fin {
		return errors.New("s3: writer already finished")
	}
	w.fin = true
	w.pw.Close()
	<-w.done
	if w.err == errNoError {
		return nil
	}
	return w.s.mapErr("write", w.key, w.err)
}

func (w *writer) Abort() error {
	if w.fin {
		return nil
	}
	w.fin = true
	w.pw.CloseWithError(errAborted)
	<-w.done
	if w.err == errNoError {
		// Cannot happen: the body ends with an error, never EOF. Say so
		// rather than pretend nothing was published.
		return errors.New("s3: " + w.s.url(w.key) + " was published before Abort")
	}
	if errors.Is(w.err, errAborted) && !strings.Contains(w.err.Error(), "failed to abort") {
		return nil
	}
	return w.s.mapErr("abort", w.key, w.err)
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

// backoff returns the wait before attempt n (1 for the first retry):
// base doubled n-1 times, capped, then drawn at random between half and
// all of it.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
