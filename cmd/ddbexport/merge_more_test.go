package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/gen"
	s3store "github.com/ddbexport/ddbexport/store/s3"
)

// TestMerge_s3: a history in S3 merges into S3, and the result verifies
// there with the truth's item count.
func TestMerge_s3(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	dir := t.TempDir()
	if code, stdout, stderr := runCLI(t, "gen", "--history", "2", "--items", "60", "--seed", "35", "--shape", "table", dir); code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", code, stdout, stderr)
	}
	upload(t, dir, s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{}), "hist/")
	truth, _ := os.ReadFile(filepath.Join(dir, gen.TruthName))
	items := len(strings.Split(strings.TrimSpace(string(truth)), "\n"))
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(append([]string{}, flags...), args...)...)
	}
	if code, stdout, stderr := cli("merge", "-q", "--out", "s3://"+bucket+"/merged", "s3://"+bucket+"/hist"); code != 0 {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := cli("verify", "s3://"+bucket+"/merged")
	if code != 0 || !strings.Contains(stdout, "OK: intact") || !strings.Contains(stdout, " "+strconv.Itoa(items)+" items") {
		t.Fatalf("verify of the merged export in S3 (want %d items): exit %d\n%s\n%s", items, code, stdout, stderr)
	}
}

// TestMerge_interrupted: a merge interrupted while it spills exits 130,
// publishes nothing, and leaves no temporary file.
func TestMerge_interrupted(t *testing.T) {
	dir := t.TempDir()
	if code, stdout, stderr := runCLI(t, "gen", "--history", "3", "--items", "3000", "--changes", "2000", "--seed", "36", "--shape", "table", dir); code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", code, stdout, stderr)
	}
	out, tmp := t.TempDir(), t.TempDir()
	code := runInterrupted([]string{"merge", "-q", "--workers", "1", "--memory", "4MiB", "--temp-dir", tmp, "--out", out, dir},
		2*time.Millisecond, func() bool { return countFiles(tmp) > 0 })
	if code != exitInterrupted {
		t.Skipf("the merge ended (exit %d) before it could be interrupted", code)
	}
	if n := countFiles(out); n != 0 {
		t.Errorf("an interrupted merge left %d files in --out", n)
	}
	if n := countFiles(tmp); n != 0 {
		t.Errorf("an interrupted merge left %d temporary files", n)
	}
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
