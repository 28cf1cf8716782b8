package exportapi

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of *dynamodb.Client this package calls.
type API interface {
	ExportTableToPointInTime(ctx context.Context, in *dynamodb.ExportTableToPointInTimeInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ExportTableToPointInTimeOutput, error)
	DescribeExport(ctx context.Context, in *dynamodb.DescribeExportInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeExportOutput, error)
	ListExports(ctx context.Context, in *dynamodb.ListExportsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ListExportsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// A Client calls the export API with validation, retries and explained
// errors. Only API is required. Give the SDK client a retryer of one
// attempt (retry.AddWithMaxAttempts(retry.NewStandard(), 1) or
// RetryMaxAttempts 1) so that retries are this Client's alone.
type Client struct {
	API API

	// Now is the clock for validation; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries and polls; nil means a timer that
	// ends early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxAttempts bounds the calls of one operation when it fails with
	// InternalServerError, throttling or a 5xx; 0 means 5.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled before each
	// next one up to 20 s; 0 means 500 ms.
	Backoff time.Duration
	// OnRetry, if set, is told of each failed attempt that will be
	// retried.
	OnRetry func(op string, attempt int, wait time.Duration, err error)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// call runs f, retrying what is retryable; it returns an *Error.
func (c *Client) call(ctx context.Context, op, subject string, f func() error) error {
	max := c.MaxAttempts
	if max <= 0 {
		max = 5
	}
	wait := c.Backoff
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= max || !retryable(err) {
			return explain(op, subject, err, attempt)
		}
		if c.OnRetry != nil {
			c.OnRetry(op, attempt, wait, err)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 20*time.Second)
	}
}

// Start validates p (see Params.Validate) and starts the export. Without a
// ClientToken one is generated and stored in p first, so that calling
// Start again with the same p is idempotent. A validation failure is an
// *Error of ClassUsage and CodeValidation wrapping ParamErrors, and no
// call is made.
func (c *Client) Start(ctx context.Context, p *Params) (*types.ExportDescription, error) {
	if err := p.Validate(c.now()); err != nil {
		return nil, explain("ExportTableToPointInTime", p.TableArn, err, 0)
	}
	if p.ClientToken == "" {
		p.ClientToken = NewClientToken()
	}
	in := p.Input()
	var out *dynamodb.ExportTableToPointInTimeOutput
	err := c.call(ctx, "ExportTableToPointInTime", p.TableArn, func() (err error) {
		out, err = c.API.ExportTableToPointInTime(ctx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.ExportDescription == nil || out.ExportDescription.ExportArn == nil {
		return nil, &Error{Op: "ExportTableToPointInTime", Class: ClassUnavailable, Message: "ExportTableToPointInTime: the response has no ExportDescription.ExportArn"}
	}
	return out.ExportDescription, nil
}

// Describe returns an export's description.
func (c *Client) Describe(ctx context.Context, exportArn string) (*types.ExportDescription, error) {
	if n := len(exportArn); n < 37 || n > 1024 {
		return nil, &Error{Op: "DescribeExport", Code: CodeValidation, Class: ClassUsage,
			Message: fmt.Sprintf("%q is not an export ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/export/ID, 37 to 1024 characters)", shorten(exportArn))}
	}
	var out *dynamodb.DescribeExportOutput
	err := c.call(ctx, "DescribeExport", exportArn, func() (err error) {
		out, err = c.API.DescribeExport(ctx, &dynamodb.DescribeExportInput{ExportArn: aws.String(exportArn)})
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.ExportDescription == nil {
		return nil, &Error{Op: "DescribeExport", Class: ClassUnavailable, Message: "DescribeExport: the response has no ExportDescription"}
	}
	return out.ExportDescription, nil
}

// List returns every export of the table (or of the account and region,
// with tableArn ""), following NextToken across all pages of pageSize
// (0 means the API's largest, 25).
func (c *Client) List(ctx context.Context, tableArn string, pageSize int) ([]types.ExportSummary, error) {
	if tableArn != "" {
		if _, err := ParseTableARN(tableArn); err != nil {
			return nil, &Error{Op: "ListExports", Code: CodeValidation, Class: ClassUsage, Message: "TableArn: " + err.Error()}
		}
	}
	if pageSize < 0 || pageSize > MaxListResults {
		return nil, &Error{Op: "ListExports", Code: CodeValidation, Class: ClassUsage,
			Message: fmt.Sprintf("MaxResults %d: must be 1 to %d", pageSize, MaxListResults)}
	}
	if pageSize == 0 {
		pageSize = MaxListResults
	}
	var all []types.ExportSummary
	in := &dynamodb.ListExportsInput{TableArn: optString(tableArn), MaxResults: aws.Int32(int32(pageSize))}
	seen := map[string]bool{}
	for {
		var out *dynamodb.ListExportsOutput
		err := c.call(ctx, "ListExports", tableArn, func() (err error) {
			out, err = c.API.ListExports(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, out.ExportSummaries...)
		if out.NextToken == nil || *out.NextToken == "" {
			return all, nil
		}
		if seen[*out.NextToken] {
			return nil, &Error{Op: "ListExports", Class: ClassUnavailable, Message: "ListExports: the service returned the same NextToken twice"}
		}
		seen[*out.NextToken] = true
		in.NextToken = out.NextToken
	}
}

// WaitOptions configure Wait.
type WaitOptions struct {
	// Interval is the first wait between polls, growing by half each
	// poll up to MaxInterval; 0 means 5 s, and MaxInterval 0 means 1 min.
	Interval, MaxInterval time.Duration
	// Progress, if set, is called with each description polled.
	Progress func(*types.ExportDescription)
}

// Wait polls DescribeExport until the export is COMPLETED or FAILED. It
// returns the last description; for a FAILED export also an *Error of
// ClassFailed whose message carries FailureCode and FailureMessage.
func (c *Client) Wait(ctx context.Context, exportArn string, opt WaitOptions) (*types.ExportDescription, error) {
	wait := opt.Interval
	if wait <= 0 {
		wait = 5 * time.Second
	}
	maxWait := opt.MaxInterval
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	maxWait = max(maxWait, wait)
	for {
		d, err := c.Describe(ctx, exportArn)
		if err != nil {
			return nil, err
		}
		if opt.Progress != nil {
			opt.Progress(d)
		}
		switch d.ExportStatus {
		case types.ExportStatusCompleted:
			return d, nil
		case types.ExportStatusFailed:
			return d, &Error{Op: "DescribeExport", Code: CodeExportFailed, Class: ClassFailed,
				Message: fmt.Sprintf("export %s FAILED: %s: %s", exportArn, aws.ToString(d.FailureCode), aws.ToString(d.FailureMessage))}
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(wait+wait/2, maxWait)
	}
}

// NewSDKClient returns the SDK's dynamodb client for cfg, with one
// attempt per call (this package retries) and, when endpoint is not "",
// pointed at that endpoint (such as a local `ddbexport serve`).
func NewSDKClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.RetryMaxAttempts = 1
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}
