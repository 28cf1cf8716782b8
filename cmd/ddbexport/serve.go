package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/exportapi/server"
	"github.com/ddbexport/ddbexport/store"
	s3store "github.com/ddbexport/ddbexport/store/s3"
)

func newServeCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		listen, buckets, region, account string
		tables                           []string
		maxExports, files                int
		quiet                            bool
	)
	cmd := &cobra.Command{
		Use:   "serve --buckets DIR|s3:// --table SPEC [--table SPEC …] [flags]",
		Short: "Run a local DynamoDB export service, for tests (never expose it)",
		Long: `serve runs a local DynamoDB export service for tests and CI. It speaks the
DynamoDB JSON 1.0 protocol (X-Amz-Target: DynamoDB_20120810.*,
application/x-amz-json-1.0) for ExportTableToPointInTime, DescribeExport and
ListExports, so any AWS SDK, the AWS CLI, or "ddbexport export" pointed at
it (--endpoint-url http://127.0.0.1:8000) works unchanged.

It is a local service for tests: ANY CREDENTIALS ARE ACCEPTED AND
SIGNATURES ARE NOT CHECKED. It listens on a loopback address only; never
expose it.

Each subfolder of --buckets DIR is a bucket: an export to s3://BUCKET/KEY
is written to DIR/BUCKET/KEY, with DynamoDB's layout, manifests and
checksums, in DYNAMODB_JSON or ION. An export to a bucket without a folder
FAILS with S3NoSuchBucket. With --buckets s3:// the exports are written to
the buckets of an S3 endpoint instead (S3 itself, or an S3-compatible store
with --endpoint-url), with the credentials of the AWS configuration chain;
a bucket that does not exist FAILS the export with S3NoSuchBucket.

Each --table is name=NAME,items=PATH,key=ATTR:TYPE[,sort=ATTR:TYPE]
[,pitr=true|false][,since=RFC3339] (TYPE is S, N or B; PATH without
commas). items= is a file (optionally gzip) of DYNAMODB_JSON lines, each an
item ({"pk":{"S":"a"},…}), an export record ({"Item":{…}}) or an
incremental record (Metadata.WriteTimestampMicros, Keys, NewImage,
OldImage); or a folder holding one export. Items exist from the start of the
PITR window (since=, default 35 days before serve started); incremental
records are the table's history, each write at its time. pitr=false makes
exports of the table fail with PointInTimeRecoveryUnavailableException.

A full export at ExportTime writes the items as they were then; an
incremental export writes one record per key written in its window, in the
requested view. Exports are IN_PROGRESS, then COMPLETED or FAILED. The
API's rules are enforced: validation (DynamoDB's messages), ClientToken
idempotency for 8 hours, export times within the PITR window, incremental
windows of 15 minutes to 24 hours, unknown tables (ARNs are built from
--region and --account), the concurrent-export limit, conflicts on one
bucket and prefix, ListExports paging.

serve prints "listening on http://ADDR" when ready (--listen 127.0.0.1:0
picks a free port), logs each request on stderr unless -q, and stops on
interrupt after the exports in progress.`,
		Example: `  ddbexport serve --buckets /tmp/buckets --table name=orders,items=orders.json.gz,key=pk:S,sort=sk:N
  aws dynamodb export-table-to-point-in-time --endpoint-url http://127.0.0.1:8000 \
      --table-arn arn:aws:dynamodb:us-east-1:000000000000:table/orders --s3-bucket exports`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case buckets == "":
				return usageErrorf("--buckets DIR is required: each of its subfolders is a bucket")
			case len(tables) == 0:
				return usageErrorf("--table is required: name=NAME,items=PATH,key=ATTR:TYPE (see --help)")
			}
			bucketsOf := server.LocalBuckets(buckets)
			if isS3URL(buckets) {
				if buckets != "s3://" {
					return usageErrorf("--buckets %s: for S3, --buckets s3:// (each export's S3Bucket is a bucket of the S3 endpoint)", buckets)
				}
				var err error
				if bucketsOf, err = s3Buckets(ctx); err != nil {
					return err
				}
			} else if fi, err := os.Stat(buckets); err != nil || !fi.IsDir() {
				return usageErrorf("--buckets %s: not a folder", buckets)
			}
			if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
				return usageErrorf("--account %s: an account ID is 12 digits", account)
			}
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return usageErrorf("--listen %s: %v", listen, err)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return usageErrorf("--listen %s: serve listens on a loopback address only (127.0.0.1, ::1, localhost): it checks no credentials", listen)
			}
			since := time.Now().Add(-server.DefaultPITRWindow)
			var ts []*server.Table
			for _, spec := range tables {
				t, err := server.ParseTableSpec(ctx, spec, since)
				if err != nil {
					return usageErrorf("--table: %v", err)
				}
				ts = append(ts, t)
			}
			opt := server.Options{Region: region, Account: account, Buckets: bucketsOf,
				MaxConcurrent: maxExports, Files: files}
			if !quiet {
				opt.Logf = func(format string, args ...any) {
					fmt.Fprintf(stderr, time.Now().UTC().Format("15:04:05.000 ")+format+"\n", args...)
				}
			}
			srv, err := server.New(opt, ts...)
			if err != nil {
				return usageErrorf("%v", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageErrorf("--listen %s: %v", listen, err)
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
			done := make(chan error, 1)
			go func() { done <- hs.Serve(ln) }()
			fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
			for _, t := range ts {
				fmt.Fprintf(stdout, "table %s (%d items, %d changes, PITR %v)\n", srv.TableARN(t.Name), len(t.Base), len(t.Changes), t.PITR)
			}
			select {
			case err := <-done:
				return &exitError{code: exitCannotCheck, err: err}
			case <-ctx.Done():
			}
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := hs.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				fmt.Fprintf(stderr, "shutdown: %v\n", err)
			}
			srv.Wait()
			return ctx.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8000", "the loopback address to listen on (port 0: a free one)")
	f.StringVar(&buckets, "buckets", "", "the folder whose subfolders are the buckets, or s3:// for the buckets of the S3 endpoint (required)")
	f.StringArrayVar(&tables, "table", nil, "a table: name=NAME,items=PATH,key=ATTR:TYPE[,sort=ATTR:TYPE][,pitr=true|false][,since=RFC3339] (repeatable)")
	f.StringVar(&region, "region", server.DefaultRegion, "the region of the service's ARNs")
	f.StringVar(&account, "account", server.DefaultAccount, "the account ID of the service's ARNs")
	f.IntVar(&maxExports, "max-concurrent-exports", server.DefaultMaxConcurrent, "exports IN_PROGRESS at once; more is LimitExceededException")
	f.IntVar(&files, "files", 0, "data files per export (0: one per 1000 items, 1 to 64)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no log of requests on stderr")
	return cmd
}

// s3Buckets returns serve's Buckets func for --buckets s3://: each bucket
// of the S3 endpoint, checked to exist by listing it.
func s3Buckets(ctx context.Context) (func(string) (store.Store, error), error) {
	client, f, err := s3Client(ctx)
	if err != nil {
		return nil, err
	}
	return func(bucket string) (store.Store, error) {
		st := s3store.New(client, bucket, "", s3Options(f))
		for _, err := range st.List(context.WithoutCancel(ctx), "") {
			if errors.Is(err, s3store.ErrNoSuchBucket) {
				return nil, fmt.Errorf("%w: %s", server.ErrNoSuchBucket, bucket)
			}
			if err != nil {
				return nil, err
			}
			break // the bucket is there
		}
		return st, nil
	}, nil
}
