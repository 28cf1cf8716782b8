package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	s3store "github.com/ddbexport/ddbexport/store/s3"
)

// awsFlags are the global flags for s3:// paths, named as the AWS CLI
// names them.
type awsFlags struct {
	profile      string
	region       string
	endpoint     string
	pathStyle    bool
	owner        string
	requestPayer requestPayer
}

// requestPayer is --request-payer, which takes "requester" as the AWS
// CLI's flag does (the only value S3 knows).
type requestPayer bool

func (r *requestPayer) String() string {
	if *r {
		return "requester"
	}
	return ""
}

func (r *requestPayer) Set(s string) error {
	if !strings.EqualFold(s, "requester") {
		return fmt.Errorf("%q: the only value is requester (as for the AWS CLI)", s)
	}
	*r = true
	return nil
}

func (r *requestPayer) Type() string { return "requester" }

type awsFlagsKey struct{}

// addAWSFlags adds the S3 flags to root, persistent, and passes their
// values to every command through its context.
func addAWSFlags(root *cobra.Command) {
	f := &awsFlags{}
	pf := root.PersistentFlags()
	pf.StringVar(&f.profile, "profile", "", "S3: the AWS profile of the shared config and credentials files (default: AWS_PROFILE, or default)")
	pf.StringVar(&f.region, "region", "", "S3: the bucket's region (default: AWS_REGION or the profile's; us-east-1 without any)")
	pf.StringVar(&f.endpoint, "endpoint-url", "", "S3: the endpoint of an S3-compatible store, such as http://127.0.0.1:7070 (implies --s3-path-style)")
	pf.BoolVar(&f.pathStyle, "s3-path-style", false, "S3: address buckets in the path (http://host/bucket/key), not the host name")
	pf.StringVar(&f.owner, "expected-bucket-owner", "", "S3: the account ID that must own the bucket; S3 refuses every request otherwise")
	pf.Var(&f.requestPayer, "request-payer", "S3: requester, to accept the charges of a requester-pays bucket (as the AWS CLI's --request-payer requester)")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		cmd.SetContext(context.WithValue(cmd.Context(), awsFlagsKey{}, f))
		return nil
	}
}

func awsFlagsOf(ctx context.Context) *awsFlags {
	if f, ok := ctx.Value(awsFlagsKey{}).(*awsFlags); ok {
		return f
	}
	return &awsFlags{}
}

// isS3URL reports whether path is an s3:// URL.
func isS3URL(path string) bool {
	return len(path) >= 5 && strings.EqualFold(path[:5], "s3://")
}

// parseS3URL splits s3://bucket/prefix into the bucket and the key prefix
// (without slashes around it).
func parseS3URL(path string) (bucket, prefix string, err error) {
	rest := path[len("s3://"):]
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", usageErrorf("%s: an S3 path is s3://BUCKET or s3://BUCKET/PREFIX", path)
	}
	if strings.ContainsAny(bucket, " \\?#") {
		return "", "", usageErrorf("%s: %q is not a bucket name", path, bucket)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := store.CheckKey(prefix); err != nil {
			return "", "", usageErrorf("%s: the prefix %q has an empty, . or .. segment", path, prefix)
		}
	}
	return bucket, prefix, nil
}

// s3Client returns an S3 client configured by the standard AWS chain
// (environment, shared files, --profile, IMDS and web identity roles) and
// the flags. It checks that credentials can be had, so that their absence
// is one clear message.
func s3Client(ctx context.Context) (*s3api.Client, *awsFlags, error) {
	f := awsFlagsOf(ctx)
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			// The store resumes reads itself and keeps its own budget;
			// with many files in flight, the SDK's retry quota would
			// fail requests that a wait would have saved.
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	// The SDK's own log lines (a fallback to IMDSv1 while it looks for
	// credentials, a response without a checksum) would break the
	// one-line messages of the commands, which say what went wrong
	// themselves.
	opts = append(opts, config.WithLogger(logging.Nop{}))
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, usageErrorf("AWS configuration: %v", oneLine(err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if f.profile != "" {
			return nil, nil, usageErrorf("no AWS credentials for profile %s: check the profile in ~/.aws/config and ~/.aws/credentials (%v)", f.profile, oneLine(err))
		}
		return nil, nil, usageErrorf("no AWS credentials found: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them")
	}
	client := s3api.NewFromConfig(cfg, func(o *s3api.Options) {
		// The SDK validates a response's checksum when the object has one,
		// and otherwise logs a line per GetObject to stderr; objects that
		// DynamoDB writes have none, and ddbexport checks each data file's
		// MD5 against the manifest itself.
		o.DisableLogOutputChecksumValidationSkipped = true
		if f.endpoint != "" {
			o.BaseEndpoint = aws.String(f.endpoint)
			o.UsePathStyle = true
		}
		if f.pathStyle {
			o.UsePathStyle = true
		}
	})
	return client, f, nil
}

// oneLine keeps the first line of err's message.
func oneLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

func s3Options(f *awsFlags) s3store.Options {
	return s3store.Options{RequesterPays: bool(f.requestPayer), ExpectedBucketOwner: f.owner}
}

// openStore returns the store rooted at path, a local folder or
// s3://bucket/prefix, for output (gen, convert --out).
func openStore(ctx context.Context, path string) (store.Store, error) {
	if !isS3URL(path) {
		return localfs.New(path), nil
	}
	bucket, prefix, err := parseS3URL(path)
	if err != nil {
		return nil, err
	}
	client, f, err := s3Client(ctx)
	if err != nil {
		return nil, err
	}
	return s3store.New(client, bucket, prefix, s3Options(f)), nil
}

// joinPath names the object key in the store rooted at path (a folder or
// an s3:// URL), for messages.
func joinPath(path, key string) string {
	if isS3URL(path) {
		return strings.TrimSuffix(path, "/") + "/" + key
	}
	return filepath.Join(path, filepath.FromSlash(key))
}

// openS3Export returns a store of the whole bucket of an s3:// PATH and
// the key prefix to look for exports under: the prefix of the export
// itself, one above AWSDynamoDB/, or the key of manifest-summary.json. The
// store is rooted at the bucket, so that an incremental export's shared
// data folder beside the export's is in reach.
func openS3Export(ctx context.Context, path string) (store.Store, string, error) {
	bucket, prefix, err := parseS3URL(path)
	if err != nil {
		return nil, "", err
	}
	if base := prefix[strings.LastIndexByte(prefix, '/')+1:]; base == manifest.SummaryName {
		prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, base), "/")
	}
	if prefix != "" {
		prefix += "/"
	}
	client, f, err := s3Client(ctx)
	if err != nil {
		return nil, "", err
	}
	return s3store.New(client, bucket, "", s3Options(f)), prefix, nil
}

// plainS3Error returns the S3 error inside err, if it is one of those
// that say what to fix, without what wraps it; else err.
func plainS3Error(err error) error {
	var se *s3store.Error
	if errors.As(err, &se) && s3store.IsConfigError(se) {
		return se
	}
	return err
}

// s3Error makes an S3 failure one line, exit code 2: missing or refused
// credentials, access denied, no such bucket and a wrong region say what
// to fix.
func s3Error(path string, err error) error {
	if s3store.IsConfigError(err) {
		return usageErrorf("%v", err)
	}
	var ke *store.KeyError
	if errors.As(err, &ke) {
		return usageErrorf("%s: %v", path, err)
	}
	return usageErrorf("cannot list %s: %v", path, err)
}

func init() {
	// Run every parent's persistent hooks, so that a subcommand with a
	// PersistentPreRunE of its own still gets the S3 flags. Set once, not
	// by each command tree built, which tests build concurrently.
	cobra.EnableTraverseRunHooks = true
}
