package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/exportapi"
	"github.com/ddbexport/ddbexport/exportapi/server"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// The clock: the table's PITR window starts at since; writes happen at
// t1 < t2 < t3; the service's time is start.
var (
	since = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	t1    = since.Add(2 * time.Hour)
	t2    = t1.Add(time.Hour)
	t3    = t2.Add(time.Hour)
	start = t3.Add(25 * time.Hour)
)

// history: base items a, b, c; at t1 d is inserted and a modified; at t2
// b is deleted; at t3 d is modified and e inserted then (same window)
// deleted.
func history(t *testing.T) string {
	us := func(tm time.Time) int64 { return tm.UnixMicro() }
	lines := []string{
		`{"pk":{"S":"a"},"n":{"N":"1"}}`,
		`{"Item":{"pk":{"S":"b"},"n":{"N":"2"},"tags":{"SS":["x","y"]}}}`,
		`{"pk":{"S":"c"},"bin":{"B":"AAE="}}`,
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"d"}},"NewImage":{"pk":{"S":"d"},"n":{"N":"4"}}}`, us(t1)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"n":{"N":"10"}},"OldImage":{"pk":{"S":"a"},"n":{"N":"1"}}}`, us(t1)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"b"}},"OldImage":{"pk":{"S":"b"}}}`, us(t2)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"d"}},"NewImage":{"pk":{"S":"d"},"n":{"N":"5"}}}`, us(t3)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"e"}},"NewImage":{"pk":{"S":"e"}}}`, us(t3)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"e"}}}`, us(t3)+1),
	}
	// Gzip, to cover that too.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, strings.Join(lines, "\n")+"\n\n")
	zw.Close()
	p := filepath.Join(t.TempDir(), "orders.json.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a server on a fake clock, with held exports, behind httptest and
// the SDK's client.
type env struct {
	t       *testing.T
	srv     *server.Server
	client  *dynamodb.Client
	url     string
	buckets string

	mu   sync.Mutex
	now  time.Time
	held []func()
}

func newEnv(t *testing.T, edit func(*server.Options)) *env {
	t.Helper()
	e := &env{t: t, now: start, buckets: t.TempDir()}
	os.Mkdir(filepath.Join(e.buckets, "bkt"), 0o755)
	orders, err := server.ParseTableSpec(context.Background(), "name=orders,items="+history(t)+",key=pk:S,since="+since.Format(time.RFC3339), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	nopitr, err := server.ParseTableSpec(context.Background(), "name=nopitr,key=pk:S,sort=sk:N,pitr=false", since)
	if err != nil {
		t.Fatal(err)
	}
	opt := server.Options{
		Buckets: server.LocalBuckets(e.buckets),
		Now:     e.clock,
		Files:   3,
		Go: func(work func()) {
			e.mu.Lock()
			e.held = append(e.held, work)
			e.mu.Unlock()
		},
	}
	if edit != nil {
		edit(&opt)
	}
	e.srv, err = server.New(opt, orders, nopitr)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(e.srv)
	t.Cleanup(hs.Close)
	e.url = hs.URL
	e.client = exportapi.NewSDKClient(aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "anything", SecretAccessKey: "at all"}, nil
	})}, hs.URL)
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// finish runs the held exports.
func (e *env) finish() {
	e.mu.Lock()
	held := e.held
	e.held = nil
	e.mu.Unlock()
	for _, w := range held {
		w()
	}
	e.srv.Wait()
}

func (e *env) start(in *dynamodb.ExportTableToPointInTimeInput) (*types.ExportDescription, error) {
	out, err := e.client.ExportTableToPointInTime(context.Background(), in)
	if err != nil {
		return nil, err
	}
	return out.ExportDescription, nil
}

func (e *env) describe(arn string) *types.ExportDescription {
	e.t.Helper()
	out, err := e.client.DescribeExport(context.Background(), &dynamodb.DescribeExportInput{ExportArn: aws.String(arn)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ExportDescription
}

const ordersArn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders"

func full(exportTime time.Time) *dynamodb.ExportTableToPointInTimeInput {
	in := &dynamodb.ExportTableToPointInTimeInput{TableArn: aws.String(ordersArn), S3Bucket: aws.String("bkt")}
	if !exportTime.IsZero() {
		in.ExportTime = aws.Time(exportTime)
	}
	return in
}

func incremental(from, to time.Time, view types.ExportViewType) *dynamodb.ExportTableToPointInTimeInput {
	return &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String(ordersArn), S3Bucket: aws.String("bkt"), ExportType: types.ExportTypeIncrementalExport,
		IncrementalExportSpecification: &types.IncrementalExportSpecification{
			ExportFromTime: aws.Time(from), ExportToTime: aws.Time(to), ExportViewType: view,
		},
	}
}

// readExport verifies the export the description names, with the
// project's verifier, and returns its records as DynamoDB JSON lines,
// sorted.
func (e *env) readExport(d *types.ExportDescription) (*manifest.Summary, []string) {
	t := e.t
	t.Helper()
	st := localfs.New(filepath.Join(e.buckets, aws.ToString(d.S3Bucket)))
	ctx := context.Background()
	refs, err := manifest.Find(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(refs, func(r manifest.Ref) bool { return strings.HasSuffix(aws.ToString(d.ExportArn), "/export/"+r.ID) })
	if i < 0 {
		t.Fatalf("export %s not in the bucket (%v)", aws.ToString(d.ExportArn), refs)
	}
	ref := refs[i]
	if want := ref.Key(manifest.SummaryName); aws.ToString(d.ExportManifest) != want {
		t.Fatalf("ExportManifest %q, want %q", aws.ToString(d.ExportManifest), want)
	}
	// Not strict: a KMS export's etags cannot be checked (a warning).
	rep, err := verify.Verify(ctx, st, ref, verify.Options{})
	if err != nil || rep.ExitCode() != 0 || len(rep.Findings) > 0 {
		t.Fatalf("verify: %v, findings %+v, warnings %+v", err, rep.Findings, rep.Warnings)
	}
	raw, _ := store.ReadAll(ctx, st, ref.Key(manifest.SummaryName), 1<<20)
	sum, err := manifest.ParseSummary("summary", raw)
	if err != nil {
		t.Fatal(err)
	}
	files, _, _, err := manifest.ReadFiles(ctx, st, ref.Key(manifest.FilesName))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range files {
		rc, err := st.Open(ctx, f.DataFileS3Key)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := codec.Open(rc)
		dec, _ := codec.NewDecoder(sum.Format(), r, codec.DecodeOptions{})
		for dec.Next() {
			lines = append(lines, string(ddbjson.AppendRecord(nil, dec.Record())))
		}
		if err := dec.Err(); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	slices.Sort(lines)
	return sum, lines
}

func TestServer_fullExport(t *testing.T) {
	cases := []struct {
		at   time.Time
		want []string
	}{
		{since, []string{
			`{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}`,
			`{"Item":{"pk":{"S":"b"},"n":{"N":"2"},"tags":{"SS":["x","y"]}}}`,
			`{"Item":{"pk":{"S":"c"},"bin":{"B":"AAE="}}}`,
		}},
		{t2, []string{ // writes at t1, not yet the delete at t2
			`{"Item":{"pk":{"S":"a"},"n":{"N":"10"}}}`,
			`{"Item":{"pk":{"S":"b"},"n":{"N":"2"},"tags":{"SS":["x","y"]}}}`,
			`{"Item":{"pk":{"S":"c"},"bin":{"B":"AAE="}}}`,
			`{"Item":{"pk":{"S":"d"},"n":{"N":"4"}}}`,
		}},
		{time.Time{}, []string{ // now
			`{"Item":{"pk":{"S":"a"},"n":{"N":"10"}}}`,
			`{"Item":{"pk":{"S":"c"},"bin":{"B":"AAE="}}}`,
			`{"Item":{"pk":{"S":"d"},"n":{"N":"5"}}}`,
		}},
	}
	for _, format := range []types.ExportFormat{types.ExportFormatDynamodbJson, types.ExportFormatIon} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s at %v", format, c.at.Format(time.Kitchen)), func(t *testing.T) {
				e := newEnv(t, nil)
				in := full(c.at)
				in.ExportFormat = format
				in.S3Prefix = aws.String("exports/daily")
				in.ClientToken = aws.String("tok")
				in.S3SseAlgorithm = types.S3SseAlgorithmKms
				in.S3SseKmsKeyId = aws.String("alias/mine")
				in.S3BucketOwner = aws.String("000000000000")
				d, err := e.start(in)
				if err != nil {
					t.Fatal(err)
				}
				wantTime := c.at
				if wantTime.IsZero() {
					wantTime = start
				}
				if d.ExportStatus != types.ExportStatusInProgress || !strings.HasPrefix(aws.ToString(d.ExportArn), ordersArn+"/export/") ||
					!aws.ToTime(d.StartTime).Equal(start) || !aws.ToTime(d.ExportTime).Equal(wantTime) || d.EndTime != nil ||
					aws.ToString(d.TableArn) != ordersArn || aws.ToString(d.TableId) == "" || aws.ToString(d.ClientToken) != "tok" ||
					aws.ToString(d.S3Bucket) != "bkt" || aws.ToString(d.S3Prefix) != "exports/daily" || aws.ToString(d.S3BucketOwner) != "000000000000" ||
					d.S3SseAlgorithm != types.S3SseAlgorithmKms || aws.ToString(d.S3SseKmsKeyId) != "alias/mine" ||
					d.ExportFormat != format || d.ExportType != types.ExportTypeFullExport || d.ItemCount != nil {
					t.Fatalf("started: %s", dump(d))
				}
				if got := e.describe(aws.ToString(d.ExportArn)); got.ExportStatus != types.ExportStatusInProgress {
					t.Fatalf("before the work: %s", got.ExportStatus)
				}
				e.advance(time.Minute)
				e.finish()
				d = e.describe(aws.ToString(d.ExportArn))
				if d.ExportStatus != types.ExportStatusCompleted || aws.ToInt64(d.ItemCount) != int64(len(c.want)) ||
					aws.ToInt64(d.BilledSizeBytes) <= 0 || !aws.ToTime(d.EndTime).Equal(start.Add(time.Minute)) ||
					!strings.HasPrefix(aws.ToString(d.ExportManifest), "exports/daily/AWSDynamoDB/") {
					t.Fatalf("completed: %s", dump(d))
				}
				sum, lines := e.readExport(d)
				if !slices.Equal(lines, c.want) {
					t.Fatalf("items\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
				}
				if sum.ExportArn != aws.ToString(d.ExportArn) || !sum.ExportTime.Equal(wantTime) || sum.S3SseAlgorithm != "KMS" ||
					sum.S3SseKmsKeyID != "alias/mine" || sum.OutputFormat != string(format) || sum.BilledSizeBytes != aws.ToInt64(d.BilledSizeBytes) {
					t.Fatalf("summary %+v", sum)
				}
			})
		}
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestServer_incrementalExport(t *testing.T) {
	us := func(tm time.Time) int64 { return tm.UnixMicro() }
	cases := []struct {
		view     types.ExportViewType
		from, to time.Time
		want     []string
	}{
		{types.ExportViewTypeNewAndOldImages, t1, t3.Add(time.Minute), []string{
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"a"}},"OldImage":{"pk":{"S":"a"},"n":{"N":"1"}},"NewImage":{"pk":{"S":"a"},"n":{"N":"10"}}}`, us(t1)),
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"b"}},"OldImage":{"pk":{"S":"b"},"n":{"N":"2"},"tags":{"SS":["x","y"]}}}`, us(t2)),
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"d"}},"NewImage":{"pk":{"S":"d"},"n":{"N":"5"}}}`, us(t3)),
		}},
		{types.ExportViewTypeNewImage, t1, t3.Add(time.Minute), []string{
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"n":{"N":"10"}}}`, us(t1)),
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"b"}}}`, us(t2)),
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"d"}},"NewImage":{"pk":{"S":"d"},"n":{"N":"5"}}}`, us(t3)),
		}},
		// [t2, t3): only b's delete; d's write at t3 is outside.
		{"", t2, t3, []string{
			fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"b"}},"OldImage":{"pk":{"S":"b"},"n":{"N":"2"},"tags":{"SS":["x","y"]}}}`, us(t2)),
		}},
	}
	for _, format := range []types.ExportFormat{types.ExportFormatDynamodbJson, types.ExportFormatIon} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s %s", format, c.view, c.from.Format(time.Kitchen)), func(t *testing.T) {
				e := newEnv(t, nil)
				in := incremental(c.from, c.to, c.view)
				in.ExportFormat = format
				d, err := e.start(in)
				if err != nil {
					t.Fatal(err)
				}
				e.finish()
				d = e.describe(aws.ToString(d.ExportArn))
				view := c.view
				if view == "" {
					view = types.ExportViewTypeNewAndOldImages
				}
				spec := d.IncrementalExportSpecification
				if d.ExportStatus != types.ExportStatusCompleted || d.ExportType != types.ExportTypeIncrementalExport || spec == nil ||
					!aws.ToTime(spec.ExportFromTime).Equal(c.from) || !aws.ToTime(spec.ExportToTime).Equal(c.to) ||
					spec.ExportViewType != view || aws.ToInt64(d.ItemCount) != int64(len(c.want)) {
					t.Fatalf("completed: %s", dump(d))
				}
				sum, lines := e.readExport(d)
				if !slices.Equal(lines, c.want) {
					t.Fatalf("records\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
				}
				if !sum.Incremental() || sum.OutputView != string(view) || !sum.ExportFromTime.Equal(c.from) || !sum.ExportToTime.Equal(c.to) {
					t.Fatalf("summary %+v", sum)
				}
			})
		}
	}
	t.Run("to defaults to now", func(t *testing.T) {
		e := newEnv(t, nil)
		in := incremental(start.Add(-2*time.Hour), time.Time{}, "")
		in.IncrementalExportSpecification.ExportToTime = nil
		d, err := e.start(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToTime(d.IncrementalExportSpecification.ExportToTime); !got.Equal(start) {
			t.Fatalf("ExportToTime %v, want %v", got, start)
		}
	})
}

// apiCode returns the error code the SDK parsed from the service's answer.
func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestServer_rules(t *testing.T) {
	other := func(edit func(in *dynamodb.ExportTableToPointInTimeInput)) *dynamodb.ExportTableToPointInTimeInput {
		in := full(time.Time{})
		edit(in)
		return in
	}
	cases := []struct {
		name string
		in   *dynamodb.ExportTableToPointInTimeInput
		code string
		msg  string
	}{
		{"enum", other(func(in *dynamodb.ExportTableToPointInTimeInput) { in.ExportFormat = "CSV" }), "ValidationException",
			"1 validation error detected: Value 'CSV' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]"},
		{"two rules", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.S3Bucket = aws.String("-x")
			in.S3SseAlgorithm = "DES"
		}), "ValidationException", "2 validation errors detected: Value '-x' at 's3Bucket' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"kms key length", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.S3SseKmsKeyId = aws.String(strings.Repeat("k", 2049))
		}),
			"ValidationException", "at 's3SseKmsKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"not an ARN", other(func(in *dynamodb.ExportTableToPointInTimeInput) { in.TableArn = aws.String("orders") }), "ValidationException", "at 'tableArn'"},
		{"unknown table", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.TableArn = aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/users")
		}), "TableNotFoundException", "table/users"},
		{"other account", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.TableArn = aws.String("arn:aws:dynamodb:us-east-1:123456789012:table/orders")
		}), "TableNotFoundException", ""},
		{"other region", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.TableArn = aws.String("arn:aws:dynamodb:eu-west-1:000000000000:table/orders")
		}), "TableNotFoundException", ""},
		{"no PITR", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.TableArn = aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/nopitr")
		}), "PointInTimeRecoveryUnavailableException", "'nopitr'"},
		{"future", full(start.Add(time.Second)), "InvalidExportTimeException", "in the future"},
		{"before PITR window", full(since.Add(-time.Second)), "InvalidExportTimeException", "before the earliest restorable time"},
		{"incremental before PITR window", incremental(since.Add(-time.Minute), since.Add(time.Hour), ""), "InvalidExportTimeException", "before the earliest restorable time"},
		{"incremental in the future", incremental(t3, start.Add(time.Minute), ""), "InvalidExportTimeException", "in the future"},
		{"window too short", incremental(t1, t1.Add(15*time.Minute-time.Second), ""), "ValidationException", "at least 15 minutes"},
		{"window too long", incremental(since, since.Add(24*time.Hour+time.Second), ""), "ValidationException", "at most 24 hours"},
		{"window backwards", incremental(t2, t1, ""), "ValidationException", "before ExportToTime"},
		{"incremental without from", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.ExportType = types.ExportTypeIncrementalExport
		}), "ValidationException", "ExportFromTime"},
		{"spec on a full export", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.IncrementalExportSpecification = &types.IncrementalExportSpecification{ExportFromTime: aws.Time(t1)}
		}), "ValidationException", "INCREMENTAL_EXPORT only"},
		{"view enum", other(func(in *dynamodb.ExportTableToPointInTimeInput) {
			in.ExportType = types.ExportTypeIncrementalExport
			in.IncrementalExportSpecification = &types.IncrementalExportSpecification{ExportFromTime: aws.Time(t1), ExportViewType: "OLD_IMAGE"}
		}), "ValidationException", "at 'incrementalExportSpecification.exportViewType'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			_, err := e.start(c.in)
			code, msg := apiCode(t, err)
			if code != c.code || !strings.Contains(msg, c.msg) {
				t.Fatalf("got %s: %s\nwant %s: …%s…", code, msg, c.code, c.msg)
			}
			if len(e.held) != 0 {
				t.Fatal("an export was started")
			}
		})
	}
}

func TestServer_clientToken(t *testing.T) {
	e := newEnv(t, nil)
	in := full(t2)
	in.ClientToken = aws.String("token-1")
	first, err := e.start(in)
	if err != nil {
		t.Fatal(err)
	}
	// The same token and parameters: the same export, even after it
	// completed, and even with the clock moved on.
	e.finish()
	e.advance(8*time.Hour - time.Second)
	again, err := e.start(in)
	if err != nil || aws.ToString(again.ExportArn) != aws.ToString(first.ExportArn) || again.ExportStatus != types.ExportStatusCompleted {
		t.Fatalf("retry: %v %s", err, dump(again))
	}
	// Other parameters with the token: a mismatch.
	in2 := full(t2)
	in2.ClientToken, in2.S3Prefix = aws.String("token-1"), aws.String("elsewhere")
	if _, err := e.start(in2); err == nil {
		t.Fatal("a reused token with other parameters was accepted")
	} else if code, _ := apiCode(t, err); code != "IdempotentParameterMismatchException" {
		t.Fatalf("got %s", code)
	}
	// 8 hours on, the token starts a new export.
	e.advance(time.Second)
	third, err := e.start(in2)
	if err != nil || aws.ToString(third.ExportArn) == aws.ToString(first.ExportArn) {
		t.Fatalf("after 8 hours: %v %s", err, dump(third))
	}
	// Without a token (the SDK sends one of its own), two calls are two
	// exports.
	e.finish()
	a, _ := e.start(full(t2))
	e.finish()
	b, _ := e.start(full(t2))
	if a == nil || b == nil || aws.ToString(a.ExportArn) == aws.ToString(b.ExportArn) {
		t.Fatal("two calls without a token gave one export")
	}
}

func TestServer_limitAndConflict(t *testing.T) {
	e := newEnv(t, func(o *server.Options) { o.MaxConcurrent = 2 })
	p := func(prefix string) *dynamodb.ExportTableToPointInTimeInput {
		in := full(t2)
		in.S3Prefix = aws.String(prefix)
		return in
	}
	if _, err := e.start(p("one")); err != nil {
		t.Fatal(err)
	}
	// The same bucket and prefix while the first runs ("one/" is "one").
	_, err := e.start(p("one/"))
	if code, msg := apiCode(t, err); code != "ExportConflictException" || !strings.Contains(msg, "bkt") {
		t.Fatalf("got %s: %s", code, msg)
	}
	if _, err := e.start(p("two")); err != nil {
		t.Fatal(err)
	}
	_, err = e.start(p("three"))
	if code, _ := apiCode(t, err); code != "LimitExceededException" {
		t.Fatalf("got %s", code)
	}
	e.finish()
	if _, err := e.start(p("one")); err != nil {
		t.Fatalf("after the first finished: %v", err)
	}
	if _, err := e.start(p("three")); err != nil {
		t.Fatalf("under the limit again: %v", err)
	}
	e.finish()
}

func TestServer_failures(t *testing.T) {
	e := newEnv(t, nil)
	in := full(t2)
	in.S3Bucket = aws.String("no-such-bucket")
	d, err := e.start(in)
	if err != nil {
		t.Fatal(err)
	}
	in = full(t2)
	in.S3BucketOwner = aws.String("123456789012")
	d2, err := e.start(in)
	if err != nil {
		t.Fatal(err)
	}
	e.finish()
	for arn, want := range map[string]string{aws.ToString(d.ExportArn): "S3NoSuchBucket", aws.ToString(d2.ExportArn): "S3AccessDenied"} {
		got := e.describe(arn)
		if got.ExportStatus != types.ExportStatusFailed || aws.ToString(got.FailureCode) != want || aws.ToString(got.FailureMessage) == "" || got.EndTime == nil {
			t.Errorf("%s", dump(got))
		}
	}
	_, err = e.client.DescribeExport(context.Background(), &dynamodb.DescribeExportInput{ExportArn: aws.String(ordersArn + "/export/01773900875413-a208b915")})
	if code, _ := apiCode(t, err); code != "ExportNotFoundException" {
		t.Fatalf("got %s", code)
	}
}

func TestServer_listExports(t *testing.T) {
	e := newEnv(t, nil)
	var arns []string
	for i := range 7 {
		in := full(t2)
		in.S3Prefix = aws.String(fmt.Sprint("p", i))
		d, err := e.start(in)
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(d.ExportArn))
		e.advance(time.Millisecond)
	}
	e.finish()
	slices.Reverse(arns) // newest first
	var got []string
	pages := 0
	pg := dynamodb.NewListExportsPaginator(e.client, &dynamodb.ListExportsInput{TableArn: aws.String(ordersArn), MaxResults: aws.Int32(3)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.ExportSummaries {
			if s.ExportStatus != types.ExportStatusCompleted || s.ExportType != types.ExportTypeFullExport {
				t.Fatalf("summary %s", dump(s))
			}
			got = append(got, aws.ToString(s.ExportArn))
		}
	}
	if !slices.Equal(got, arns) || pages != 3 {
		t.Fatalf("%d pages:\n%s\nwant\n%s", pages, strings.Join(got, "\n"), strings.Join(arns, "\n"))
	}
	// Through exportapi.Client.List, and for another table: none.
	cl := &exportapi.Client{API: e.client}
	all, err := cl.List(context.Background(), "", 2)
	if err != nil || len(all) != 7 {
		t.Fatalf("List: %d, %v", len(all), err)
	}
	none, err := cl.List(context.Background(), "arn:aws:dynamodb:us-east-1:000000000000:table/nopitr", 0)
	if err != nil || len(none) != 0 {
		t.Fatalf("List(nopitr): %d, %v", len(none), err)
	}
	for _, in := range []*dynamodb.ListExportsInput{{MaxResults: aws.Int32(26)}, {MaxResults: aws.Int32(0)}, {NextToken: aws.String("zz")}} {
		_, err := e.client.ListExports(context.Background(), in)
		if code, _ := apiCode(t, err); code != "ValidationException" {
			t.Fatalf("ListExports(%s): %s", dump(in), code)
		}
	}
}

// post sends a raw request and returns the status and the decoded error.
func post(t *testing.T, url, target, contentType string, body io.Reader) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, body)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		t.Fatalf("Content-Type %q", ct)
	}
	return resp.StatusCode, out
}

func TestServer_protocol(t *testing.T) {
	e := newEnv(t, func(o *server.Options) { o.MaxBodyBytes = 4096 })
	const ct = "application/x-amz-json-1.0"
	cases := []struct {
		name, target, body string
		status             int
		typ                string
	}{
		{"bad JSON", "DynamoDB_20120810.ExportTableToPointInTime", `{"TableArn":`, 400, "com.amazon.coral.service#SerializationException"},
		{"not an object", "DynamoDB_20120810.DescribeExport", `[1,2]`, 400, "com.amazon.coral.service#SerializationException"},
		{"member of the wrong type", "DynamoDB_20120810.ExportTableToPointInTime", `{"TableArn":"` + ordersArn + `","S3Bucket":"bkt","ExportTime":"yesterday"}`, 400, "com.amazon.coral.service#SerializationException"},
		{"trailing data", "DynamoDB_20120810.ListExports", `{} {}`, 400, "com.amazon.coral.service#SerializationException"},
		{"wrong target", "DynamoDB_20120810.Scan", `{}`, 400, "com.amazon.coral.service#UnknownOperationException"},
		{"other service", "S3.ListBuckets", `{}`, 400, "com.amazon.coral.service#UnknownOperationException"},
		{"no target", "", `{}`, 400, "com.amazon.coral.service#UnknownOperationException"},
		{"oversized", "DynamoDB_20120810.ExportTableToPointInTime", `{"S3Prefix":"` + strings.Repeat("x", 5000) + `"}`, 413, "com.amazon.coral.service#RequestEntityTooLargeException"},
		{"required", "DynamoDB_20120810.ExportTableToPointInTime", `{}`, 400, "com.amazonaws.dynamodb.v20120810#ValidationException"},
		{"describe without ARN", "DynamoDB_20120810.DescribeExport", ``, 400, "com.amazonaws.dynamodb.v20120810#ValidationException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := post(t, e.url, c.target, ct, strings.NewReader(c.body))
			if status != c.status || out["__type"] != c.typ || out["message"] == "" {
				t.Fatalf("got %d %v, want %d %s", status, out, c.status, c.typ)
			}
		})
	}
	status, out := post(t, e.url, "DynamoDB_20120810.ExportTableToPointInTime", ct, strings.NewReader(`{}`))
	if want := "2 validation errors detected: Value null at 'tableArn' failed to satisfy constraint: Member must not be null; " +
		"Value null at 's3Bucket' failed to satisfy constraint: Member must not be null"; status != 400 || out["message"] != want {
		t.Fatalf("required: %q", out["message"])
	}
	resp, err := http.Get(e.url + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %v", err)
	}
	resp.Body.Close()
}

func TestParseTableSpec(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	good := write("good.json", `{"pk":{"N":"1"},"sk":{"S":"x"}}`+"\n"+`{"Item":{"pk":{"N":"2"},"sk":{"S":"y"}}}`+"\n")
	tb, err := server.ParseTableSpec(ctx, "name=t.1,items="+good+",key=pk:N,sort=sk:S,pitr=false,since=2026-01-02T03:04:05Z", since)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Name != "t.1" || tb.Hash.Name != "pk" || tb.Hash.Type != codec.TypeN || tb.Range == nil || tb.Range.Name != "sk" ||
		tb.PITR || !tb.Since.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || len(tb.Base) != 2 {
		t.Fatalf("%+v", tb)
	}
	if tb, err := server.ParseTableSpec(ctx, "name=abc,key=k:B", since); err != nil || !tb.PITR || !tb.Since.Equal(since) {
		t.Fatalf("defaults: %+v %v", tb, err)
	}
	bad := []struct{ spec, says string }{
		{"key=pk:S", "name= is required"},
		{"name=ab,key=pk:S", "not a DynamoDB table name"},
		{"name=abc", "key=ATTR:TYPE is required"},
		{"name=abc,key=pk:X", "want S, N or B"},
		{"name=abc,key=pk:S,sort=pk:S", "the sort key is the partition key"},
		{"name=abc,key=pk:S,pitr=maybe", "want true or false"},
		{"name=abc,key=pk:S,since=yesterday", "RFC 3339"},
		{"name=abc,key=pk:S,colour=red", "unknown key"},
		{"name=abc,name=def,key=pk:S", "given twice"},
		{"name=abc,key=pk:S,items=" + filepath.Join(dir, "missing"), "no such file"},
		{"name=abc,key=pk:S,items=" + good, "good.json:1: key attribute \"pk\" is N, the table's key is S"},
		{"name=abc,key=pk:N,items=" + write("nokey.json", `{"pk":{"N":"1"}}`+"\n"+`{"other":{"N":"1"}}`), "nokey.json:2: no key attribute \"pk\""},
		{"name=abc,key=pk:N,items=" + write("broken.json", `{"pk":{"N":"1"}`), "broken.json:1:"},
		{"name=abc,key=pk:N,items=" + write("keys.json", `{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"N":"1"}},"NewImage":{"pk":{"N":"2"}}}`), "Keys differ"},
	}
	for _, c := range bad {
		if _, err := server.ParseTableSpec(ctx, c.spec, since); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("ParseTableSpec(%q) = %v, want …%s…", c.spec, err, c.says)
		}
	}
}

// TestLoadItems_export: a table loaded from an export the service wrote
// gives the same export again.
func TestLoadItems_export(t *testing.T) {
	e := newEnv(t, nil)
	d, err := e.start(full(t2))
	if err != nil {
		t.Fatal(err)
	}
	e.finish()
	d = e.describe(aws.ToString(d.ExportArn))
	_, want := e.readExport(d)
	tb, err := server.ParseTableSpec(context.Background(), "name=copy,key=pk:S,items="+filepath.Join(e.buckets, "bkt"), since)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range tb.Base {
		got = append(got, string(ddbjson.AppendRecord(nil, &codec.Record{Item: it})))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("loaded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
