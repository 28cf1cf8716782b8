package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestServe_s3Buckets: serve --buckets s3:// writes exports into the
// buckets of an S3 endpoint (the local S3 server); export run reads the
// export back from there (--s3-endpoint-url), verifies and converts it;
// an export to a bucket that does not exist FAILS with S3NoSuchBucket.
func TestServe_s3Buckets(t *testing.T) {
	srv, bucket, _ := s3Env(t)
	items := itemsFile(t, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var serveErr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--endpoint-url", srv.URL, "serve", "--listen", "127.0.0.1:0", "--buckets", "s3://", "-q",
			"--table", "name=orders,items=" + items + ",key=pk:S,sort=sk:N"}, pw, &serveErr)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve: %v (stderr %s)", err, serveErr.String())
	}
	go io.Copy(io.Discard, br)
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	defer func() {
		cancel()
		if code := <-done; code != exitInterrupted {
			t.Errorf("serve exited %d: %s", code, serveErr.String())
		}
	}()

	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "export", "run", "--endpoint-url", url, "--s3-endpoint-url", srv.URL,
		"--table-arn", tableArn, "--s3-bucket", bucket, "--s3-prefix", "daily/full", "--poll-interval", "5ms",
		"--convert-to", "parquet", "--convert-out", out)
	if code != 0 || !strings.Contains(stdout, "OK: intact") || !strings.Contains(stdout, "3 items") {
		t.Fatalf("export run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The export is in the bucket, and verify reads it there as well.
	code, stdout, stderr = runCLI(t, "--endpoint-url", srv.URL, "verify", "s3://"+bucket+"/daily/full")
	if code != 0 || !strings.Contains(stdout, "OK: intact") {
		t.Fatalf("verify s3://%s/daily/full: exit %d\n%s\n%s", bucket, code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "export", "run", "--endpoint-url", url, "--s3-endpoint-url", srv.URL,
		"--table-arn", tableArn, "--s3-bucket", "no-such-bucket-here", "--poll-interval", "5ms")
	if code != 1 || !strings.Contains(stdout+stderr, "S3NoSuchBucket") {
		t.Errorf("an export to a missing bucket: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
