package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ddbexport/ddbexport/exportapi"
)

// exportFlags are the flags every export command shares.
type exportFlags struct {
	endpoint    string
	jsonOut     bool
	maxAttempts int
	backoff     time.Duration
}

func newExportCmd(stdout, stderr io.Writer) *cobra.Command {
	ef := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Start, follow and finish DynamoDB table exports (ExportTableToPointInTime)",
		Long: `export drives DynamoDB's export API with the AWS SDK: start an export,
describe or list exports, wait for one to finish, or do it all and verify
the result (export run).

Credentials and region come from the standard AWS configuration (the
environment, the shared files, --profile, --region, roles). --endpoint-url
points the DynamoDB client at another endpoint, such as a local
"ddbexport serve" (there, any credentials do; none are needed).

Parameters are checked before any call, each error naming the flag and the
rule. Every error of the API gets a message saying what to do;
InternalServerError and throttling are retried with backoff.

Exit status: 0 done; 1 the export FAILED, or verify found problems in it;
2 a usage error, an error of the API (an unknown table, PITR not enabled,
a conflict, the limit of concurrent exports...), or no connection; 130
interrupted.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&ef.endpoint, "endpoint-url", "", "the DynamoDB endpoint, such as http://127.0.0.1:8000 for a local ddbexport serve (for export commands this is DynamoDB's, not S3's: see export run --s3-endpoint-url)")
	pf.BoolVar(&ef.jsonOut, "json", false, "print the API's answer as JSON")
	pf.IntVar(&ef.maxAttempts, "max-attempts", 5, "calls per request when DynamoDB answers InternalServerError, throttling or 5xx")
	pf.DurationVar(&ef.backoff, "retry-backoff", 500*time.Millisecond, "wait before the first retry, doubled for each next")
	pf.MarkHidden("retry-backoff")
	cmd.AddCommand(newExportStartCmd(stdout, stderr, ef), newExportDescribeCmd(stdout, ef), newExportListCmd(stdout, ef),
		newExportWaitCmd(stdout, stderr, ef), newExportRunCmd(stdout, stderr, ef))
	return cmd
}

// flagValue returns the value of a flag the command has (its own or
// inherited, such as the root's --region), or "" if it has none.
func flagValue(cmd *cobra.Command, name string) string {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// exportClient returns the export API client: the SDK's dynamodb client
// configured by the standard chain, --profile, --region and --endpoint-url.
func exportClient(cmd *cobra.Command, stderr io.Writer, ef *exportFlags) (*exportapi.Client, error) {
	ctx := cmd.Context()
	var opts []func(*config.LoadOptions) error
	if p := flagValue(cmd, "profile"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	if r := flagValue(cmd, "region"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if ef.endpoint != "" {
		// Against a local endpoint, no warnings of a credential lookup
		// that finds none (the IMDS fallback).
		opts = append(opts, config.WithLogger(logging.Nop{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, usageErrorf("AWS configuration: %v", oneLine(err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ef.endpoint == "" {
			return nil, usageErrorf("no AWS credentials found: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them (%v)", oneLine(err))
		}
		// A local endpoint (ddbexport serve) takes any credentials.
		cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "ddbexport"}, nil
		}))
	}
	if ef.maxAttempts < 1 {
		return nil, usageErrorf("--max-attempts must be at least 1")
	}
	return &exportapi.Client{
		API:         exportapi.NewSDKClient(cfg, ef.endpoint),
		MaxAttempts: ef.maxAttempts,
		Backoff:     ef.backoff,
		OnRetry: func(op string, attempt int, wait time.Duration, err error) {
			fmt.Fprintf(stderr, "%s: attempt %d failed (%s); retrying in %v\n", op, attempt, oneLine(err), wait)
		},
	}, nil
}

// apiError gives an export API error its exit code: 1 for a FAILED
// export, 2 for the rest.
func apiError(err error) error {
	var e *exportapi.Error
	if !errors.As(err, &e) {
		return err // a cancelled context, an exitError
	}
	code := exitCannotCheck
	if e.Class == exportapi.ClassFailed {
		code = exitFindings
	}
	var pe exportapi.ParamErrors
	if errors.As(err, &pe) {
		msgs := make([]string, len(pe))
		for i, p := range pe {
			msgs[i] = flagMessage(p)
		}
		return &exitError{code: code, err: errors.New(strings.Join(msgs, "\n"))}
	}
	return &exitError{code: code, err: err}
}

// paramFlags names each parameter's flag.
var paramFlags = map[string]string{
	"TableArn":                       "--table-arn",
	"S3Bucket":                       "--s3-bucket",
	"S3BucketOwner":                  "--s3-bucket-owner",
	"S3Prefix":                       "--s3-prefix",
	"ExportFormat":                   "--export-format",
	"ExportTime":                     "--export-time",
	"ClientToken":                    "--client-token",
	"S3SseAlgorithm":                 "--s3-sse-algorithm",
	"S3SseKmsKeyId":                  "--s3-sse-kms-key-id",
	"ExportType":                     "--export-type",
	"IncrementalExportSpecification": "--from, --to and --view",
	"IncrementalExportSpecification.ExportFromTime": "--from",
	"IncrementalExportSpecification.ExportToTime":   "--to",
	"IncrementalExportSpecification.ExportViewType": "--view",
}

func flagMessage(p *exportapi.ParamError) string {
	name := paramFlags[p.Param]
	if name == "" {
		return p.Error()
	}
	rule := strings.NewReplacer("ExportFromTime", "--from", "ExportToTime", "--to", "INCREMENTAL_EXPORT only: set ExportType to INCREMENTAL_EXPORT",
		"INCREMENTAL_EXPORT only: give --export-type INCREMENTAL_EXPORT", "an INCREMENTAL_EXPORT takes --from and --to", "an incremental export takes --from and --to").Replace(p.Rule)
	if p.Null {
		return name + ": " + rule
	}
	return fmt.Sprintf("%s %q: %s", name, p.Value, rule)
}

// startFlags are export start's parameters as flags.
type startFlags struct {
	p                        exportapi.Params
	exportTime, from, to     string
	exportFormat, exportType string
}

func (sf *startFlags) add(f *pflag.FlagSet) {
	f.StringVar(&sf.p.TableArn, "table-arn", "", "the table's ARN, arn:aws:dynamodb:REGION:ACCOUNT:table/NAME (required)")
	f.StringVar(&sf.p.S3Bucket, "s3-bucket", "", "the bucket to export to (required)")
	f.StringVar(&sf.p.S3BucketOwner, "s3-bucket-owner", "", "the account ID owning the bucket, for a bucket of another account")
	f.StringVar(&sf.p.S3Prefix, "s3-prefix", "", "the key prefix of the export in the bucket")
	f.StringVar(&sf.exportFormat, "export-format", "", "DYNAMODB_JSON (the default) or ION")
	f.StringVar(&sf.exportTime, "export-time", "", "the time of the table's state to export, RFC 3339 or epoch seconds (default: now)")
	f.StringVar(&sf.p.ClientToken, "client-token", "", "makes a retried start idempotent for 8 hours (default: a new token, printed)")
	f.StringVar(&sf.p.S3SseAlgorithm, "s3-sse-algorithm", "", "AES256 or KMS")
	f.StringVar(&sf.p.S3SseKmsKeyID, "s3-sse-kms-key-id", "", "the KMS key for KMS encryption (1 to 2048 characters)")
	f.StringVar(&sf.exportType, "export-type", "", "FULL_EXPORT (the default) or INCREMENTAL_EXPORT")
	f.StringVar(&sf.from, "from", "", "incremental: the window's start, inclusive (RFC 3339 or epoch seconds)")
	f.StringVar(&sf.to, "to", "", "incremental: the window's end, exclusive (default: now); 15 minutes to 24 hours after --from")
	f.StringVar(&sf.p.View, "view", "", "incremental: NEW_AND_OLD_IMAGES (the default) or NEW_IMAGE")
}

// params returns the parameters, with times parsed.
func (sf *startFlags) params() (*exportapi.Params, error) {
	p := sf.p
	p.ExportFormat, p.ExportType = sf.exportFormat, sf.exportType
	for _, t := range []struct {
		flag, s string
		dst     *time.Time
	}{{"--export-time", sf.exportTime, &p.ExportTime}, {"--from", sf.from, &p.FromTime}, {"--to", sf.to, &p.ToTime}} {
		if t.s == "" {
			continue
		}
		v, err := exportapi.ParseTime(t.s)
		if err != nil {
			return nil, usageErrorf("%s: %v", t.flag, err)
		}
		*t.dst = v
	}
	return &p, nil
}

func printDescription(w io.Writer, d *types.ExportDescription, jsonOut bool) error {
	if jsonOut {
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-16s %s\n", k, v)
		}
	}
	tm := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	num := func(n *int64) string {
		if n == nil {
			return ""
		}
		return fmt.Sprint(*n)
	}
	line("export-arn", aws.ToString(d.ExportArn))
	line("status", string(d.ExportStatus))
	line("type", string(d.ExportType))
	line("format", string(d.ExportFormat))
	line("table-arn", aws.ToString(d.TableArn))
	line("table-id", aws.ToString(d.TableId))
	line("export-time", tm(d.ExportTime))
	if s := d.IncrementalExportSpecification; s != nil {
		line("from", tm(s.ExportFromTime))
		line("to", tm(s.ExportToTime))
		line("view", string(s.ExportViewType))
	}
	line("s3-bucket", aws.ToString(d.S3Bucket))
	line("s3-prefix", aws.ToString(d.S3Prefix))
	line("s3-bucket-owner", aws.ToString(d.S3BucketOwner))
	line("s3-sse", strings.TrimSpace(string(d.S3SseAlgorithm)+" "+aws.ToString(d.S3SseKmsKeyId)))
	line("client-token", aws.ToString(d.ClientToken))
	line("start-time", tm(d.StartTime))
	line("end-time", tm(d.EndTime))
	line("manifest", aws.ToString(d.ExportManifest))
	line("items", num(d.ItemCount))
	line("billed-bytes", num(d.BilledSizeBytes))
	line("failure-code", aws.ToString(d.FailureCode))
	line("failure-message", aws.ToString(d.FailureMessage))
	return nil
}

func newExportStartCmd(stdout, stderr io.Writer, ef *exportFlags) *cobra.Command {
	sf := &startFlags{}
	cmd := &cobra.Command{
		Use:   "start --table-arn ARN --s3-bucket BUCKET [flags]",
		Short: "Start an export (ExportTableToPointInTime)",
		Long: `start validates every parameter and calls ExportTableToPointInTime, then
prints the export's description; its export-arn is what describe and wait
take. Without --client-token a token is generated and printed: run the same
command with it to retry without starting a second export.`,
		Example: `  ddbexport export start --table-arn arn:aws:dynamodb:us-east-1:123456789012:table/orders --s3-bucket my-exports --s3-prefix daily
  ddbexport export start --table-arn ARN --s3-bucket B --export-type INCREMENTAL_EXPORT --from 2026-03-19T00:00:00Z --to 2026-03-19T06:00:00Z --view NEW_IMAGE`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := sf.params()
			if err != nil {
				return err
			}
			d, err := startExport(cmd, stderr, ef, p)
			if err != nil {
				return err
			}
			return printDescription(stdout, d, ef.jsonOut)
		},
	}
	sf.add(cmd.Flags())
	return cmd
}

// startExport validates p and starts the export; a generated token is
// said on stderr.
func startExport(cmd *cobra.Command, stderr io.Writer, ef *exportFlags, p *exportapi.Params) (*types.ExportDescription, error) {
	if err := p.Validate(time.Now()); err != nil {
		return nil, apiError(&exportapi.Error{Code: exportapi.CodeValidation, Class: exportapi.ClassUsage, Message: err.Error(), Err: err})
	}
	c, err := exportClient(cmd, stderr, ef)
	if err != nil {
		return nil, err
	}
	if p.ClientToken == "" {
		p.ClientToken = exportapi.NewClientToken()
		fmt.Fprintf(stderr, "client token %s (to retry this start without a second export: --client-token %s)\n", p.ClientToken, p.ClientToken)
	}
	d, err := c.Start(cmd.Context(), p)
	if err != nil {
		return nil, apiError(err)
	}
	return d, nil
}

func newExportDescribeCmd(stdout io.Writer, ef *exportFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "describe EXPORT-ARN",
		Short: "Describe an export (DescribeExport)",
		Args:  oneArg("EXPORT-ARN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := exportClient(cmd, cmd.ErrOrStderr(), ef)
			if err != nil {
				return err
			}
			d, err := c.Describe(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return printDescription(stdout, d, ef.jsonOut)
		},
	}
}

func newExportListCmd(stdout io.Writer, ef *exportFlags) *cobra.Command {
	var tableArn string
	var pageSize int
	cmd := &cobra.Command{
		Use:   "list [--table-arn ARN]",
		Short: "List the exports of a table, or of the account and region (ListExports, all pages)",
		Long: `list prints every export, newest first, one per line: its ARN, status and
type. It follows NextToken across all pages.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := exportClient(cmd, cmd.ErrOrStderr(), ef)
			if err != nil {
				return err
			}
			all, err := c.List(cmd.Context(), tableArn, pageSize)
			if err != nil {
				return apiError(err)
			}
			if ef.jsonOut {
				if all == nil {
					all = []types.ExportSummary{}
				}
				b, err := json.MarshalIndent(all, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s\n", b)
				return nil
			}
			for _, s := range all {
				fmt.Fprintf(stdout, "%s  %s  %s\n", aws.ToString(s.ExportArn), s.ExportStatus, s.ExportType)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tableArn, "table-arn", "", "only this table's exports")
	cmd.Flags().IntVar(&pageSize, "page-size", 0, "exports per call, 1 to 25 (0: 25)")
	return cmd
}

type waitFlags struct {
	interval, maxInterval time.Duration
	quiet                 bool
}

func (wf *waitFlags) add(f *pflag.FlagSet) {
	f.DurationVar(&wf.interval, "poll-interval", 5*time.Second, "first wait between polls, growing by half each poll")
	f.DurationVar(&wf.maxInterval, "max-poll-interval", time.Minute, "longest wait between polls")
	f.BoolVarP(&wf.quiet, "quiet", "q", false, "no progress on stderr")
}

// waitExport polls until the export is COMPLETED or FAILED, with progress
// on stderr.
func waitExport(cmd *cobra.Command, stderr io.Writer, ef *exportFlags, wf *waitFlags, arn string) (*types.ExportDescription, error) {
	if wf.interval <= 0 || wf.maxInterval <= 0 {
		return nil, usageErrorf("--poll-interval and --max-poll-interval must be positive")
	}
	c, err := exportClient(cmd, stderr, ef)
	if err != nil {
		return nil, err
	}
	began := time.Now()
	d, err := c.Wait(cmd.Context(), arn, exportapi.WaitOptions{
		Interval: wf.interval, MaxInterval: wf.maxInterval,
		Progress: func(d *types.ExportDescription) {
			if wf.quiet {
				return
			}
			fmt.Fprintf(stderr, "%s: %s after %v", arn, d.ExportStatus, time.Since(began).Round(time.Second))
			if d.ItemCount != nil {
				fmt.Fprintf(stderr, ", %d items", *d.ItemCount)
			}
			fmt.Fprintln(stderr)
		},
	})
	if err != nil {
		return d, apiError(err)
	}
	return d, nil
}

func newExportWaitCmd(stdout, stderr io.Writer, ef *exportFlags) *cobra.Command {
	wf := &waitFlags{}
	cmd := &cobra.Command{
		Use:   "wait EXPORT-ARN",
		Short: "Wait for an export to be COMPLETED or FAILED",
		Long: `wait polls DescribeExport with backoff until the export is COMPLETED
(exit 0) or FAILED (exit 1, with its FailureCode and FailureMessage), with
progress on stderr, then prints the description.`,
		Args: oneArg("EXPORT-ARN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := waitExport(cmd, stderr, ef, wf, args[0])
			if d != nil {
				printDescription(stdout, d, ef.jsonOut)
			}
			return err
		},
	}
	wf.add(cmd.Flags())
	return cmd
}

func newExportRunCmd(stdout, stderr io.Writer, ef *exportFlags) *cobra.Command {
	sf := &startFlags{}
	wf := &waitFlags{}
	var (
		buckets, s3Endpoint   string
		convertTo, convertOut string
		strict                bool
	)
	cmd := &cobra.Command{
		Use:   "run --table-arn ARN --s3-bucket BUCKET [flags]",
		Short: "Start an export, wait for it, verify it, and optionally convert it",
		Long: `run is start, then wait, then verify on the written export, then (with
--convert-to) convert, with one exit status for the whole: 0 when the export
COMPLETED and is intact (and converted), 1 when it FAILED or verify found
problems, 2 for usage and API errors.

The export is read from S3 (s3://BUCKET/PREFIX, with --s3-endpoint-url for
an S3-compatible store), or, against a local "ddbexport serve", from its
bucket folder: --buckets DIR, where s3://BUCKET/KEY is DIR/BUCKET/KEY.`,
		Example: `  ddbexport serve --buckets /tmp/buckets --table name=orders,items=orders.json,key=pk:S &
  ddbexport export run --endpoint-url http://127.0.0.1:8000 --buckets /tmp/buckets \
      --table-arn arn:aws:dynamodb:us-east-1:000000000000:table/orders --s3-bucket exports \
      --convert-to parquet --convert-out /tmp/lake`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (convertTo == "") != (convertOut == "") {
				return usageErrorf("--convert-to and --convert-out go together")
			}
			if buckets != "" && s3Endpoint != "" {
				return usageErrorf("--buckets reads a local folder; --s3-endpoint-url is for reading from S3: give one")
			}
			if s3Endpoint != "" {
				// The root's --endpoint-url is S3's; under export it is
				// DynamoDB's, so S3's comes from --s3-endpoint-url.
				if f := cmd.Root().PersistentFlags().Lookup("endpoint-url"); f != nil {
					if err := f.Value.Set(s3Endpoint); err != nil {
						return usageErrorf("--s3-endpoint-url: %v", err)
					}
				}
			}
			p, err := sf.params()
			if err != nil {
				return err
			}
			d, err := startExport(cmd, stderr, ef, p)
			if err != nil {
				return err
			}
			arn := aws.ToString(d.ExportArn)
			fmt.Fprintf(stderr, "started %s\n", arn)
			d, err = waitExport(cmd, stderr, ef, wf, arn)
			if err != nil {
				if d != nil {
					printDescription(stderr, d, false)
				}
				return err
			}
			id := arn[strings.LastIndex(arn, "/")+1:]
			path := "s3://" + p.S3Bucket
			if buckets != "" {
				path = filepath.Join(buckets, p.S3Bucket)
			}
			if prefix := strings.Trim(p.S3Prefix, "/"); prefix != "" {
				if buckets != "" {
					path = filepath.Join(path, filepath.FromSlash(prefix))
				} else {
					path += "/" + prefix
				}
			}
			vargs := []string{"--export-id", id}
			if strict {
				vargs = append(vargs, "--strict")
			}
			if wf.quiet {
				vargs = append(vargs, "-q")
			}
			if err := subcommand(cmd.Context(), newVerifyCmd(stdout, stderr), append(vargs, path)); err != nil {
				return err
			}
			if convertTo == "" {
				return nil
			}
			cargs := []string{"--to", convertTo, "--out", convertOut, "--export-id", id, "-q", path}
			return subcommand(cmd.Context(), newConvertCmd(stdout, stderr), cargs)
		},
	}
	f := cmd.Flags()
	sf.add(f)
	wf.add(f)
	f.StringVar(&buckets, "buckets", "", "read the export from this folder of buckets (a local ddbexport serve's --buckets) instead of S3")
	f.StringVar(&s3Endpoint, "s3-endpoint-url", "", "read the export from this S3-compatible endpoint")
	f.StringVar(&convertTo, "convert-to", "", "then convert it: parquet, dynamodb-json or ion")
	f.StringVar(&convertOut, "convert-out", "", "the folder (or s3:// URL) of the conversion")
	f.BoolVar(&strict, "strict", false, "verify: treat warnings as findings")
	return cmd
}

// subcommand runs another command of this program (verify, convert) as
// its own, and returns its outcome: nil for exit status 0.
func subcommand(ctx context.Context, cmd *cobra.Command, args []string) error {
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	var ee *exitError
	if errors.As(err, &ee) && ee.code == exitOK && ee.err == nil {
		return nil
	}
	return err
}
