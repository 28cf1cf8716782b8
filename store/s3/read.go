package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/ddbexport/ddbexport/store"
)

// Open implements store.Store: it streams the object with GetObject and,
// when the body fails before its end (a cut connection, a stall longer
// than Options.ReadTimeout, a 5xx on a resumed request), resumes from the
// byte reached with a ranged GetObject pinned to the ETag of the first
// response (If-Match). An object replaced meanwhile fails the read with
// an error wrapping ErrChanged instead of mixing two versions.
//
// An object larger than Options.ParallelThreshold is read as ranged
// GetObjects of Options.ChunkSize, Options.Parallel at a time, each pinned
// to the first ETag and resumed as above, and handed to the caller in
// order (see parallelReader).
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	r := &reader{s: s, ctx: ctx, key: key}
	if err := r.get(); err != nil {
		return nil, err
	}
	if s.parallel(r.size) {
		return s.openParallel(r), nil
	}
	return r, nil
}

// A reader reads one object, or the bytes [off, end) of it, resuming
// after faults.
type reader struct {
	s   *Store
	ctx context.Context
	key string

	etag string // the ETag of the first response, quoted as S3 sends it
	size int64  // the object's size, from the first response
	off  int64  // the next byte to read
	end  int64  // the byte after the last one to read: size, or a chunk's end

	body     io.ReadCloser
	cancel   context.CancelFunc // ends the current request
	timer    *time.Timer        // cancels a request waiting longer than ReadTimeout
	timedOut *atomic.Bool       // set when timer fired for the current request

	fails     int // faults since the last byte read
	throttles int // throttling answers since the last byte read
	err       error

	// gate, if set, is shared by the chunk readers of one object: when S3
	// throttles one of them, all hold back as long, so that the object's
	// requests slow down together instead of each in turn.
	gate *gate
}

// A gate holds requests back until a time.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

// hold keeps the gate closed until at least t.
func (g *gate) hold(t time.Time) {
	g.mu.Lock()
	if t.After(g.until) {
		g.until = t
	}
	g.mu.Unlock()
}

// wait sleeps until the gate opens.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	d := time.Until(g.until)
	g.mu.Unlock()
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

// get starts a GetObject from r.off, retrying faults.
func (r *reader) get() error {
	for {
		if r.gate != nil {
			if err := r.gate.wait(r.ctx); err != nil {
				return err
			}
		}
		err := r.request()
		if err == nil {
			return nil
		}
		if cerr := r.ctx.Err(); cerr != nil {
			return cerr
		}
		if errors.Is(err, ErrChanged) || !r.retryable(err) {
			return err
		}
		if err := r.wait(err); err != nil {
			return err
		}
	}
}

// request sends one GetObject from r.off and checks that the answer is
// the object first read, from the right byte.
func (r *reader) request() error {
	s := r.s
	in := &s3api.GetObjectInput{
		Bucket:              aws.String(s.bucket),
		Key:                 aws.String(s.prefix + r.key),
		RequestPayer:        s.payer(),
		ExpectedBucketOwner: s.owner(),
	}
	resumed := r.etag != ""
	if resumed {
		in.IfMatch = aws.String(r.etag)
		if r.end < r.size {
			in.Range = aws.String("bytes=" + strconv.FormatInt(r.off, 10) + "-" + strconv.FormatInt(r.end-1, 10))
		} else if r.off > 0 {
			in.Range = aws.String("bytes=" + strconv.FormatInt(r.off, 10) + "-")
		}
	}
	ctx, cancel := context.WithCancel(r.ctx)
	timedOut := new(atomic.Bool)
	timer := time.AfterFunc(s.opt.ReadTimeout, func() { timedOut.Store(true); cancel() })
	out, err := s.client.GetObject(ctx, in)
	timer.Stop()
	if err != nil {
		cancel()
		if timedOut.Load() {
			return &timeoutError{after: s.opt.ReadTimeout}
		}
		if resumed && isPreconditionFailed(err) {
			return r.changed("")
		}
		err = s.mapErr("open", r.key, err)
		if resumed && errors.Is(err, fs.ErrNotExist) {
			return r.changed("(removed)")
		}
		return err
	}
	if !resumed {
		r.etag = aws.ToString(out.ETag)
		r.size = aws.ToInt64(out.ContentLength)
		r.end = r.size
	} else {
		etag := aws.ToString(out.ETag)
		if etag != r.etag {
			out.Body.Close()
			cancel()
			return r.changed(etag)
		}
		if err := r.checkRange(out); err != nil {
			out.Body.Close()
			cancel()
			return err
		}
	}
	r.body, r.cancel, r.timer, r.timedOut = out.Body, cancel, timer, timedOut
	return nil
}

// checkRange checks that a resumed response starts at r.off and ends at
// r.end.
func (r *reader) checkRange(out *s3api.GetObjectOutput) error {
	n := aws.ToInt64(out.ContentLength)
	if r.off == 0 && r.end == r.size {
		if n != r.size {
			return r.changed(aws.ToString(out.ETag))
		}
		return nil
	}
	want := fmt.Sprintf("bytes %d-%d/%d", r.off, r.end-1, r.size)
	if cr := aws.ToString(out.ContentRange); cr != want || n != r.end-r.off {
		return fmt.Errorf("open %s: resumed at byte %d, but the server answered Content-Range %q, %d bytes (want %q)",
			r.s.url(r.key), r.off, cr, n, want)
	}
	return nil
}

func (r *reader) changed(etag string) error {
	msg := "changed while it was read (ETag " + unquote(r.etag)
	if etag != "" {
		msg += ", now " + unquote(etag)
	}
	msg += fmt.Sprintf(", at byte %d of %d): read it again", r.off, r.size)
	return &Error{Kind: ErrChanged, URL: r.s.url(r.key), Msg: msg}
}

func isPreconditionFailed(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed" {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
}

type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string   { return "no data for " + e.after.String() }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// retryable reports whether a failed request may succeed if sent again.
func (r *reader) retryable(err error) bool {
	if IsConfigError(err) {
		return false
	}
	var te *timeoutError
	if errors.As(err, &te) {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary {
		return true
	}
	return retry.IsErrorTimeouts(retry.DefaultTimeouts).IsErrorTimeout(err) == aws.TrueTernary
}

func isThrottle(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusServiceUnavailable
}

// wait counts a fault and sleeps before the next attempt, or returns an
// error when the attempts are used up.
func (r *reader) wait(err error) error {
	opt := r.s.opt
	var d time.Duration
	if isThrottle(err) {
		r.throttles++
		if r.throttles > 4*opt.MaxRetries {
			return r.giveUp(r.throttles, err)
		}
		d = backoff(2*opt.RetryDelay, 4*opt.MaxRetryDelay, r.throttles)
		if r.gate != nil {
			r.gate.hold(time.Now().Add(d))
		}
	} else {
		r.fails++
		if r.fails > opt.MaxRetries {
			return r.giveUp(r.fails, err)
		}
		d = backoff(opt.RetryDelay, opt.MaxRetryDelay, r.fails)
	}
	return sleep(r.ctx, d)
}

func (r *reader) giveUp(n int, err error) error {
	return fmt.Errorf("read %s: gave up after %d attempts at byte %d of %d: %w", r.s.url(r.key), n, r.off, r.size, err)
}

// Read implements io.Reader, resuming after faults.
func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for {
		if r.body == nil {
			if err := r.get(); err != nil {
				r.err = err
				return 0, err
			}
		}
		r.timer.Reset(r.s.opt.ReadTimeout)
		n, err := r.body.Read(p)
		r.timer.Stop()
		if n > 0 {
			r.off += int64(n)
			r.fails, r.throttles = 0, 0
		}
		switch {
		case r.off == r.end && r.end < r.size:
			// A chunk's last byte (its body may be the whole object's, or
			// fail just after): the chunk is complete.
			r.closeBody()
			r.err = io.EOF
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		case err == nil:
			return n, nil
		case err == io.EOF && r.off == r.end:
			r.closeBody()
			r.err = io.EOF
			return n, io.EOF
		case r.off > r.end:
			r.closeBody()
			r.err = fmt.Errorf("read %s: more than the %d bytes announced", r.s.url(r.key), r.end)
			return n, r.err
		case r.off == r.end:
			// All bytes are in, but the body failed at its end (such as
			// a checksum mismatch the SDK found): not a fault to resume.
			r.closeBody()
			r.err = fmt.Errorf("read %s: %w", r.s.url(r.key), err)
			return n, r.err
		}
		// A fault before the end: resume from r.off.
		timedOut := r.timedOut.Load()
		r.closeBody()
		if cerr := r.ctx.Err(); cerr != nil {
			r.err = cerr
			return n, cerr
		}
		if n > 0 {
			return n, nil // resume on the next Read
		}
		if timedOut {
			err = &timeoutError{after: r.s.opt.ReadTimeout}
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if werr := r.wait(err); werr != nil {
			r.err = werr
			return 0, werr
		}
	}
}

func (r *reader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.cancel()
		r.timer.Stop()
		r.body = nil
	}
}

// Close implements io.Closer.
func (r *reader) Close() error {
	r.closeBody()
	if r.err == nil {
		r.err = errors.New("s3: read after Close")
	}
	return nil
}
