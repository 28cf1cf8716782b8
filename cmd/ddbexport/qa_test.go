package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/verify"
)

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func jsonReport(t *testing.T, args ...string) (int, *verify.Report, string) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"verify", "--json"}, args...)...)
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not a report: %v\n%s\n%s", err, out, stderr)
	}
	return code, &rep, stderr
}

// TestVerify_renamedExportFolder: a copy of an export folder under another
// name (aws s3 sync …/AWSDynamoDB/<id> ./mycopy), or a symbolic link to it,
// verifies intact; the folder name is only a warning.
func TestVerify_renamedExportFolder(t *testing.T) {
	real := filepath.Join(needReal(t, "pfeilbr-2020"), "demo_prefix", "AWSDynamoDB", "01605130432834-8a918b87")
	dir := t.TempDir()
	copyTree(t, real, filepath.Join(dir, "mycopy"))
	abs, _ := filepath.Abs(real)
	if err := os.Symlink(abs, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "mycopy"), filepath.Join(dir, "link")} {
		code, rep, _ := jsonReport(t, p)
		if code != 0 || len(rep.Findings) != 0 || rep.Export.ID != "01605130432834-8a918b87" || rep.Totals.Items != 3 {
			t.Errorf("%s: exit %d, findings %+v, id %s", p, code, rep.Findings, rep.Export.ID)
		}
		if got := kindSet(rep.Warnings); !slices.Equal(got, []string{verify.WarnExportIDMismatch}) {
			t.Errorf("%s: warnings %v", p, got)
		}
		code, out, stderr := runCLI(t, "cat", p)
		if code != 0 || strings.Count(out, "\n") != 3 {
			t.Errorf("cat %s: exit %d, %q, %s", p, code, out, stderr)
		}
	}
}

// TestVerify_fileNamesDoNotDependOnThePath: findings name objects by their
// S3 keys, however the export was pointed at.
func TestVerify_fileNamesDoNotDependOnThePath(t *testing.T) {
	e := genExport(t, gen.Options{Items: 30, Files: 2, Seed: 61, Prefix: "pre/fix"})
	os.Remove(filepath.Join(e.exportDir(), manifest.FilesMD5Name))
	e.write(filepath.Join(e.exportDir(), "data", "stray.json.gz"), []byte("x"))
	var want string
	for _, p := range []string{e.dir, filepath.Join(e.dir, "pre"), filepath.Join(e.dir, "pre", "fix", "AWSDynamoDB"), e.exportDir(),
		filepath.Join(e.exportDir(), manifest.SummaryName)} {
		_, rep, _ := jsonReport(t, p)
		var names []string
		for _, f := range append(rep.Findings, rep.Warnings...) {
			names = append(names, f.Kind+" "+f.File)
		}
		got := strings.Join(names, "\n")
		if !strings.Contains(got, "extra_file pre/fix/AWSDynamoDB/"+e.ref.ID+"/data/stray.json.gz") ||
			!strings.Contains(got, "missing_checksum_file pre/fix/AWSDynamoDB/"+e.ref.ID+"/manifest-files.md5") {
			t.Errorf("%s: %s", p, got)
		}
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s: names differ:\n%s\nwant:\n%s", p, got, want)
		}
	}
}

func TestVerify_manifestEntries(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(f *manifest.File)
		kinds    []string
		warnings []string
	}{
		{"etag not an ETag", func(f *manifest.File) { f.ETag = "hello" }, []string{verify.KindManifestInvalid}, nil},
		{"etag -0", func(f *manifest.File) { f.ETag = strings.TrimSuffix(f.ETag, "-1") + "-0" }, []string{verify.KindManifestInvalid}, nil},
		{"etag quoted", func(f *manifest.File) { f.ETag = `"` + f.ETag + `"` }, []string{verify.KindManifestInvalid}, nil},
		{"etag a plain MD5 of the content", func(f *manifest.File) {
			sum, _ := f.MD5()
			f.ETag = hex.EncodeToString(sum[:])
		}, nil, nil},
		{"etag a plain MD5 of something else", func(f *manifest.File) { f.ETag = strings.Repeat("ab", 16) }, []string{verify.KindETagMismatch}, nil},
		{"etag -2", func(f *manifest.File) { f.ETag = strings.TrimSuffix(f.ETag, "-1") + "-2" }, nil, []string{verify.WarnETagUnverifiable}},
		{"key without the prefix", func(f *manifest.File) { f.DataFileS3Key = strings.TrimPrefix(f.DataFileS3Key, "p/") }, nil, []string{verify.WarnUnexpectedLocation}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := genExport(t, gen.Options{Items: 30, Files: 2, Seed: 62, Prefix: "p"})
			files := e.files()
			tt.edit(&files[0])
			e.writeFiles(files, true)
			code, rep, _ := jsonReport(t, e.dir)
			if got := kindSet(rep.Findings); !slices.Equal(got, tt.kinds) {
				t.Errorf("findings %v, want %v: %+v", got, tt.kinds, rep.Findings)
			}
			if got := kindSet(rep.Warnings); !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings %v, want %v", got, tt.warnings)
			}
			if want := min(len(tt.kinds), 1); code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			for _, f := range rep.Findings {
				if f.File == files[0].DataFileS3Key && f.ManifestLine != 1 {
					t.Errorf("finding without its manifest line: %+v", f)
				}
			}
		})
	}
}

// TestVerify_badItemCountLineStillChecked: a manifest line whose itemCount
// cannot be read is manifest_invalid, and its data file is still read and
// checked (not an extra file).
func TestVerify_badItemCountLineStillChecked(t *testing.T) {
	e := genExport(t, gen.Options{Items: 30, Files: 2, Seed: 63})
	p := filepath.Join(e.exportDir(), manifest.FilesName)
	b, _ := os.ReadFile(p)
	i := strings.Index(string(b), `"itemCount":`) + len(`"itemCount":`)
	j := i + strings.IndexByte(string(b[i:]), ',')
	b = append(append(append([]byte{}, b[:i]...), `"many"`...), b[j:]...)
	e.write(p, b)
	e.write(filepath.Join(e.exportDir(), manifest.FilesMD5Name), manifest.MD5File(b))
	code, rep, _ := jsonReport(t, e.dir)
	if got := kindSet(rep.Findings); code != 1 || !slices.Equal(got, []string{verify.KindManifestInvalid}) {
		t.Errorf("exit %d, findings %+v", code, rep.Findings)
	}
	if rep.Totals.FilesRead != 2 || rep.Totals.Items != 30 {
		t.Errorf("totals %+v", rep.Totals)
	}
}

func TestVerify_badKeys(t *testing.T) {
	for _, tt := range []struct{ name, from, to string }{
		{"list key", `"Keys":{"pk":{"S":"`, `"Keys":{"x":{"L":[]},"pk":{"S":"`},
		{"three keys", `"Keys":{"pk":{"S":"`, `"Keys":{"a":{"S":"1"},"b":{"S":"2"},"pk":{"S":"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := genExport(t, gen.Options{Items: 20, Files: 1, Seed: 65, Kind: gen.Incremental})
			e.editLine(0, 0, func(l string) string { return strings.Replace(l, tt.from, tt.to, 1) })
			code, rep, _ := jsonReport(t, e.dir)
			var reasons []string
			for _, f := range rep.Findings {
				if f.Kind == verify.KindDecodeError {
					reasons = append(reasons, f.Reason)
				}
			}
			if code != 1 || !slices.Contains(reasons, "bad_key") {
				t.Errorf("exit %d, findings %+v", code, rep.Findings)
			}
		})
	}
}

func TestCat_duplicateEntryPrintedOnce(t *testing.T) {
	e := genExport(t, genOptsSmall())
	files := e.files()
	_, f := e.nonEmpty()
	e.writeFiles(append(files, f), true)
	code, out, stderr := runCLI(t, "cat", e.dir)
	if code != 0 || strings.Count(out, "\n") != int(e.sum.ItemCount) || !strings.Contains(stderr, "listed twice") {
		t.Errorf("exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), stderr)
	}
}

// TestVerify_keySchemaChanges: the records of an incremental export share
// one key schema, within a file and across files.
func TestVerify_keySchemaChanges(t *testing.T) {
	rename := func(l string) string {
		return strings.ReplaceAll(l, `"pk":{`, `"zz_renamed_key":{`)
	}
	t.Run("within a file", func(t *testing.T) {
		e := genExport(t, gen.Options{Items: 20, Files: 1, Seed: 66, Kind: gen.Incremental})
		e.editLine(0, 3, rename)
		code, rep, _ := jsonReport(t, e.dir)
		if len(rep.Findings) != 1 || rep.Findings[0].Kind != verify.KindKeyMismatch || rep.Findings[0].Line != 4 || code != 1 {
			t.Errorf("exit %d, findings %+v", code, rep.Findings)
		}
	})
	t.Run("across files", func(t *testing.T) {
		e := genExport(t, gen.Options{Items: 40, Files: 2, Seed: 67, Kind: gen.Incremental})
		e.editLines(1, func(l []string) []string {
			for i := range l {
				l[i] = rename(l[i])
			}
			return l
		})
		code, rep, _ := jsonReport(t, e.dir)
		files := e.files()
		if len(rep.Findings) != 1 || rep.Findings[0].Kind != verify.KindKeyMismatch || rep.Findings[0].File != files[1].DataFileS3Key || code != 1 {
			t.Errorf("exit %d, findings %+v", code, rep.Findings)
		}
	})
}
