package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/exportapi/server"
)

const tableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders"

// fakeAWS keeps the SDK away from the machine's AWS configuration.
func fakeAWS(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// itemsFile writes a table's history: base items a, b, c, and writes an
// hour or two ago (d inserted, a modified, b deleted).
func itemsFile(t *testing.T, now time.Time) string {
	us := func(d time.Duration) int64 { return now.Add(-d).UnixMicro() }
	lines := []string{
		`{"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"1"}}`,
		`{"Item":{"pk":{"S":"b"},"sk":{"N":"1"},"tags":{"SS":["x","y"]}}}`,
		`{"pk":{"S":"c"},"sk":{"N":"2"},"bin":{"B":"AAE="},"m":{"M":{"k":{"L":[{"NULL":true},{"BOOL":false}]}}}}`,
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"d"},"sk":{"N":"1"}},"NewImage":{"pk":{"S":"d"},"sk":{"N":"1"},"n":{"N":"4"}}}`, us(150*time.Minute)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},"NewImage":{"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10"}}}`, us(140*time.Minute)),
		fmt.Sprintf(`{"Metadata":{"WriteTimestampMicros":{"N":"%d"}},"Keys":{"pk":{"S":"b"},"sk":{"N":"1"}}}`, us(130*time.Minute)),
	}
	p := filepath.Join(t.TempDir(), "orders.json")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// startServe runs `ddbexport serve` in-process on a free port and returns
// its URL and bucket folder (holding bucket "bkt").
func startServe(t *testing.T, extra ...string) (url, buckets string) {
	t.Helper()
	buckets = t.TempDir()
	os.Mkdir(filepath.Join(buckets, "bkt"), 0o755)
	items := itemsFile(t, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--buckets", buckets, "-q",
		"--table", "name=orders,items=" + items + ",key=pk:S,sort=sk:N",
		"--table", "name=nopitr,key=pk:S,pitr=false"}, extra...)
	go func() {
		done <- run(ctx, args, pw, &stderr)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve: %v (stderr %s)", err, stderr.String())
	}
	go io.Copy(io.Discard, br)
	url = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitInterrupted {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	})
	return url, buckets
}

var arnRE = regexp.MustCompile(`arn:aws:dynamodb:us-east-1:000000000000:table/orders/export/\d{14}-[0-9a-f]{8}`)

// TestExport_run: start → wait → verify → convert through the CLI against
// the serve command, full and incremental, both formats, each conversion.
func TestExport_run(t *testing.T) {
	fakeAWS(t)
	url, buckets := startServe(t)
	now := time.Now().UTC()
	cases := []struct {
		name  string
		args  []string
		to    string
		items string
	}{
		{"full json to ion", []string{"--s3-prefix", "full/json"}, "ion", "3 items"},
		{"full ion to parquet", []string{"--export-format", "ION", "--export-time", now.Add(-145 * time.Minute).Format(time.RFC3339), "--s3-prefix", "full/ion"}, "parquet", "4 items"},
		{"incremental new image to json", []string{"--export-type", "INCREMENTAL_EXPORT", "--from", fmt.Sprint(now.Add(-3 * time.Hour).Unix()),
			"--to", now.Add(-time.Hour).Format(time.RFC3339), "--view", "NEW_IMAGE", "--s3-prefix", "incr"}, "dynamodb-json", "3 items"},
		{"incremental both images ion to parquet", []string{"--export-type", "INCREMENTAL_EXPORT", "--from", now.Add(-3 * time.Hour).Format(time.RFC3339),
			"--export-format", "ION", "--s3-prefix", "incr2"}, "parquet", "3 items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"export", "run", "--endpoint-url", url, "--buckets", buckets, "--table-arn", tableArn, "--s3-bucket", "bkt",
				"--poll-interval", "5ms", "--convert-to", c.to, "--convert-out", out}, c.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 || !strings.Contains(stdout, "OK: intact") || !strings.Contains(stdout, c.items) {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "client token ") || !strings.Contains(stderr, "COMPLETED") || !arnRE.MatchString(stderr) {
				t.Fatalf("stderr:\n%s", stderr)
			}
			// The conversion is there, and a converted export verifies.
			if c.to == "parquet" {
				if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
					t.Fatalf("no _SUCCESS: %v\n%s", err, stdout)
				}
			} else if code, vout, verr := runCLI(t, "verify", out); code != 0 || !strings.Contains(vout, c.items) {
				t.Fatalf("converted: exit %d\n%s\n%s", code, vout, verr)
			}
		})
	}

	t.Run("start, describe, wait, list", func(t *testing.T) {
		start := []string{"export", "start", "--endpoint-url", url, "--table-arn", tableArn, "--s3-bucket", "bkt", "--s3-prefix", "sdwl", "--client-token", "tok-1"}
		code, stdout, stderr := runCLI(t, start...)
		arn := arnRE.FindString(stdout)
		if code != 0 || arn == "" || !strings.Contains(stdout, "client-token     tok-1") {
			t.Fatalf("start: exit %d\n%s\n%s", code, stdout, stderr)
		}
		// The same command again: the same export.
		if code, again, _ := runCLI(t, start...); code != 0 || arnRE.FindString(again) != arn {
			t.Fatalf("retried start: exit %d\n%s", code, again)
		}
		code, stdout, stderr = runCLI(t, "export", "wait", "--endpoint-url", url, "--poll-interval", "5ms", arn)
		if code != 0 || !strings.Contains(stdout, "status           COMPLETED") || !strings.Contains(stdout, "items            3") {
			t.Fatalf("wait: exit %d\n%s\n%s", code, stdout, stderr)
		}
		code, stdout, _ = runCLI(t, "export", "describe", "--endpoint-url", url, "--json", arn)
		var d map[string]any
		if code != 0 || json.Unmarshal([]byte(stdout), &d) != nil || d["ExportStatus"] != "COMPLETED" || d["ExportManifest"] == nil {
			t.Fatalf("describe: exit %d\n%s", code, stdout)
		}
		code, stdout, _ = runCLI(t, "export", "list", "--endpoint-url", url, "--table-arn", tableArn, "--page-size", "2")
		if n := strings.Count(stdout, "COMPLETED"); code != 0 || !strings.Contains(stdout, arn+"  COMPLETED  FULL_EXPORT") || n < 5 {
			t.Fatalf("list: exit %d, %d exports\n%s", code, n, stdout)
		}
	})
}

// faulty answers InternalServerError to the next n requests.
type faulty struct {
	h http.Handler
	n atomic.Int32
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.n.Add(-1) >= 0 {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(500)
		io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`)
		return
	}
	f.h.ServeHTTP(w, r)
}

// TestExport_errors: every error of the API through the CLI, with its
// message and exit status, against a service whose exports are held in
// progress until released.
func TestExport_errors(t *testing.T) {
	fakeAWS(t)
	buckets := t.TempDir()
	os.Mkdir(filepath.Join(buckets, "bkt"), 0o755)
	var mu sync.Mutex
	var held []func()
	release := func() {
		mu.Lock()
		h := held
		held = nil
		mu.Unlock()
		for _, w := range h {
			w()
		}
	}
	orders, err := server.ParseTableSpec(context.Background(), "name=orders,key=pk:S,items="+itemsFile(t, time.Now()), time.Now().Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	nopitr, _ := server.ParseTableSpec(context.Background(), "name=nopitr,key=pk:S,pitr=false", time.Time{})
	srv, err := server.New(server.Options{Buckets: server.LocalBuckets(buckets), MaxConcurrent: 2, Go: func(w func()) {
		mu.Lock()
		held = append(held, w)
		mu.Unlock()
	}}, orders, nopitr)
	if err != nil {
		t.Fatal(err)
	}
	f := &faulty{h: srv}
	hs := httptest.NewServer(f)
	defer hs.Close()
	defer release()
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(append([]string{"export"}, args...), "--endpoint-url", hs.URL, "--retry-backoff", "1ms")...)
	}
	start := func(extra ...string) []string {
		return append([]string{"start", "--table-arn", tableArn, "--s3-bucket", "bkt"}, extra...)
	}
	now := time.Now().UTC()
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"required", []string{"start", "--s3-bucket", "bkt"}, 2, "--table-arn: is required"},
		{"enum", start("--export-format", "CSV"), 2, `--export-format "CSV": must be one of DYNAMODB_JSON, ION`},
		{"bucket pattern", start("--s3-bucket", "Bkt_"), 2, `--s3-bucket "Bkt_": is not a bucket name`},
		{"kms key length", start("--s3-sse-kms-key-id", strings.Repeat("k", 2049)), 2, "--s3-sse-kms-key-id"},
		{"bad time", start("--export-time", "yesterday"), 2, "--export-time: \"yesterday\" is not a time"},
		{"time in the future", start("--export-time", now.Add(time.Hour).Format(time.RFC3339)), 2, "is in the future"},
		{"window too short", start("--export-type", "INCREMENTAL_EXPORT", "--from", now.Add(-time.Hour).Format(time.RFC3339), "--to", now.Add(-50*time.Minute).Format(time.RFC3339)), 2, "at least 15 minutes"},
		{"window too long", start("--export-type", "INCREMENTAL_EXPORT", "--from", now.Add(-25*time.Hour).Format(time.RFC3339)), 2, "at most 24 hours"},
		{"window on a full export", start("--from", now.Add(-time.Hour).Format(time.RFC3339)), 2, "--from, --to and --view: applies to an INCREMENTAL_EXPORT only"},
		{"table not found", []string{"start", "--table-arn", "arn:aws:dynamodb:us-east-1:123456789012:table/orders", "--s3-bucket", "bkt"}, 2, "check the ARN's account, region and table name"},
		{"PITR", []string{"start", "--table-arn", "arn:aws:dynamodb:us-east-1:000000000000:table/nopitr", "--s3-bucket", "bkt"}, 2, "--table-name nopitr --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true"},
		{"export time before the PITR window", start("--export-time", now.Add(-49*time.Hour).Format(time.RFC3339)), 2, "outside table " + tableArn + "'s point-in-time recovery window"},
		{"export not found", []string{"describe", tableArn + "/export/01773900875413-a208b915"}, 2, "no export " + tableArn + "/export/01773900875413-a208b915"},
		{"not an export ARN", []string{"wait", "orders"}, 2, "is not an export ARN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Fatalf("exit %d, want %d\nstderr:\n%s\nwant …%s…", code, c.code, stderr, c.stderr)
			}
		})
	}

	// Held in progress: a second export to the same bucket and prefix is a
	// conflict; a third export is over the limit of 2.
	if code, _, stderr := cli(start("--s3-prefix", "p1", "--client-token", "t1")...); code != 0 {
		t.Fatalf("start: %s", stderr)
	}
	if code, _, stderr := cli(start("--s3-prefix", "p1")...); code != 2 || !strings.Contains(stderr, "another export to the same S3 bucket and prefix is in progress") {
		t.Fatalf("conflict: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(start("--s3-prefix", "p1", "--client-token", "t1", "--export-format", "ION")...); code != 2 || !strings.Contains(stderr, "client token was used in the last 8 hours for an export with other parameters") {
		t.Fatalf("mismatch: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(start("--s3-prefix", "p2")...); code != 0 {
		t.Fatalf("second export: %s", stderr)
	}
	if code, _, stderr := cli(start("--s3-prefix", "p3")...); code != 2 || !strings.Contains(stderr, "too many exports are in progress") {
		t.Fatalf("limit: exit %d\n%s", code, stderr)
	}
	release()

	// InternalServerError is retried; past --max-attempts it is an error.
	f.n.Store(2)
	if code, _, stderr := cli(start("--s3-prefix", "p4")...); code != 0 || strings.Count(stderr, "ExportTableToPointInTime: attempt") != 2 {
		t.Fatalf("retried: exit %d\n%s", code, stderr)
	}
	f.n.Store(3)
	if code, _, stderr := cli(append(start("--s3-prefix", "p5"), "--max-attempts", "3")...); code != 2 || !strings.Contains(stderr, "DynamoDB had an internal error 3 times") {
		t.Fatalf("exhausted: exit %d\n%s", code, stderr)
	}
	f.n.Store(0)
	release()

	// A FAILED export: exit 1 with FailureCode and FailureMessage, from
	// wait and from run.
	code, stdout, stderr := cli(start("--s3-bucket", "missing")...)
	arn := arnRE.FindString(stdout)
	if code != 0 || arn == "" {
		t.Fatalf("start: exit %d\n%s", code, stderr)
	}
	release()
	code, stdout, stderr = cli("wait", "--poll-interval", "1ms", arn)
	if code != 1 || !strings.Contains(stderr, "FAILED: S3NoSuchBucket: The specified bucket does not exist: missing") || !strings.Contains(stdout, "failure-code     S3NoSuchBucket") {
		t.Fatalf("wait: exit %d\n%s\n%s", code, stdout, stderr)
	}
	go func() {
		// run waits: release its export once started.
		for range 2000 {
			mu.Lock()
			n := len(held)
			mu.Unlock()
			if n > 0 {
				release()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	code, _, stderr = cli("run", "--table-arn", tableArn, "--s3-bucket", "missing2", "--buckets", buckets, "--poll-interval", "1ms")
	if code != 1 || !strings.Contains(stderr, "S3NoSuchBucket") {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
}

func TestServe_usage(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"serve", "--table", "name=abc,key=k:S"}, "--buckets DIR is required"},
		{[]string{"serve", "--buckets", dir}, "--table is required"},
		{[]string{"serve", "--buckets", dir, "--table", "name=abc,key=k:S", "--listen", "0.0.0.0:8000"}, "loopback address only"},
		{[]string{"serve", "--buckets", dir, "--table", "name=abc,key=k:Q"}, "want S, N or B"},
		{[]string{"serve", "--buckets", dir, "--table", "name=abc,key=k:S", "--account", "12"}, "12 digits"},
		{[]string{"serve", "--buckets", filepath.Join(dir, "none"), "--table", "name=abc,key=k:S"}, "not a folder"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: exit %d\n%s", c.args, code, stderr)
		}
	}
	code, stdout, _ := runCLI(t, "serve", "--help")
	if code != 0 || !strings.Contains(stdout, "ANY CREDENTIALS ARE ACCEPTED AND\nSIGNATURES ARE NOT CHECKED") || !strings.Contains(stdout, "never\nexpose it") {
		t.Fatalf("help:\n%s", stdout)
	}
}

// TestExport_awsCLI: the service against a client no project code wrote:
// the AWS CLI.
func TestExport_awsCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the AWS CLI (aws) is not installed, and CI=true requires this test")
		}
		t.Skip("the AWS CLI (aws) is not installed: skipping the tests against it")
	}
	fakeAWS(t)
	t.Setenv("AWS_PAGER", "")
	url, buckets := startServe(t)
	awsCLI := func(args ...string) (int, map[string]any, string) {
		cmd := exec.Command(awsPath, append([]string{"dynamodb", "--endpoint-url", url, "--output", "json"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		json.Unmarshal(out.Bytes(), &v)
		return code, v, errb.String()
	}
	now := time.Now().UTC()
	check := func(code int, v map[string]any, stderr string) string {
		t.Helper()
		d, _ := v["ExportDescription"].(map[string]any)
		if code != 0 || d == nil {
			t.Fatalf("exit %d: %v\n%s", code, v, stderr)
		}
		return d["ExportArn"].(string)
	}
	full := check(awsCLI("export-table-to-point-in-time", "--table-arn", tableArn, "--s3-bucket", "bkt", "--s3-prefix", "aws/full",
		"--export-format", "ION", "--client-token", "aws-1"))
	incr := check(awsCLI("export-table-to-point-in-time", "--table-arn", tableArn, "--s3-bucket", "bkt", "--s3-prefix", "aws/incr",
		"--export-type", "INCREMENTAL_EXPORT", "--incremental-export-specification",
		fmt.Sprintf("ExportFromTime=%d,ExportToTime=%d,ExportViewType=NEW_IMAGE", now.Add(-3*time.Hour).Unix(), now.Add(-time.Hour).Unix())))
	for _, arn := range []string{full, incr} {
		// Wait with the project's own client, then describe with the AWS CLI.
		if code, _, stderr := runCLI(t, "export", "wait", "--endpoint-url", url, "--poll-interval", "5ms", "-q", arn); code != 0 {
			t.Fatalf("wait: %s", stderr)
		}
		_, v, _ := awsCLI("describe-export", "--export-arn", arn)
		d, _ := v["ExportDescription"].(map[string]any)
		if d["ExportStatus"] != "COMPLETED" || d["ItemCount"] != float64(3) || d["ExportManifest"] == nil {
			t.Fatalf("describe-export: %v", v)
		}
		id := arn[strings.LastIndex(arn, "/")+1:]
		if code, stdout, stderr := runCLI(t, "verify", "--export-id", id, filepath.Join(buckets, "bkt")); code != 0 {
			t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	_, v, _ := awsCLI("list-exports", "--table-arn", tableArn)
	if s, _ := v["ExportSummaries"].([]any); len(s) != 2 {
		t.Fatalf("list-exports: %v", v)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"export-table-to-point-in-time", "--table-arn", strings.Replace(tableArn, "orders", "users", 1), "--s3-bucket", "bkt"}, "TableNotFoundException"},
		{[]string{"export-table-to-point-in-time", "--table-arn", tableArn, "--s3-bucket", "bkt", "--export-format", "CSV"}, "Value 'CSV' at 'exportFormat' failed to satisfy constraint"},
		{[]string{"export-table-to-point-in-time", "--table-arn", tableArn, "--s3-bucket", "bkt", "--client-token", "aws-1"}, "IdempotentParameterMismatchException"},
		{[]string{"describe-export", "--export-arn", tableArn + "/export/01773900875413-a208b915"}, "ExportNotFoundException"},
	} {
		code, _, stderr := awsCLI(c.args...)
		if code == 0 || !strings.Contains(stderr, c.says) {
			t.Errorf("aws %v: exit %d\n%s", c.args, code, stderr)
		}
	}
}
