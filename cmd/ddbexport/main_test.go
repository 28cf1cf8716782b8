package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// runCLI runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// runInterrupted runs the command args and cancels its context (as an
// interrupt does) once when returns true, checked every poll; it returns
// the exit code.
func runInterrupted(args []string, poll time.Duration, when func() bool) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, io.Discard, io.Discard) }()
	for {
		select {
		case code := <-done:
			return code
		case <-time.After(poll):
			if when() {
				cancel()
			}
		}
	}
}

// export is a generated export on disk, with helpers to corrupt it.
type export struct {
	t    *testing.T
	dir  string // plays the bucket
	ref  manifest.Ref
	sum  *manifest.Summary
	root string // local path of ref.Root
}

func genExport(t *testing.T, opt gen.Options) *export {
	t.Helper()
	dir := t.TempDir()
	ref, s, err := gen.Write(context.Background(), localfs.New(dir), opt, func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		t.Fatal(err)
	}
	return &export{t: t, dir: dir, ref: ref, sum: s, root: filepath.Join(dir, filepath.FromSlash(ref.Root))}
}

func (e *export) path(key string) string { return filepath.Join(e.dir, filepath.FromSlash(key)) }
func (e *export) exportDir() string      { return e.path(e.ref.Dir()) }

func (e *export) files() []manifest.File {
	e.t.Helper()
	f, err := os.Open(filepath.Join(e.exportDir(), manifest.FilesName))
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	var files []manifest.File
	for mf, err := range manifest.ParseFiles("", f) {
		if err != nil {
			e.t.Fatal(err)
		}
		files = append(files, mf)
	}
	return files
}

// nonEmpty returns the manifest index of the first data file with items.
func (e *export) nonEmpty() (int, manifest.File) {
	for i, f := range e.files() {
		if f.ItemCount >= 2 {
			return i, f
		}
	}
	e.t.Fatal("no data file with 2 or more items")
	return 0, manifest.File{}
}

func (e *export) dataPath(f manifest.File) string {
	key, err := e.ref.DataKey(e.sum.S3Prefix, f.DataFileS3Key)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.path(key)
}

func (e *export) writeFiles(files []manifest.File, fixMD5 bool) {
	e.t.Helper()
	var b []byte
	for _, f := range files {
		b = append(b, f.Marshal()...)
	}
	e.write(filepath.Join(e.exportDir(), manifest.FilesName), b)
	if fixMD5 {
		e.write(filepath.Join(e.exportDir(), manifest.FilesMD5Name), manifest.MD5File(b))
	}
}

func (e *export) write(p string, b []byte) {
	e.t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// editLines rewrites data file i's decompressed lines with edit, then fixes
// its md5Checksum and etag in the manifest (itemCount stays) and the
// manifest's .md5, so that only the edit itself can be found.
func (e *export) editLines(i int, edit func(lines []string) []string) {
	e.t.Helper()
	files := e.files()
	p := e.dataPath(files[i])
	raw, err := os.ReadFile(p)
	if err != nil {
		e.t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		e.t.Fatal(err)
	}
	lines := strings.SplitAfter(string(plain), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	lines = edit(lines)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Join(lines, "")))
	zw.Close()
	e.write(p, buf.Bytes())
	sum := md5.Sum(buf.Bytes())
	files[i].MD5Checksum = manifest.EncodeMD5(sum)
	files[i].ETag = manifest.ETagFor(sum)
	e.writeFiles(files, true)
}

// editLine replaces the record on line n (0-based) of data file i.
func (e *export) editLine(i, n int, edit func(line string) string) {
	e.editLines(i, func(lines []string) []string {
		lines[n] = edit(strings.TrimSuffix(lines[n], "\n")) + "\n"
		return lines
	})
}

func (e *export) verify(args ...string) (int, *verify.Report, string) {
	e.t.Helper()
	code, out, stderr := runCLI(e.t, append(append([]string{"verify", "--json"}, args...), e.dir)...)
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		e.t.Fatalf("verify --json output is not a report: %v\n%s\nstderr: %s", err, out, stderr)
	}
	return code, &rep, stderr
}

func kindSet(fs []verify.Finding) []string {
	var ks []string
	for _, f := range fs {
		if !slices.Contains(ks, f.Kind) {
			ks = append(ks, f.Kind)
		}
	}
	slices.Sort(ks)
	return ks
}

func TestVerify_generatedExportsAreIntact(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 300, Files: 5, Seed: 1},
		{Items: 200, Files: 3, Seed: 2, Prefix: "some/prefix", Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeN}, Sort: gen.Key{Name: "ts", Type: codec.TypeS}}},
		{Items: 300, Files: 4, Seed: 3, Kind: gen.Incremental},
		{Items: 300, Files: 4, Seed: 4, Kind: gen.Incremental, View: manifest.ViewNewImage, Prefix: "p"},
	} {
		t.Run(opt.Kind.String()+"/"+strconv.FormatInt(opt.Seed, 10), func(t *testing.T) {
			e := genExport(t, opt)
			for _, quick := range []string{"--quick=false", "--quick"} {
				code, rep, stderr := e.verify(quick)
				if code != 0 || len(rep.Findings) != 0 || len(rep.Warnings) != 0 || rep.Status != "intact" {
					t.Fatalf("%s: exit %d, findings %+v, warnings %+v, stderr %s", quick, code, rep.Findings, rep.Warnings, stderr)
				}
				if rep.Totals.Items != int64(opt.Items) || rep.Totals.ManifestItems != int64(opt.Items) {
					t.Errorf("totals %+v", rep.Totals)
				}
			}
		})
	}
}

// TestVerify_corruptionMatrix applies one corruption per case to a
// generated export and asserts the exact finding kinds, the reason where
// one applies, and the exit code.
func TestVerify_corruptionMatrix(t *testing.T) {
	full := corruptionMatrixExport
	tests := corruptionCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			if opt.Items == 0 {
				opt = full
			}
			e := genExport(t, opt)
			tt.mutate(e)
			code, rep, stderr := e.verify()
			if got := kindSet(rep.Findings); !slices.Equal(got, tt.kinds) {
				t.Fatalf("finding kinds %v, want %v\nfindings: %+v", got, tt.kinds, rep.Findings)
			}
			if code != 1 || rep.Status != "findings" {
				t.Errorf("exit %d, status %s, want 1 and findings (stderr %q)", code, rep.Status, stderr)
			}
			for _, f := range rep.Findings {
				if f.File == "" || f.Message == "" {
					t.Errorf("finding without file or message: %+v", f)
				}
				if f.Kind == verify.KindDecodeError && (f.Line == 0 || f.Offset == nil) {
					t.Errorf("decode_error without line or offset: %+v", f)
				}
			}
			if tt.reason != "" {
				i := slices.IndexFunc(rep.Findings, func(f verify.Finding) bool { return f.Kind == verify.KindDecodeError })
				if got := rep.Findings[i].Reason; got != tt.reason {
					t.Errorf("reason %q, want %q", got, tt.reason)
				}
			}
			if tt.quick {
				code, qrep, _ := e.verify("--quick")
				if got := kindSet(qrep.Findings); code != 1 || !slices.Equal(got, tt.kinds) {
					t.Errorf("--quick: exit %d, kinds %v, want 1 and %v", code, got, tt.kinds)
				}
			}
		})
	}
}

// corruptionMatrixExport is the export a corruption case mutates, unless
// the case names its own.
var corruptionMatrixExport = gen.Options{Items: 120, Files: 4, Seed: 11}

// A corruptionCase is one corruption of a generated export and what verify
// finds.
type corruptionCase struct {
	name   string
	opt    gen.Options
	mutate func(e *export)
	kinds  []string
	reason string // of the first decode_error, if any
	quick  bool   // also expected in --quick mode
}

// corruptionCases are the cases of TestVerify_corruptionMatrix, also run
// on S3 (TestS3_scaleOut).
func corruptionCases() []corruptionCase {
	return []corruptionCase{
		{
			name: "flipped byte in a data file",
			mutate: func(e *export) {
				_, f := e.nonEmpty()
				p := e.dataPath(f)
				b, _ := os.ReadFile(p)
				b[len(b)/2] ^= 0x55
				e.write(p, b)
			},
			kinds: []string{verify.KindChecksumMismatch, verify.KindDecodeError},
			quick: true,
		},
		{
			name: "truncated gzip",
			mutate: func(e *export) {
				_, f := e.nonEmpty()
				p := e.dataPath(f)
				b, _ := os.ReadFile(p)
				e.write(p, b[:len(b)-9])
			},
			kinds:  []string{verify.KindChecksumMismatch, verify.KindDecodeError},
			reason: "corrupt_compression",
			quick:  true,
		},
		{
			name: "deleted data file",
			mutate: func(e *export) {
				_, f := e.nonEmpty()
				os.Remove(e.dataPath(f))
			},
			kinds: []string{verify.KindMissingFile},
			quick: true,
		},
		{
			name: "extra data file",
			mutate: func(e *export) {
				e.write(filepath.Join(e.exportDir(), "data", "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz"), []byte{})
			},
			kinds: []string{verify.KindExtraFile},
			quick: true,
		},
		{
			name: "dropped record, MD5 recomputed in the manifest",
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLines(i, func(l []string) []string { return l[1:] })
			},
			kinds: []string{verify.KindCountMismatch},
			quick: true,
		},
		{
			name: "edited manifest-files.json",
			mutate: func(e *export) {
				files := e.files()
				i, _ := e.nonEmpty()
				files[i].ItemCount++
				e.writeFiles(files, false)
			},
			kinds: []string{verify.KindCountMismatch, verify.KindManifestChecksumMismatch, verify.KindSummaryCountMismatch},
			quick: true,
		},
		{
			name: "edited summary itemCount",
			mutate: func(e *export) {
				p := filepath.Join(e.exportDir(), manifest.SummaryName)
				b, _ := os.ReadFile(p)
				old := `"itemCount":` + strconv.FormatInt(e.sum.ItemCount, 10)
				b = bytes.Replace(b, []byte(old), []byte(`"itemCount":`+strconv.FormatInt(e.sum.ItemCount+1, 10)), 1)
				e.write(p, b)
			},
			kinds: []string{verify.KindManifestChecksumMismatch, verify.KindSummaryCountMismatch},
			quick: true,
		},
		{
			name: "edited summary itemCount, .md5 recomputed",
			mutate: func(e *export) {
				s := *e.sum
				s.ItemCount += 5
				b := s.Marshal()
				e.write(filepath.Join(e.exportDir(), manifest.SummaryName), b)
				e.write(filepath.Join(e.exportDir(), manifest.SummaryMD5Name), manifest.MD5File(b))
			},
			kinds: []string{verify.KindSummaryCountMismatch},
			quick: true,
		},
		{
			name: "_started without a summary",
			mutate: func(e *export) {
				os.Remove(filepath.Join(e.exportDir(), manifest.SummaryName))
				os.Remove(filepath.Join(e.exportDir(), manifest.SummaryMD5Name))
			},
			kinds: []string{verify.KindUnfinishedExport},
			quick: true,
		},
		{
			name: "duplicated manifest entry",
			mutate: func(e *export) {
				files := e.files()
				_, f := e.nonEmpty()
				e.writeFiles(append(files, f), true)
			},
			kinds: []string{verify.KindDuplicateEntry},
			quick: true,
		},
		{
			name:   "invalid JSON line",
			mutate: func(e *export) { i, _ := e.nonEmpty(); e.editLine(i, 1, func(l string) string { return l[:len(l)-1] }) },
			kinds:  []string{verify.KindDecodeError},
			reason: "syntax",
		},
		{
			name: "unknown type key",
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string { return strings.Replace(l, `{"S":`, `{"STRING":`, 1) })
			},
			kinds:  []string{verify.KindDecodeError},
			reason: "unknown_type",
		},
		{
			name: "empty set",
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string { return l[:len(l)-2] + `,"emptyset":{"SS":[]}}}` })
			},
			kinds:  []string{verify.KindDecodeError},
			reason: "empty_set",
		},
		{
			name: "bad base64",
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string { return l[:len(l)-2] + `,"bin":{"B":"not base64!"}}}` })
			},
			kinds:  []string{verify.KindDecodeError},
			reason: "bad_base64",
		},
		{
			name: "39-digit number",
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string {
					return l[:len(l)-2] + `,"big":{"N":"123456789012345678901234567890123456789"}}}`
				})
			},
			kinds:  []string{verify.KindDecodeError},
			reason: "bad_number",
		},
		{
			name: "dataFileS3Key with ../",
			mutate: func(e *export) {
				files := e.files()
				i, f := e.nonEmpty()
				dir, base := f.DataFileS3Key[:strings.LastIndexByte(f.DataFileS3Key, '/')], f.DataFileS3Key[strings.LastIndexByte(f.DataFileS3Key, '/')+1:]
				files[i].DataFileS3Key = dir + "/../../../../../../etc/" + base
				e.writeFiles(files, true)
			},
			// The file the entry named is no longer listed: it is extra.
			kinds: []string{verify.KindExtraFile, verify.KindUnsafeKey},
			quick: true,
		},
		{
			name: "etag that is not md5Checksum's",
			mutate: func(e *export) {
				files := e.files()
				files[0].ETag = "0123456789abcdef0123456789abcdef-1"
				e.writeFiles(files, true)
			},
			kinds: []string{verify.KindETagMismatch},
			quick: true,
		},
		{
			name: "extension contradicting outputFormat",
			mutate: func(e *export) {
				files := e.files()
				i, f := e.nonEmpty()
				p := e.dataPath(f)
				files[i].DataFileS3Key = strings.TrimSuffix(f.DataFileS3Key, ".json.gz") + ".ion.gz"
				os.Rename(p, strings.TrimSuffix(p, ".json.gz")+".ion.gz")
				e.writeFiles(files, true)
			},
			kinds: []string{verify.KindExtensionMismatch},
			quick: true,
		},
		{
			name: "incremental Keys disagreeing with NewImage",
			opt:  gen.Options{Items: 120, Files: 2, Seed: 12, Kind: gen.Incremental},
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string {
					return strings.Replace(l, `"Keys":{"pk":{"S":"`, `"Keys":{"pk":{"S":"x`, 1)
				})
			},
			kinds: []string{verify.KindKeyMismatch},
		},
		{
			name: "incremental timestamp outside the window",
			opt:  gen.Options{Items: 120, Files: 2, Seed: 13, Kind: gen.Incremental},
			mutate: func(e *export) {
				i, _ := e.nonEmpty()
				e.editLine(i, 0, func(l string) string {
					j := strings.Index(l, `"WriteTimestampMicros":{"N":"`) + len(`"WriteTimestampMicros":{"N":"`)
					k := j + strings.IndexByte(l[j:], '"')
					return l[:j] + "1000000000000000" + l[k:]
				})
			},
			kinds: []string{verify.KindTimestampOutOfWindow},
		},
	}
}

func genOptsSmall() gen.Options { return gen.Options{Items: 40, Files: 2, Seed: 21} }

func TestRun_usageAndExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{[]string{"help"}, 0, "Exit status:", ""},
		{[]string{"verify", "-h"}, 0, "--quick", ""},
		{[]string{"cat", "--help"}, 0, "--format", ""},
		{[]string{"gen", "-h"}, 0, "--kind", ""},
		{[]string{"nosuch"}, 2, "", "unknown command"},
		{[]string{"verify"}, 2, "", "ddbexport verify needs PATH\nTry: ddbexport verify --help"},
		{[]string{"cat", "a", "b"}, 2, "", "takes one PATH"},
		{[]string{"gen"}, 2, "", "needs OUTDIR"},
		{[]string{"verify", "--json", "/nonexistent/path"}, 2, `"status": "incomplete"`, "cannot read"},
		{[]string{"verify", "--max-problems", "-1", "."}, 2, "", "--max-problems"},
		{[]string{"verify", "--clock-tolerance", "-1m", "."}, 2, "", "--clock-tolerance"},
		{[]string{"verify", "--bogus", "x"}, 2, "", "unknown flag"},
		{[]string{"verify", "/nonexistent/path"}, 2, "", "cannot read /nonexistent/path"},
		{[]string{"verify", "."}, 2, "", "no DynamoDB export under ."},
		{[]string{"cat", "--format", "xml", "."}, 2, "", "want plain or dynamodb-json"},
		{[]string{"gen", "--kind", "partial", "x"}, 2, "", "unknown export kind"},
		{[]string{"gen", "--key", "pk:BOOL", "x"}, 2, "", "TYPE S, N or B"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
		})
	}
}

func TestVerify_severalExportsNeedExportID(t *testing.T) {
	dir := t.TempDir()
	st := localfs.New(dir)
	enc := func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }
	ref1, _, err := gen.Write(context.Background(), st, gen.Options{Items: 10, Seed: 1}, enc)
	if err != nil {
		t.Fatal(err)
	}
	ref2, _, err := gen.Write(context.Background(), st, gen.Options{Items: 10, Seed: 2, Kind: gen.Incremental}, enc)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "verify", dir)
	if code != 2 || !strings.Contains(stderr, ref1.ID) || !strings.Contains(stderr, ref2.ID) || !strings.Contains(stderr, "--export-id") {
		t.Errorf("exit %d, stderr %q: want 2 and both IDs listed", code, stderr)
	}
	code, out, stderr := runCLI(t, "verify", "--export-id", ref2.ID, dir)
	if code != 0 || !strings.Contains(out, ref2.ID) || !strings.Contains(out, "OK: intact") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "verify", "--export-id", "01234567890123-deadbeef", dir)
	if code != 2 || !strings.Contains(stderr, "no export 01234567890123-deadbeef") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestVerify_unreadableSummaryStillChecksData: a summary that is not JSON
// is a finding, and the data files are still checked from the files
// manifest beside it.
func TestVerify_unreadableSummaryStillChecksData(t *testing.T) {
	for _, opt := range []gen.Options{{Items: 60, Files: 3, Seed: 31}, {Items: 60, Files: 3, Seed: 32, Kind: gen.Incremental}} {
		e := genExport(t, opt)
		e.write(filepath.Join(e.exportDir(), manifest.SummaryName), []byte("{not json"))
		i, _ := e.nonEmpty()
		e.editLine(i, 0, func(l string) string { return strings.Replace(l, `{"S":`, `{"Z":`, 1) })
		code, rep, _ := e.verify()
		want := []string{verify.KindDecodeError, verify.KindManifestChecksumMismatch, verify.KindManifestInvalid}
		if got := kindSet(rep.Findings); code != 1 || !slices.Equal(got, want) {
			t.Errorf("%s: exit %d, kinds %v, want 1 and %v", opt.Kind, code, got, want)
		}
		if rep.Totals.FilesRead != 3 || rep.Totals.Items != 60 || rep.Export.Format != "DYNAMODB_JSON" {
			t.Errorf("%s: totals %+v, format %q", opt.Kind, rep.Totals, rep.Export.Format)
		}
	}
}

// TestVerify_reportIsIdenticalForAnyWorkerCount: one worker and many give
// byte-identical reports, on an export with findings in several files.
func TestVerify_reportIsIdenticalForAnyWorkerCount(t *testing.T) {
	e := genExport(t, gen.Options{Items: 400, Files: 8, Seed: 41})
	files := e.files()
	for i, f := range files {
		switch {
		case f.ItemCount >= 3 && i%2 == 0:
			e.editLine(i, 1, func(l string) string { return strings.Replace(l, `{"S":`, `{"SS":`, 1) })
		case f.ItemCount >= 3:
			e.editLines(i, func(l []string) []string { return l[1:] })
		}
	}
	e.write(filepath.Join(e.exportDir(), "data", "zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz"), []byte("x"))
	var want string
	for _, w := range []string{"1", "2", "3", "8"} {
		code, out, stderr := runCLI(t, "verify", "--json", "--workers", w, e.dir)
		if code != 1 {
			t.Fatalf("workers %s: exit %d, stderr %s", w, code, stderr)
		}
		if want == "" {
			want = out
		} else if out != want {
			t.Errorf("workers %s: report differs from workers 1", w)
		}
	}
}

// TestVerify_recordFindingsHavePosition: a record-level finding (not a
// decode error) names the record's line and the offset of its first byte.
func TestVerify_recordFindingsHavePosition(t *testing.T) {
	e := genExport(t, gen.Options{Items: 40, Files: 1, Seed: 51, Kind: gen.Incremental})
	var offset int64
	e.editLines(0, func(l []string) []string {
		offset = int64(len(l[0]) + len(l[1]))
		l[2] = strings.Replace(l[2], `"Keys":{"pk":{"S":"`, `"Keys":{"pk":{"S":"x`, 1)
		return l
	})
	_, rep, _ := e.verify()
	if len(rep.Findings) != 1 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	f := rep.Findings[0]
	if f.Kind != verify.KindKeyMismatch || f.Line != 3 || f.Offset == nil || *f.Offset != offset {
		t.Errorf("finding %+v (offset %v), want key_mismatch on line 3 at offset %d", f, f.Offset, offset)
	}
}
