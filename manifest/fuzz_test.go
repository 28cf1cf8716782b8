package manifest_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
)

// realSeeds returns the named files of the real exports that exist; a
// fuzz target still runs its other seeds without them.
func realSeeds(names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("..", "..", "shared", "real-exports", filepath.FromSlash(n)))
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}

func FuzzParseSummary(f *testing.F) {
	for _, b := range realSeeds(pfeilExport+"/manifest-summary.json", scyllaExport+"/manifest-summary.json") {
		f.Add(b)
	}
	for _, s := range []string{
		sabuatSummary, gurreIncSummary, "", "{}", "null", `{"itemCount":1}`,
		`{"itemCount":1,"exportType":"FULL_EXPORT","exportFromTime":"2026-01-14T10:20:00.5+01:00"}`,
		`{"itemCount":-1,"startTime":"x"}`, sabuatSummary + "}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := manifest.ParseSummary("s", b)
		if err != nil {
			var se *manifest.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
			}
			return
		}
		out := s.Marshal()
		s2, err := manifest.ParseSummary("s", out)
		if err != nil {
			t.Fatalf("ParseSummary(Marshal) = %v\n%s", err, out)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\nMarshal: %s", *s2, *s, out)
		}
		if out2 := s2.Marshal(); !bytes.Equal(out, out2) {
			t.Fatalf("Marshal not stable:\n%s\n%s", out, out2)
		}
	})
}

func FuzzParseFiles(f *testing.F) {
	for _, b := range realSeeds(pfeilExport+"/manifest-files.json", scyllaExport+"/manifest-files.json") {
		f.Add(b)
	}
	for _, s := range []string{
		gurreFullFiles, "", "\n", "\n\n" + line1, line1 + "\nbad\n" + line2, line1 + "}\n",
		`{"itemCount":1,"dataFileS3Key":"k","md5Checksum":"\u00e9\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lines := bytes.Count(b, []byte("\n")) + 1
		last := 0
		for file, err := range manifest.ParseFiles("m", bytes.NewReader(b)) {
			if file.Line <= last || file.Line > lines {
				t.Fatalf("Line %d after %d, of %d lines", file.Line, last, lines)
			}
			last = file.Line
			if err != nil {
				var se *manifest.SyntaxError
				if !errors.As(err, &se) || se.Line != file.Line {
					t.Fatalf("error %v (%T) is not a *SyntaxError for line %d", err, err, file.Line)
				}
				continue
			}
			if file.DataFileS3Key == "" || file.ItemCount < 0 {
				t.Fatalf("parsed %+v", file)
			}
			out := file.Marshal()
			if bytes.Count(out, []byte("\n")) != 1 {
				t.Fatalf("Marshal is not one line: %q", out)
			}
			g, err := manifest.ParseFileLine(out[:len(out)-1])
			g.Line = file.Line
			if err != nil || g != file {
				t.Fatalf("ParseFileLine(Marshal) = %+v, %v; want %+v", g, err, file)
			}
			if sum, err := file.MD5(); err == nil && manifest.EncodeMD5(sum) != strings.TrimSpace(file.MD5Checksum) && len(strings.TrimSpace(file.MD5Checksum)) != 32 {
				t.Fatalf("MD5 %q decodes but does not re-encode", file.MD5Checksum)
			}
		}
	})
}

func FuzzDataKey(f *testing.F) {
	var keys []string
	for _, b := range realSeeds(pfeilExport+"/manifest-files.json", scyllaExport+"/manifest-files.json") {
		for file, err := range manifest.ParseFiles("m", bytes.NewReader(b)) {
			if err == nil {
				keys = append(keys, file.DataFileS3Key)
			}
		}
	}
	keys = append(keys, "AWSDynamoDB/data/u2wov2dg246wzitouzsnk6jbd4.json.gz", "AWSDynamoDB/01768385930622-efd1a093/manifest-files.json",
		"../x", "a/../../b", "/etc/passwd", `a\b`, "a\x00b", "a//b", "p//AWSDynamoDB/x", "elsewhere/x")
	for i, k := range keys {
		root := []string{"", "AWSDynamoDB/", "demo_prefix/AWSDynamoDB/", "bucket/x/y/AWSDynamoDB/", "../"}[i%5]
		prefix := []string{"demo_prefix", "", "dynamodb-export", "p/", ".."}[i%5]
		f.Add(root, prefix, k)
	}
	f.Fuzz(func(t *testing.T, root, prefix, key string) {
		got, err := manifest.Ref{ID: "x", Root: root}.DataKey(prefix, key)
		if err != nil {
			if !errors.Is(err, store.ErrUnsafeKey) {
				t.Fatalf("error %v does not wrap ErrUnsafeKey", err)
			}
			return
		}
		if err := store.CheckKey(got); err != nil {
			t.Fatalf("DataKey(%q, %q) with Root %q = %q: %v", prefix, key, root, got, err)
		}
		if strings.HasPrefix(got, "/") || got == ".." || strings.HasPrefix(got, "../") || strings.Contains(got, "/../") || strings.HasSuffix(got, "/..") {
			t.Fatalf("DataKey(%q, %q) with Root %q = %q", prefix, key, root, got)
		}
	})
}
