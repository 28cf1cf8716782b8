package verify_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// realExports is where CI keeps exports written by DynamoDB, beside the
// checkout.
var realExports = filepath.Join("..", "..", "shared", "real-exports")

func needReal(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(realExports, name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real DynamoDB exports not found at %s (they sit beside the checkout in CI): %v", dir, err)
	}
	return dir
}

func verifyDir(t *testing.T, dir string, opt verify.Options) *verify.Report {
	t.Helper()
	ctx := context.Background()
	st := localfs.New(dir)
	refs, err := manifest.Find(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 {
		t.Fatalf("found %d exports, want 1: %+v", len(refs), refs)
	}
	opt.Location = "test"
	rep, err := verify.Verify(ctx, st, refs[0], opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func kinds(fs []verify.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func TestVerify_realExports(t *testing.T) {
	tests := []struct {
		dir      string
		items    int64
		files    int64
		warnings []string
	}{
		{"pfeilbr-2020", 3, 4, nil},
		{"scylla-2024", 3, 1, []string{verify.WarnMissingStarted, verify.WarnMissingChecksumFile, verify.WarnMissingChecksumFile}},
	}
	for _, tt := range tests {
		for _, quick := range []bool{false, true} {
			name := tt.dir
			if quick {
				name += "/quick"
			}
			t.Run(name, func(t *testing.T) {
				rep := verifyDir(t, needReal(t, tt.dir), verify.Options{Quick: quick})
				if len(rep.Findings) != 0 || len(rep.Errors) != 0 {
					t.Errorf("findings %v, errors %v", rep.Findings, rep.Errors)
				}
				if got := kinds(rep.Warnings); !slices.Equal(got, tt.warnings) {
					t.Errorf("warnings %v, want %v", got, tt.warnings)
				}
				if rep.Totals.Items != tt.items || rep.Totals.FilesRead != tt.files || rep.Totals.Files != tt.files {
					t.Errorf("totals %+v", rep.Totals)
				}
				if rep.ExitCode() != verify.ExitIntact || rep.Status != "intact" {
					t.Errorf("exit %d status %s", rep.ExitCode(), rep.Status)
				}
				strict := verifyDir(t, needReal(t, tt.dir), verify.Options{Quick: quick, Strict: true})
				if want := len(tt.warnings) > 0; (strict.ExitCode() == verify.ExitFindings) != want {
					t.Errorf("strict exit %d", strict.ExitCode())
				}
			})
		}
	}
}

func TestVerify_workersGiveIdenticalReports(t *testing.T) {
	dir := needReal(t, "pfeilbr-2020")
	var want []byte
	for _, w := range []int{1, 2, 4, 8} {
		rep := verifyDir(t, dir, verify.Options{Workers: w})
		var buf bytes.Buffer
		if err := rep.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = buf.Bytes()
		} else if !bytes.Equal(want, buf.Bytes()) {
			t.Errorf("workers=%d report differs:\n%s\nwant:\n%s", w, buf.Bytes(), want)
		}
	}
}
