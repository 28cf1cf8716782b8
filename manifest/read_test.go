package manifest_test

import (
	"context"
	"crypto/md5"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestCheckMD5(t *testing.T) {
	ctx := context.Background()
	data := []byte(`{"itemCount":0}` + "\n")
	sum := md5.Sum(data)
	good := string(manifest.MD5File(data))
	tests := []struct {
		name   string
		files  map[string]string
		found  bool
		ok     bool
		source string
	}{
		{"md5", map[string]string{"e/manifest-files.md5": good}, true, true, "e/manifest-files.md5"},
		{"md5 with newline", map[string]string{"e/manifest-files.md5": good + "\n"}, true, true, "e/manifest-files.md5"},
		{"documented .checksum name", map[string]string{"e/manifest-files.checksum": good}, true, true, "e/manifest-files.checksum"},
		{".md5 wins over .checksum", map[string]string{"e/manifest-files.md5": "AAAAAAAAAAAAAAAAAAAAAA==", "e/manifest-files.checksum": good}, true, false, "e/manifest-files.md5"},
		{"mismatch", map[string]string{"e/manifest-files.md5": "AAAAAAAAAAAAAAAAAAAAAA=="}, true, false, "e/manifest-files.md5"},
		{"not an MD5", map[string]string{"e/manifest-files.md5": "hello"}, true, false, "e/manifest-files.md5"},
		{"missing", nil, false, false, "e/manifest-files.md5"},
		{"larger than MaxChecksumBytes", map[string]string{"e/manifest-files.md5": good + strings.Repeat(" ", manifest.MaxChecksumBytes)}, true, false, "e/manifest-files.md5"},
		{"empty", map[string]string{"e/manifest-files.md5": ""}, true, false, "e/manifest-files.md5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.NewMem()
			for k, v := range tt.files {
				storetest.Put(t, st, k, []byte(v))
			}
			ck, err := manifest.CheckMD5(ctx, st, "e/manifest-files.json", sum)
			if err != nil {
				t.Fatal(err)
			}
			if ck.Found != tt.found || ck.OK != tt.ok || ck.File != tt.source || ck.Got != good {
				t.Errorf("got %+v", ck)
			}
		})
	}
}

func TestReadFiles(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewMem()
	content := `{"itemCount":1,"md5Checksum":"J/tzfeC42jGYz0+Lo26WKg==","etag":"4b8c246df7babb873e2fc91a4c45807e-1","dataFileS3Key":"AWSDynamoDB/x/data/a.json.gz"}
not json
{"itemCount":2,"md5Checksum":"3k7rDt+OHxYVJpA5sn3QZg==","etag":"c19b508e384d1d6f730e1ab42c85e1b6-1","dataFileS3Key":"AWSDynamoDB/x/data/b.json.gz"}
`
	storetest.Put(t, st, "x/manifest-files.json", []byte(content))
	files, bad, sum, err := manifest.ReadFiles(ctx, st, "x/manifest-files.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Line != 1 || files[1].Line != 3 || files[1].ItemCount != 2 {
		t.Errorf("files %+v", files)
	}
	if len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Error(), "x/manifest-files.json:2") {
		t.Errorf("bad %v", bad)
	}
	if sum != md5.Sum([]byte(content)) {
		t.Error("MD5 is not of the exact bytes")
	}
	if _, _, _, err := manifest.ReadFiles(ctx, st, "nope/manifest-files.json"); err == nil {
		t.Error("missing manifest: no error")
	}
}
