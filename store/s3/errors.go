package s3

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/ddbexport/ddbexport/store"
)

// Kinds of error, for errors.Is. Each error of a kind says in one line
// what to fix.
var (
	// ErrNoCredentials: no credentials were found in the AWS
	// configuration chain.
	ErrNoCredentials = errors.New("no AWS credentials")
	// ErrBadCredentials: S3 refused the credentials themselves (an
	// unknown access key, a wrong secret, an expired token).
	ErrBadCredentials = errors.New("credentials refused")
	// ErrAccessDenied: the credentials are valid but may not do this.
	ErrAccessDenied = errors.New("access denied")
	// ErrNoSuchBucket: the bucket does not exist.
	ErrNoSuchBucket = errors.New("no such bucket")
	// ErrWrongRegion: the bucket is in another region than the client's.
	ErrWrongRegion = errors.New("wrong region")
	// ErrChanged: an object changed (its ETag) while it was being read,
	// so the read stopped rather than mix two versions. It is
	// store.ErrChanged, so that callers need not know the store.
	ErrChanged = store.ErrChanged
	// ErrBadListing: the server listed keys out of order.
	ErrBadListing = errors.New("bad listing")
)

// An Error is an S3 failure of one of the kinds above, with a message for
// people.
type Error struct {
	Kind error  // one of the Err* kinds
	URL  string // the s3:// URL of the bucket or object
	Msg  string // what went wrong and what to do
	Err  error  // the SDK's error, if any
}

func (e *Error) Error() string        { return e.URL + ": " + e.Msg }
func (e *Error) Is(target error) bool { return target == e.Kind }
func (e *Error) Unwrap() error        { return e.Err }

// IsConfigError reports whether err is one that no retry or other object
// can fix: missing or refused credentials, access denied, no such bucket,
// a wrong region.
func IsConfigError(err error) bool {
	for _, k := range []error{ErrNoCredentials, ErrBadCredentials, ErrAccessDenied, ErrNoSuchBucket, ErrWrongRegion} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

var expectingRegion = regexp.MustCompile(`expecting ['"]([a-z0-9-]+)['"]`)

// mapErr turns an SDK error from op on key ("" for the bucket) into an
// error people can act on: a missing object wraps fs.ErrNotExist, the
// kinds above get an *Error, anything else is wrapped with the URL.
func (s *Store) mapErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	url := s.url(key)
	bucketURL := "s3://" + s.bucket
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	if isCredentialsErr(err) {
		return &Error{Kind: ErrNoCredentials, URL: bucketURL, Err: err,
			Msg: "no AWS credentials found: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them"}
	}
	code, status, region := "", 0, ""
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
		if re.Response != nil {
			region = re.Response.Header.Get("x-amz-bucket-region")
		}
	}
	if m := expectingRegion.FindStringSubmatch(err.Error()); m != nil {
		region = m[1]
	}
	switch {
	case code == "NoSuchKey" || code == "NotFound" || code == "" && status == http.StatusNotFound:
		return &fs.PathError{Op: op, Path: url, Err: fs.ErrNotExist}
	case code == "NoSuchBucket":
		return &Error{Kind: ErrNoSuchBucket, URL: bucketURL, Err: err,
			Msg: "no such bucket: check the bucket name (and --endpoint-url for an S3-compatible store)"}
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException" ||
		status == http.StatusMovedPermanently || (status == http.StatusBadRequest && region != ""):
		msg := "the bucket is in another region than " + s.region() + ": pass --region with the bucket's region"
		if region != "" && region != s.region() {
			msg = fmt.Sprintf("the bucket is in region %s, not %s: pass --region %s", region, s.region(), region)
		}
		return &Error{Kind: ErrWrongRegion, URL: bucketURL, Err: err, Msg: msg}
	case code == "InvalidAccessKeyId" || code == "XAdminUserNotFound": // the latter from versitygw
		return &Error{Kind: ErrBadCredentials, URL: bucketURL, Err: err,
			Msg: "the access key ID is not known (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID or the profile (--profile, AWS_PROFILE)"}
	case code == "SignatureDoesNotMatch":
		return &Error{Kind: ErrBadCredentials, URL: bucketURL, Err: err,
			Msg: "the secret access key does not match the access key ID (SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY or the profile (--profile, AWS_PROFILE)"}
	case code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired":
		return &Error{Kind: ErrBadCredentials, URL: bucketURL, Err: err,
			Msg: "the session token is expired or invalid (" + code + "): renew the credentials (aws sso login, or a new AWS_SESSION_TOKEN)"}
	case code == "AccessDenied" || code == "AllAccessDisabled" || code == "InvalidBucketOwner" || status == http.StatusForbidden:
		what := code
		if what == "" || what == "Forbidden" {
			// A HEAD answer has no body to tell refused credentials
			// from a refused request.
			what = "403 Forbidden"
		}
		return &Error{Kind: ErrAccessDenied, URL: url, Err: err,
			Msg: "access denied (" + what + " on " + op + "): check the credentials in use (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID) and that they may " + verb(op) + " here; a requester-pays bucket needs --request-payer, and --expected-bucket-owner must name the bucket's owner"}
	}
	return fmt.Errorf("%s %s: %w", op, url, err)
}

func verb(op string) string {
	switch op {
	case "list":
		return "list (s3:ListBucket)"
	case "write", "abort":
		return "write (s3:PutObject, s3:AbortMultipartUpload)"
	case "list uploads":
		return "list the multipart uploads (s3:ListBucketMultipartUploads)"
	case "remove":
		return "delete (s3:DeleteObject)"
	}
	return "read (s3:GetObject)"
}

func (s *Store) region() string {
	if r := s.client.Options().Region; r != "" {
		return r
	}
	return "the configured region"
}

// isCredentialsErr reports whether err says no credentials could be had.
func isCredentialsErr(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "get identity:") ||
		strings.Contains(msg, "failed to refresh cached credentials")
}

// bodyless reports whether err is an error answer to a HEAD request too
// vague to act on: 301, 400 or 403 without an error code.
func bodyless(err error) bool {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	switch re.HTTPStatusCode() {
	case http.StatusMovedPermanently, http.StatusBadRequest, http.StatusForbidden:
	default:
		return false
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return true
	}
	switch ae.ErrorCode() {
	case "", "BadRequest", "Forbidden", "MovedPermanently":
		return true
	}
	return false
}
