package manifest_test

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/manifest"
)

type parsed struct {
	files []manifest.File
	errs  []error
}

func parseAll(r io.Reader) parsed {
	var p parsed
	for f, err := range manifest.ParseFiles("manifest-files.json", r) {
		if err != nil {
			p.errs = append(p.errs, err)
			continue
		}
		p.files = append(p.files, f)
	}
	return p
}

func TestParseFiles_real(t *testing.T) {
	tests := []struct {
		name  string
		file  string // a real manifest below real-exports, or
		raw   []byte // the bytes
		items []int64
	}{
		{"pfeilbr-2020", pfeilExport + "/manifest-files.json", nil, []int64{0, 0, 2, 1}},
		{"scylla-2024", scyllaExport + "/manifest-files.json", nil, []int64{3}},
		{"S-GURRE full", "", []byte(gurreFullFiles), []int64{0, 3, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file != "" {
				tt.raw = readReal(t, tt.file)
			}
			p := parseAll(bytes.NewReader(tt.raw))
			if len(p.errs) != 0 {
				t.Fatal(p.errs)
			}
			lines := strings.SplitAfter(string(tt.raw), "\n")
			lines = lines[:len(lines)-1] // "" after the final "\n"
			if len(p.files) != len(tt.items) || len(lines) != len(tt.items) {
				t.Fatalf("%d files from %d lines; want %d", len(p.files), len(lines), len(tt.items))
			}
			var all []byte
			for i, f := range p.files {
				if f.Line != i+1 {
					t.Errorf("file %d: Line = %d", i, f.Line)
				}
				if f.ItemCount != tt.items[i] {
					t.Errorf("line %d: ItemCount = %d; want %d", f.Line, f.ItemCount, tt.items[i])
				}
				if !strings.Contains(lines[i], `"dataFileS3Key":"`+f.DataFileS3Key+`"`) || !strings.HasSuffix(f.DataFileS3Key, ".json.gz") {
					t.Errorf("line %d: DataFileS3Key = %q", f.Line, f.DataFileS3Key)
				}
				if got := f.Marshal(); string(got) != lines[i] {
					t.Errorf("line %d: Marshal =\n%s want\n%s", f.Line, got, lines[i])
				}
				all = append(all, f.Marshal()...)
				sum, err := f.MD5()
				if err != nil {
					t.Errorf("line %d: MD5: %v", f.Line, err)
				}
				if got := manifest.ETagFor(sum); got != f.ETag {
					t.Errorf("line %d: ETagFor(md5) = %s; want etag %s", f.Line, got, f.ETag)
				}
				if got := manifest.EncodeMD5(sum); got != f.MD5Checksum {
					t.Errorf("line %d: EncodeMD5 = %s; want %s", f.Line, got, f.MD5Checksum)
				}
				if f.ETagParts() != 1 {
					t.Errorf("line %d: ETagParts = %d", f.Line, f.ETagParts())
				}
			}
			if !bytes.Equal(all, tt.raw) {
				t.Error("the Marshal lines are not the file")
			}
		})
	}
}

// Lines seen only in manifests, and the two empty-file values
// (export-format.md §3): etag == hex(md5(base64decode(md5Checksum)))-1.
func TestETagFor_manifestOnly(t *testing.T) {
	for _, tt := range []struct{ md5, etag string }{
		{"sQMSpEILNgoQmarvDFonGQ==", "af83d6f217c19b8b0fff8023d8ca4716-1"}, // DOC-OUT example
		{"EV+2HwdmZ3AyD9j+Yxd+Mg==", "a88f6b426e940985d4ef97076c8f40f6-1"}, // S-SABUAT
		{"5kvF5ODPKWDU6sm+K0N6TQ==", "708b07071dee312c251538b4f7e6bb0b-1"}, // S-RAIDO (ION)
		{"a0k21IY3eelgr2PuWJLjJw==", "51f9f394903c5d682321c6211aae8b6a-1"}, // data-prepper comment
		{"FjvgqIxwymKf1RbbqtrZag==", "7deb4078f238dd87d6af0538152c04e9-1"}, // empty file, 2024-2026
		{"OXDoJgXH0Qm7NI/JTp7swA==", "67c8121a4701556ecf2fa9dda42c0269-1"}, // empty file, 2020
	} {
		sum, err := manifest.DecodeMD5(tt.md5)
		if err != nil {
			t.Errorf("DecodeMD5(%s): %v", tt.md5, err)
			continue
		}
		if got := manifest.ETagFor(sum); got != tt.etag {
			t.Errorf("ETagFor(%s) = %s; want %s", tt.md5, got, tt.etag)
		}
	}
	// The empty data file's MD5 is that of the 20-byte empty gzip member.
	for _, tt := range []struct {
		os  byte
		md5 string
	}{{0x00, "OXDoJgXH0Qm7NI/JTp7swA=="}, {0xff, "FjvgqIxwymKf1RbbqtrZag=="}} {
		gz := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, tt.os, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		if got := manifest.EncodeMD5(md5.Sum(gz)); got != tt.md5 {
			t.Errorf("empty gzip with OS %#x: md5 %s; want %s", tt.os, got, tt.md5)
		}
	}
}

func TestDecodeMD5(t *testing.T) {
	want := [16]byte{0xb1, 0x03, 0x12, 0xa4, 0x42, 0x0b, 0x36, 0x0a, 0x10, 0x99, 0xaa, 0xef, 0x0c, 0x5a, 0x27, 0x19}
	for _, s := range []string{
		"sQMSpEILNgoQmarvDFonGQ==",
		"sQMSpEILNgoQmarvDFonGQ==\n", // a .md5 file with a newline added
		" sQMSpEILNgoQmarvDFonGQ==\r\n",
		"b10312a4420b360a1099aaef0c5a2719",
		"B10312A4420B360A1099AAEF0C5A2719",
	} {
		got, err := manifest.DecodeMD5(s)
		if err != nil || got != want {
			t.Errorf("DecodeMD5(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	for _, s := range []string{
		"", "   ", "abc", "not base64 at all!!!!!!!",
		"sQMSpEILNgoQmarvDFonGQ",             // no padding
		"sQMSpEILNgoQmarvDFonGQ=",            // short padding
		"sQMSpEILNgoQmarvDFonGR==",           // non-canonical: stray bits in the last character
		"sQMSpEILNgoQ\nmarvDFonGQ==",         // a newline inside
		"sQMSpEILNgoQmarvDFon-_==",           // URL alphabet
		"sQMSpEILNgoQmarvDFonGQAA",           // 18 bytes
		"sQMSpEILNgoQmarvDFon",               // 15 bytes
		"b10312a4420b360a1099aaef0c509d1",    // 31 hex digits
		"b10312a4420b360a1099aaef0c509d1g",   // not hex, not base64 of 16 bytes
		"0xb10312a4420b360a1099aaef0c509d19", // 0x prefix
		"b10312a4420b360a1099aaef0c509d19-1", // an etag
	} {
		if got, err := manifest.DecodeMD5(s); err == nil {
			t.Errorf("DecodeMD5(%q) = %x; want an error", s, got)
		}
	}
}

func TestFile_ETagParts(t *testing.T) {
	for _, tt := range []struct {
		etag string
		want int
	}{
		{"af83d6f217c19b8b0fff8023d8ca4716-1", 1},
		{"af83d6f217c19b8b0fff8023d8ca4716-12", 12},
		{"af83d6f217c19b8b0fff8023d8ca4716-10000", 10000},
		{"af83d6f217c19b8b0fff8023d8ca4716", 0},
		{"", 0},
		{"x-", 0},
		{"x-0", 0},
		{"x-+1", 0},
		{"x- 1", 0},
		{"x-1a", 0},
		{"x-99999999999999999999", 0},
		{`"af83d6f217c19b8b0fff8023d8ca4716-1"`, 0}, // quoted: not a manifest etag
	} {
		f := manifest.File{ETag: tt.etag}
		if got := f.ETagParts(); got != tt.want {
			t.Errorf("ETagParts(%q) = %d; want %d", tt.etag, got, tt.want)
		}
	}
}

const (
	line1 = `{"itemCount":0,"md5Checksum":"OXDoJgXH0Qm7NI/JTp7swA==","etag":"67c8121a4701556ecf2fa9dda42c0269-1","dataFileS3Key":"p/AWSDynamoDB/01605130432834-8a918b87/data/nb2ssxy7sy27llohdduogaviai.json.gz"}`
	line2 = `{"itemCount":2,"md5Checksum":"J/tzfeC42jGYz0+Lo26WKg==","etag":"4b8c246df7babb873e2fc91a4c45807e-1","dataFileS3Key":"p/AWSDynamoDB/01605130432834-8a918b87/data/vajn3deidy4svdja3fgej2ynay.json.gz"}`
)

func TestParseFiles_lines(t *testing.T) {
	long := `{"itemCount":1,"dataFileS3Key":"` + strings.Repeat("k", manifest.MaxFilesLineBytes) + `"}`
	tests := []struct {
		name     string
		raw      string
		lines    []int // Line of each File yielded
		errLines []int // Line of each *SyntaxError
	}{
		{"empty", "", nil, nil},
		{"newline only", "\n", nil, nil},
		{"two lines", line1 + "\n" + line2 + "\n", []int{1, 2}, nil},
		{"no final newline", line1 + "\n" + line2, []int{1, 2}, nil},
		{"CRLF", line1 + "\r\n" + line2 + "\r\n", []int{1, 2}, nil},
		{"blank lines", "\n" + line1 + "\n\n  \t\n" + line2 + "\n\n", []int{2, 5}, nil},
		{"bad line in the middle", line1 + "\n{\"itemCount\":\n" + line2 + "\n", []int{1, 3}, []int{2}},
		{"bad lines", "x\n" + line1 + "\n[]\n" + line2 + "\n{}\n", []int{2, 4}, []int{1, 3, 5}},
		{"bad final line without newline", line1 + "\n" + `{"itemCount":-1,"dataFileS3Key":"k"}`, []int{1}, []int{2}},
		{"two objects on a line", line1 + line2 + "\n" + line2 + "\n", []int{2}, []int{1}},
		{"trailing brace", line1 + "}\n" + line2 + "\n", []int{2}, []int{1}},
		{"trailing bracket", line1 + "]\n" + line2 + "\n", []int{2}, []int{1}},
		{"long line", line1 + "\n" + long + "\n" + line2 + "\n", []int{1, 3}, []int{2}},
		{"long final line", line1 + "\n" + long, []int{1}, []int{2}},
		{"long line then blank", long + "\n\n" + line2, []int{3}, []int{1}},
		{"line of the maximum length", lineOf(manifest.MaxFilesLineBytes) + "\n", []int{1}, nil},
		{"final line of the maximum length", lineOf(manifest.MaxFilesLineBytes), []int{1}, nil},
		{"line one over the maximum", lineOf(manifest.MaxFilesLineBytes+1) + "\n" + line1, []int{2}, []int{1}},
		{"final line one over the maximum", lineOf(manifest.MaxFilesLineBytes + 1), nil, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines, errLines []int
			for f, err := range manifest.ParseFiles("x/manifest-files.json", strings.NewReader(tt.raw)) {
				if err != nil {
					var se *manifest.SyntaxError
					if !errors.As(err, &se) {
						t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
					}
					if se.File != "x/manifest-files.json" {
						t.Errorf("SyntaxError.File = %q", se.File)
					}
					if f.Line != se.Line {
						t.Errorf("File.Line %d, SyntaxError.Line %d", f.Line, se.Line)
					}
					errLines = append(errLines, se.Line)
					continue
				}
				lines = append(lines, f.Line)
			}
			if !equalInts(lines, tt.lines) || !equalInts(errLines, tt.errLines) {
				t.Errorf("files at lines %v, errors at %v; want %v and %v", lines, errLines, tt.lines, tt.errLines)
			}
		})
	}
}

// lineOf returns a valid manifest line of n bytes.
func lineOf(n int) string {
	const head, tail = `{"itemCount":1,"dataFileS3Key":"`, `"}`
	return head + strings.Repeat("k", n-len(head)-len(tail)) + tail
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A read error is yielded as is, after the lines read before it.
func TestParseFiles_readError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(line1+"\n"+line2+"\n"+line1[:20]), &errReader{boom})
	var n int
	var last error
	for f, err := range manifest.ParseFiles("m", r) {
		if err != nil {
			last = err
			continue
		}
		n++
		_ = f
	}
	if n != 2 || last != boom {
		t.Errorf("%d files, last error %v; want 2 and %v", n, last, boom)
	}
	// During a long line, too.
	r = io.MultiReader(strings.NewReader(strings.Repeat("x", 100<<10)), &errReader{boom})
	last = nil
	for _, err := range manifest.ParseFiles("m", r) {
		last = err
	}
	if last != boom {
		t.Errorf("last error %v; want %v", last, boom)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestParseFiles_stop(t *testing.T) {
	raw := strings.Repeat(line1+"\nbad\n", 5)
	for _, stopOnErr := range []bool{false, true} {
		n := 0
		for _, err := range manifest.ParseFiles("m", strings.NewReader(raw)) {
			n++
			if (err != nil) == stopOnErr {
				break
			}
		}
		if want := map[bool]int{false: 1, true: 2}[stopOnErr]; n != want {
			t.Errorf("stop on error %v: %d yields; want %d", stopOnErr, n, want)
		}
	}
}

func TestParseFileLine(t *testing.T) {
	f, err := manifest.ParseFileLine([]byte(`{"dataFileS3Key":"k","itemCount":7,"futureKey":[1],"md5Checksum":null}`))
	if err != nil || f.DataFileS3Key != "k" || f.ItemCount != 7 || f.MD5Checksum != "" || f.ETag != "" {
		t.Errorf("ParseFileLine = %+v, %v", f, err)
	}
	for _, tt := range []struct{ line, msg string }{
		{``, "not a JSON object"},
		{`null`, "dataFileS3Key is missing"},
		{`"x"`, "not a JSON object"},
		{`{"itemCount":1}`, "dataFileS3Key is missing"},
		{`{"itemCount":1,"dataFileS3Key":""}`, "dataFileS3Key is missing"},
		{`{"itemCount":1,"dataFileS3Key":null}`, "dataFileS3Key is missing"},
		{`{"dataFileS3Key":"k"}`, "itemCount is missing"},
		{`{"dataFileS3Key":"k","itemCount":null}`, "itemCount is missing"},
		{`{"dataFileS3Key":"k","itemCount":-1}`, "itemCount -1"},
		{`{"dataFileS3Key":"k","itemCount":2.0}`, "itemCount 2.0"},
		{`{"dataFileS3Key":"k","itemCount":"2"}`, `itemCount "2"`},
		{`{"dataFileS3Key":"k","itemCount":1,"etag":5}`, "not a JSON object"},
		{`{"dataFileS3Key":"k","itemCount":1}}`, "data after the JSON object"},
		{`{"dataFileS3Key":"k","itemCount":1} x`, "data after the JSON object"},
	} {
		_, err := manifest.ParseFileLine([]byte(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseFileLine(%s) error = %v; want one containing %q", tt.line, err, tt.msg)
		}
	}
}

// Marshal escapes what JSON needs and nothing more: keys hold "/" and
// could hold "&" or "<".
func TestFile_Marshal(t *testing.T) {
	f := manifest.File{ItemCount: 12, MD5Checksum: "a/b+c==", ETag: "e-1", DataFileS3Key: `p&q/<AWSDynamoDB>/"x"\y` + "\n"}
	want := `{"itemCount":12,"md5Checksum":"a/b+c==","etag":"e-1","dataFileS3Key":"p&q/<AWSDynamoDB>/\"x\"\\y\n"}` + "\n"
	if got := string(f.Marshal()); got != want {
		t.Errorf("Marshal = %s; want %s", got, want)
	}
	g, err := manifest.ParseFileLine(bytes.TrimSuffix(f.Marshal(), []byte("\n")))
	if err != nil || g != f {
		t.Errorf("ParseFileLine(Marshal) = %+v, %v; want %+v", g, err, f)
	}
}
