package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

var realExports = filepath.Join("..", "..", "..", "shared", "real-exports")

func needReal(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(realExports, name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real DynamoDB exports not found at %s (they sit beside the checkout in CI): %v", dir, err)
	}
	return dir
}

// itemsOf returns the "Item" object of every line of the export's data
// files, in manifest order, as the files hold them.
func itemsOf(t *testing.T, exportDir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(exportDir, manifest.FilesName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []string
	for mf, err := range manifest.ParseFiles("", f) {
		if err != nil {
			t.Fatal(err)
		}
		name := mf.DataFileS3Key[strings.LastIndexByte(mf.DataFileS3Key, '/')+1:]
		df, err := os.Open(filepath.Join(exportDir, "data", name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(df)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		df.Close()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			line = strings.TrimSuffix(line, "\n")
			if !strings.HasPrefix(line, `{"Item":`) || !strings.HasSuffix(line, "}") {
				t.Fatalf("unexpected line %q", line)
			}
			items = append(items, line[len(`{"Item":`):len(line)-1])
		}
	}
	return items
}

// TestCat_realExports: cat prints the items of exports written by DynamoDB
// exactly, byte for byte, from any of the paths a user may give.
func TestCat_realExports(t *testing.T) {
	for _, tt := range []struct{ bucket, prefix, id string }{
		{"pfeilbr-2020", "demo_prefix", "01605130432834-8a918b87"},
		{"scylla-2024", "dynamodb-export", "01715685260608-c488b4e1"},
	} {
		bucket := needReal(t, tt.bucket)
		exportDir := filepath.Join(bucket, tt.prefix, "AWSDynamoDB", tt.id)
		want := strings.Join(itemsOf(t, exportDir), "\n") + "\n"
		for _, path := range []string{bucket, filepath.Join(bucket, tt.prefix), exportDir, filepath.Join(exportDir, manifest.SummaryName)} {
			code, out, stderr := runCLI(t, "cat", path)
			if code != 0 || out != want {
				t.Errorf("cat %s: exit %d\n got: %s\nwant: %s\nstderr: %s", path, code, out, want, stderr)
			}
		}
	}
}

func TestCat_plain(t *testing.T) {
	bucket := needReal(t, "scylla-2024")
	code, out, stderr := runCLI(t, "cat", "--format", "plain", bucket)
	want := `{"id":"bar","baz":0}
{"id":"K3TXQk84Si","a":false,"b":null,"c":["8gfX8dh0xa","fRjHZJ2Ce9"],"d":[3,2],"e":[1,"Dsb87qc6Es"],"f":{"h":null,"i":true,"g":9},"j":"aGVsbG8=","k":["aXMgZmFzdA==","c2N5bGxhZGI="]}
{"id":"foo","bar":42}
`
	if code != 0 || out != want {
		t.Errorf("exit %d\n got: %s\nwant: %s\nstderr: %s", code, out, want, stderr)
	}
}

func TestCat_badRecordIsAnErrorWithPosition(t *testing.T) {
	e := genExport(t, genOptsSmall())
	i, f := e.nonEmpty()
	e.editLine(i, 1, func(l string) string { return strings.Replace(l, `{"S":`, `{"Q":`, 1) })
	code, out, stderr := runCLI(t, "cat", e.dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := f.DataFileS3Key + ":2 (offset "; !strings.Contains(stderr, want) || !strings.Contains(stderr, "unknown type") {
		t.Errorf("stderr %q does not name %q and the rule", stderr, want)
	}
	if got := strings.Count(out, "\n"); got != int(e.sum.ItemCount)-1 {
		t.Errorf("printed %d items, want every other one (%d)", got, e.sum.ItemCount-1)
	}
}

func TestCat_warnsOnManifestMismatch(t *testing.T) {
	e := genExport(t, genOptsSmall())
	files := e.files()
	e.writeFiles(files[1:], false) // drop an entry without fixing the .md5
	code, _, stderr := runCLI(t, "cat", e.dir)
	if code != 0 || !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, manifest.FilesMD5Name) {
		t.Errorf("exit %d, stderr %q: want 0 and a warning about %s", code, stderr, manifest.FilesMD5Name)
	}
}

// TestVerify_liberalInput: records as other tools may write them, with
// whitespace, CRLF, keys in any order, escapes in names and type
// descriptors and exponent notation, verify clean and cat back in
// DynamoDB's compact form with values intact.
func TestVerify_liberalInput(t *testing.T) {
	e := genExport(t, gen.Options{Items: 3, Files: 1, Seed: 5})
	lines := []string{
		" { \"Item\" : { \"pk\" : { \"S\" : \"a\" } , \"n\" : { \"N\" : \"1E-130\" } } } \r\n",
		"{\"Item\":{\"\\u0070k\":{\"\\u0053\":\"b\\u00e9\\ud83d\\ude00\"},\"n\":{\"N\":\"-9.9999999999999999999999999999999999999E+125\"},\"s\":{\"NS\":[\"1\",\"1.5\",\"+2\"]}}}\n",
		"{\"Item\":{\"pk\":{\"S\":\"c\"},\"m\":{\"M\":{\"z\":{\"NULL\":true},\"a\":{\"L\":[{\"B\":\"\"},{\"S\":\"\"}]}}}}}",
	}
	e.editLines(0, func([]string) []string { return lines })
	code, out, stderr := runCLI(t, "verify", e.dir)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "cat", e.dir)
	want := `{"pk":{"S":"a"},"n":{"N":"1E-130"}}
{"pk":{"S":"bé😀"},"n":{"N":"-9.9999999999999999999999999999999999999E+125"},"s":{"NS":["1","1.5","+2"]}}
{"pk":{"S":"c"},"m":{"M":{"z":{"NULL":true},"a":{"L":[{"B":""},{"S":""}]}}}}
`
	if code != 0 || out != want {
		t.Errorf("cat: exit %d\n got: %s\nwant: %s\n%s", code, out, want, stderr)
	}
	code, out, _ = runCLI(t, "cat", "--format", "plain", e.dir)
	want = `{"pk":"a","n":1E-130}
{"pk":"bé😀","n":-9.9999999999999999999999999999999999999E+125,"s":[1,1.5,2]}
{"pk":"c","m":{"z":null,"a":["",""]}}
`
	if code != 0 || out != want {
		t.Errorf("cat --format plain: exit %d\n got: %s\nwant: %s", code, out, want)
	}
}

// TestCat_warnsOnDataMismatch: a data file whose stored bytes differ from
// md5Checksum (here: the same records, compressed differently) is printed
// whole, with a warning.
func TestCat_warnsOnDataMismatch(t *testing.T) {
	e := genExport(t, genOptsSmall())
	_, before, _ := runCLI(t, "cat", e.dir)
	_, f := e.nonEmpty()
	p := e.dataPath(f)
	raw, _ := os.ReadFile(p)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(plain)
	zw.Close()
	e.write(p, buf.Bytes())
	code, out, stderr := runCLI(t, "cat", e.dir)
	if code != 0 || out != before || !strings.Contains(stderr, "warning: "+f.DataFileS3Key+": MD5") {
		t.Errorf("exit %d, same output %v, stderr %q", code, out == before, stderr)
	}
}
