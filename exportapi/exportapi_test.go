package exportapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbexport/ddbexport/exportapi"
)

const tableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders"

var now = time.Date(2026, 3, 19, 6, 0, 0, 0, time.UTC)

func valid() exportapi.Params {
	return exportapi.Params{TableArn: tableArn, S3Bucket: "my-bucket"}
}

func TestParams_Validate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("k", n) }
	cases := []struct {
		name  string
		edit  func(p *exportapi.Params)
		param string // the ParamError's Param; "" for valid
		rule  string // part of its message
	}{
		{"minimal", func(p *exportapi.Params) {}, "", ""},
		{"every full parameter", func(p *exportapi.Params) {
			p.S3BucketOwner, p.S3Prefix, p.ExportFormat = "123456789012", "a/b", "ION"
			p.ExportTime, p.ClientToken = now.Add(-time.Hour), "tok-1"
			p.S3SseAlgorithm, p.S3SseKmsKeyID, p.ExportType = "KMS", long(2048), "FULL_EXPORT"
		}, "", ""},
		{"incremental", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ToTime, p.View = "INCREMENTAL_EXPORT", now.Add(-2*time.Hour), now.Add(-time.Hour), "NEW_IMAGE"
		}, "", ""},
		{"incremental to now", func(p *exportapi.Params) {
			p.ExportType, p.FromTime = "INCREMENTAL_EXPORT", now.Add(-24*time.Hour)
		}, "", ""},
		{"no table", func(p *exportapi.Params) { p.TableArn = "" }, "TableArn", "is required"},
		{"table not an ARN", func(p *exportapi.Params) { p.TableArn = "orders" }, "TableArn", "must be a table ARN"},
		{"table ARN too long", func(p *exportapi.Params) { p.TableArn = tableArn + long(1024) }, "TableArn", "at most 1024"},
		{"no bucket", func(p *exportapi.Params) { p.S3Bucket = "" }, "S3Bucket", "is required"},
		{"bucket pattern", func(p *exportapi.Params) { p.S3Bucket = "-bucket" }, "S3Bucket", "is not a bucket name"},
		{"bucket slash", func(p *exportapi.Params) { p.S3Bucket = "a/b" }, "S3Bucket", "is not a bucket name"},
		{"bucket one char", func(p *exportapi.Params) { p.S3Bucket = "a" }, "S3Bucket", "is not a bucket name"},
		{"bucket too long", func(p *exportapi.Params) { p.S3Bucket = long(256) }, "S3Bucket", "at most 255"},
		{"owner", func(p *exportapi.Params) { p.S3BucketOwner = "12345" }, "S3BucketOwner", "12-digit"},
		{"prefix too long", func(p *exportapi.Params) { p.S3Prefix = long(1025) }, "S3Prefix", "at most 1024"},
		{"format", func(p *exportapi.Params) { p.ExportFormat = "CSV" }, "ExportFormat", "one of DYNAMODB_JSON, ION"},
		{"format case", func(p *exportapi.Params) { p.ExportFormat = "ion" }, "ExportFormat", "one of DYNAMODB_JSON, ION"},
		{"token", func(p *exportapi.Params) { p.ClientToken = "a$b" }, "ClientToken", "'$'"},
		{"sse", func(p *exportapi.Params) { p.S3SseAlgorithm = "aws:kms" }, "S3SseAlgorithm", "one of AES256, KMS"},
		{"kms key too long", func(p *exportapi.Params) { p.S3SseKmsKeyID = long(2049) }, "S3SseKmsKeyId", "at most 2048"},
		{"type", func(p *exportapi.Params) { p.ExportType = "DELTA" }, "ExportType", "one of FULL_EXPORT, INCREMENTAL_EXPORT"},
		{"view", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.View = "INCREMENTAL_EXPORT", now.Add(-time.Hour), "OLD_IMAGE"
		}, "IncrementalExportSpecification.ExportViewType", "one of NEW_AND_OLD_IMAGES, NEW_IMAGE"},
		{"incremental without from", func(p *exportapi.Params) { p.ExportType = "INCREMENTAL_EXPORT" },
			"IncrementalExportSpecification.ExportFromTime", "is required"},
		{"incremental with export time", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ExportTime = "INCREMENTAL_EXPORT", now.Add(-time.Hour), now.Add(-time.Hour)
		}, "ExportTime", "FULL_EXPORT only"},
		{"window on a full export", func(p *exportapi.Params) { p.FromTime = now.Add(-time.Hour) },
			"IncrementalExportSpecification", "INCREMENTAL_EXPORT only"},
		{"export time in the future", func(p *exportapi.Params) { p.ExportTime = now.Add(time.Second) }, "ExportTime", "in the future"},
		{"from in the future", func(p *exportapi.Params) {
			p.ExportType, p.FromTime = "INCREMENTAL_EXPORT", now.Add(time.Minute)
		}, "IncrementalExportSpecification.ExportFromTime", "in the future"},
		{"to in the future", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ToTime = "INCREMENTAL_EXPORT", now.Add(-time.Hour), now.Add(time.Minute)
		}, "IncrementalExportSpecification.ExportToTime", "in the future"},
		{"from after to", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ToTime = "INCREMENTAL_EXPORT", now.Add(-time.Hour), now.Add(-2*time.Hour)
		}, "IncrementalExportSpecification.ExportFromTime", "before ExportToTime"},
		{"window too short", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ToTime = "INCREMENTAL_EXPORT", now.Add(-time.Hour), now.Add(-time.Hour+15*time.Minute-time.Millisecond)
		}, "IncrementalExportSpecification.ExportToTime", "at least 15 minutes"},
		{"window just 15 minutes", func(p *exportapi.Params) {
			p.ExportType, p.FromTime, p.ToTime = "INCREMENTAL_EXPORT", now.Add(-time.Hour), now.Add(-45*time.Minute)
		}, "", ""},
		{"window too long", func(p *exportapi.Params) {
			p.ExportType, p.FromTime = "INCREMENTAL_EXPORT", now.Add(-24*time.Hour-time.Second)
		}, "IncrementalExportSpecification.ExportToTime", "at most 24 hours"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.edit(&p)
			err := p.Validate(now)
			if c.param == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var pe exportapi.ParamErrors
			if !errors.As(err, &pe) {
				t.Fatalf("Validate = %v, want ParamErrors", err)
			}
			if len(pe) != 1 || pe[0].Param != c.param || !strings.Contains(pe[0].Error(), c.rule) || !strings.HasPrefix(pe[0].Error(), c.param) {
				t.Fatalf("Validate = %q, want one error of %s saying %q", err, c.param, c.rule)
			}
		})
	}
}

func TestParamErrors_DynamoDBMessage(t *testing.T) {
	p := exportapi.Params{S3Bucket: "b1", ExportFormat: "CSV"}
	err := p.ValidateShape()
	var pe exportapi.ParamErrors
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	want := "2 validation errors detected: Value null at 'tableArn' failed to satisfy constraint: Member must not be null; " +
		"Value 'CSV' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]"
	if got := pe.DynamoDBMessage(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-03-19T06:14:35Z":      time.Date(2026, 3, 19, 6, 14, 35, 0, time.UTC),
		"2026-03-19T08:14:35+02:00": time.Date(2026, 3, 19, 6, 14, 35, 0, time.UTC),
		"1773900875":                time.Unix(1773900875, 0).UTC(),
		"1773900875.413":            time.Unix(1773900875, 413e6).UTC(),
	} {
		got, err := exportapi.ParseTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "1e9", "-5", "17739.", "2026-03-19"} {
		if _, err := exportapi.ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) succeeded", in)
		}
	}
}

func TestParseTableARN(t *testing.T) {
	a, err := exportapi.ParseTableARN("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/my.table_1")
	if err != nil || a.Partition != "aws-cn" || a.Region != "cn-north-1" || a.Account != "123456789012" || a.Table != "my.table_1" {
		t.Fatalf("got %+v, %v", a, err)
	}
	for _, bad := range []string{"", "arn:aws:s3:::bucket", "arn:aws:dynamodb:us-east-1:0000:table/t1x",
		"arn:aws:dynamodb:us-east-1:000000000000:table/ab", "arn:aws:dynamodb:us-east-1:000000000000:table/orders/export/x"} {
		if _, err := exportapi.ParseTableARN(bad); err == nil {
			t.Errorf("ParseTableARN(%q) succeeded", bad)
		}
	}
	if got := exportapi.ExportARNTable(tableArn + "/export/01773900875413-a208b915"); got != tableArn {
		t.Errorf("ExportARNTable = %q", got)
	}
}

func TestNewClientToken(t *testing.T) {
	a, b := exportapi.NewClientToken(), exportapi.NewClientToken()
	if a == b || len(a) != 36 || strings.Count(a, "-") != 4 {
		t.Fatalf("tokens %q %q", a, b)
	}
}

// fake is a scripted DynamoDB endpoint: each request's target is looked up
// in replies, which returns a status and a JSON body.
type fake struct {
	mu      sync.Mutex
	calls   []string
	bodies  []map[string]any
	replies func(target string, n int, body map[string]any) (int, string)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(raw, &body)
	f.mu.Lock()
	f.calls = append(f.calls, target)
	f.bodies = append(f.bodies, body)
	n := len(f.calls)
	f.mu.Unlock()
	status, out := f.replies(target, n, body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

func apiError(code, msg string) string {
	return fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, msg)
}

// newClient returns a Client over the real SDK client pointed at f, with
// fake sleeps recorded in slept.
func newClient(t *testing.T, f *fake) (*exportapi.Client, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
	})}
	var slept []time.Duration
	c := &exportapi.Client{
		API: exportapi.NewSDKClient(cfg, srv.URL),
		Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		},
	}
	return c, &slept
}

const descJSON = `{"ExportDescription":{"ExportArn":"%s","ExportStatus":"%s","StartTime":1773900875.413,"FailureCode":"S3NoSuchBucket","FailureMessage":"The specified bucket does not exist"}}`

func TestClient_Start(t *testing.T) {
	f := &fake{replies: func(target string, n int, body map[string]any) (int, string) {
		return 200, fmt.Sprintf(descJSON, tableArn+"/export/01773900875413-a208b915", "IN_PROGRESS")
	}}
	c, _ := newClient(t, f)
	p := valid()
	p.ExportType, p.FromTime, p.ToTime, p.View = "INCREMENTAL_EXPORT", now.Add(-2*time.Hour), now.Add(-time.Hour), "NEW_IMAGE"
	d, err := c.Start(context.Background(), &p)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.ExportArn) != tableArn+"/export/01773900875413-a208b915" || d.ExportStatus != types.ExportStatusInProgress {
		t.Fatalf("description %+v", d)
	}
	if len(p.ClientToken) != 36 {
		t.Fatalf("no token generated: %q", p.ClientToken)
	}
	b := f.bodies[0]
	spec, _ := b["IncrementalExportSpecification"].(map[string]any)
	if b["ClientToken"] != p.ClientToken || b["TableArn"] != tableArn || b["S3Bucket"] != "my-bucket" ||
		b["ExportType"] != "INCREMENTAL_EXPORT" || spec["ExportViewType"] != "NEW_IMAGE" ||
		spec["ExportFromTime"] != float64(now.Add(-2*time.Hour).Unix()) || b["ExportTime"] != nil {
		t.Fatalf("request body %v", b)
	}
	// A validation error makes no call.
	p.ExportFormat = "CSV"
	_, err = c.Start(context.Background(), &p)
	var e *exportapi.Error
	if !errors.As(err, &e) || e.Class != exportapi.ClassUsage || e.Code != exportapi.CodeValidation || !strings.Contains(e.Message, "ExportFormat") {
		t.Fatalf("Start = %v", err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("%d calls, want 1", len(f.calls))
	}
}

// TestClient_errors: every error of the API, as the SDK parses it from the
// wire, becomes a message that says what to do and the right class.
func TestClient_errors(t *testing.T) {
	cases := []struct {
		code  string
		class exportapi.Class
		says  string
	}{
		{"ValidationException", exportapi.ClassUsage, "the request is invalid: boom"},
		{"TableNotFoundException", exportapi.ClassUsage, "check the ARN's account, region and table name"},
		{"PointInTimeRecoveryUnavailableException", exportapi.ClassUsage, "update-continuous-backups --table-name orders --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true"},
		{"InvalidExportTimeException", exportapi.ClassUsage, "point-in-time recovery window (boom)"},
		{"IdempotentParameterMismatchException", exportapi.ClassUsage, "leave --client-token out"},
		{"ExportConflictException", exportapi.ClassUnavailable, "same S3 bucket and prefix"},
		{"LimitExceededException", exportapi.ClassUnavailable, "up to 300 at once"},
		{"InternalServerError", exportapi.ClassUnavailable, "internal error 5 times (boom)"},
		{"AccessDeniedException", exportapi.ClassUsage, "check your AWS credentials"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			status := 400
			if c.code == "InternalServerError" {
				status = 500
			}
			f := &fake{replies: func(string, int, map[string]any) (int, string) { return status, apiError(c.code, "boom") }}
			cl, slept := newClient(t, f)
			p := valid()
			_, err := cl.Start(context.Background(), &p)
			var e *exportapi.Error
			if !errors.As(err, &e) || e.Code != c.code || e.Class != c.class || !strings.Contains(e.Message, c.says) {
				t.Fatalf("Start = %v (%+v)", err, e)
			}
			wantCalls := 1
			if c.code == "InternalServerError" {
				wantCalls = 5
				if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}; fmt.Sprint(*slept) != fmt.Sprint(want) {
					t.Fatalf("slept %v, want %v", *slept, want)
				}
			}
			if len(f.calls) != wantCalls {
				t.Fatalf("%d calls, want %d", len(f.calls), wantCalls)
			}
		})
	}
	t.Run("ExportNotFoundException", func(t *testing.T) {
		f := &fake{replies: func(string, int, map[string]any) (int, string) {
			return 400, apiError("ExportNotFoundException", "nope")
		}}
		cl, _ := newClient(t, f)
		arn := tableArn + "/export/01773900875413-a208b915"
		_, err := cl.Describe(context.Background(), arn)
		var e *exportapi.Error
		if !errors.As(err, &e) || e.Code != exportapi.CodeExportNotFound || e.Class != exportapi.ClassUsage || !strings.Contains(e.Message, "no export "+arn) {
			t.Fatalf("Describe = %v", err)
		}
		if _, err := cl.Describe(context.Background(), "short"); !errors.As(err, &e) || e.Code != exportapi.CodeValidation || len(f.calls) != 1 {
			t.Fatalf("Describe(short) = %v after %d calls", err, len(f.calls))
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		cl := &exportapi.Client{API: exportapi.NewSDKClient(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, url)}
		_, err := cl.Describe(context.Background(), tableArn+"/export/01773900875413-a208b915")
		var e *exportapi.Error
		if !errors.As(err, &e) || e.Class != exportapi.ClassUnavailable || !strings.Contains(e.Message, "cannot reach DynamoDB") {
			t.Fatalf("Describe = %v", err)
		}
	})
}

// TestClient_Start_retried: an InternalServerError is retried with the same
// ClientToken, and the second attempt's answer is returned.
func TestClient_Start_retried(t *testing.T) {
	f := &fake{replies: func(target string, n int, body map[string]any) (int, string) {
		if n == 1 {
			return 500, apiError("InternalServerError", "try again")
		}
		return 200, fmt.Sprintf(descJSON, tableArn+"/export/01773900875413-a208b915", "IN_PROGRESS")
	}}
	cl, slept := newClient(t, f)
	var retries []string
	cl.OnRetry = func(op string, attempt int, wait time.Duration, err error) {
		retries = append(retries, fmt.Sprintf("%s#%d %v", op, attempt, wait))
	}
	p := valid()
	if _, err := cl.Start(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	if len(f.bodies) != 2 || f.bodies[0]["ClientToken"] != f.bodies[1]["ClientToken"] || f.bodies[0]["ClientToken"] == nil {
		t.Fatalf("tokens %v / %v", f.bodies[0]["ClientToken"], f.bodies[1]["ClientToken"])
	}
	if len(*slept) != 1 || fmt.Sprint(retries) != "[ExportTableToPointInTime#1 500ms]" {
		t.Fatalf("slept %v, retries %v", *slept, retries)
	}
}

func TestClient_List(t *testing.T) {
	// 7 exports in pages of 3: three calls, tokens passed on.
	f := &fake{replies: func(target string, n int, body map[string]any) (int, string) {
		start := 0
		if tok, ok := body["NextToken"].(string); ok {
			fmt.Sscanf(tok, "from-%d", &start)
		}
		var sums []string
		for i := start; i < min(start+3, 7); i++ {
			sums = append(sums, fmt.Sprintf(`{"ExportArn":"%s/export/0177390087541%d-a208b915","ExportStatus":"COMPLETED","ExportType":"FULL_EXPORT"}`, tableArn, i))
		}
		next := ""
		if start+3 < 7 {
			next = fmt.Sprintf(`,"NextToken":"from-%d"`, start+3)
		}
		return 200, `{"ExportSummaries":[` + strings.Join(sums, ",") + `]` + next + `}`
	}}
	cl, _ := newClient(t, f)
	all, err := cl.List(context.Background(), tableArn, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 || len(f.calls) != 3 || !strings.HasSuffix(aws.ToString(all[6].ExportArn), "6-a208b915") {
		t.Fatalf("%d summaries in %d calls", len(all), len(f.calls))
	}
	if f.bodies[0]["MaxResults"] != float64(3) || f.bodies[0]["TableArn"] != tableArn || f.bodies[2]["NextToken"] != "from-6" {
		t.Fatalf("bodies %v", f.bodies)
	}
	if _, err := cl.List(context.Background(), "", 26); err == nil {
		t.Fatal("MaxResults 26 accepted")
	}
	if _, err := cl.List(context.Background(), "orders", 0); err == nil {
		t.Fatal("a table name for an ARN accepted")
	}
}

func TestClient_Wait(t *testing.T) {
	arn := tableArn + "/export/01773900875413-a208b915"
	for _, final := range []string{"COMPLETED", "FAILED"} {
		t.Run(final, func(t *testing.T) {
			f := &fake{replies: func(target string, n int, body map[string]any) (int, string) {
				if n == 2 {
					return 500, apiError("InternalServerError", "blip")
				}
				status := "IN_PROGRESS"
				if n >= 5 {
					status = final
				}
				return 200, fmt.Sprintf(descJSON, arn, status)
			}}
			cl, slept := newClient(t, f)
			var seen []string
			d, err := cl.Wait(context.Background(), arn, exportapi.WaitOptions{
				Interval: 2 * time.Second, MaxInterval: 4 * time.Second,
				Progress: func(d *types.ExportDescription) { seen = append(seen, string(d.ExportStatus)) },
			})
			if d == nil || string(d.ExportStatus) != final {
				t.Fatalf("Wait = %v, %v", d, err)
			}
			if want := "[IN_PROGRESS IN_PROGRESS IN_PROGRESS " + final + "]"; fmt.Sprint(seen) != want {
				t.Fatalf("progress %v, want %s", seen, want)
			}
			// Polls wait 2s, 3s, 4s (capped); the retry of the 500 waits 500ms.
			if want := "[2s 500ms 3s 4s]"; fmt.Sprint(*slept) != want {
				t.Fatalf("slept %v, want %s", *slept, want)
			}
			var e *exportapi.Error
			if final == "COMPLETED" && err != nil {
				t.Fatal(err)
			}
			if final == "FAILED" && (!errors.As(err, &e) || e.Class != exportapi.ClassFailed ||
				!strings.Contains(e.Message, "S3NoSuchBucket: The specified bucket does not exist")) {
				t.Fatalf("Wait = %v", err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		f := &fake{replies: func(string, int, map[string]any) (int, string) { return 200, fmt.Sprintf(descJSON, arn, "IN_PROGRESS") }}
		cl, _ := newClient(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		cl.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
		if _, err := cl.Wait(ctx, arn, exportapi.WaitOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v", err)
		}
	})
}
