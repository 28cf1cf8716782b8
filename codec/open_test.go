package codec_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ddbexport/ddbexport/codec"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// opener is Open or a Gunzipper's Open, to run every case through both.
type opener struct {
	name string
	open func(io.Reader) (io.Reader, bool, error) // reader, gzip?, error
}

func openers() []opener {
	var g codec.Gunzipper
	return []opener{
		{"Open", func(r io.Reader) (io.Reader, bool, error) {
			rc, err := codec.Open(r)
			if err != nil {
				return nil, false, err
			}
			return rc, false, nil
		}},
		{"Gunzipper", func(r io.Reader) (io.Reader, bool, error) {
			zr, err := g.Open(r)
			return zr, g.IsGzip(), err
		}},
	}
}

// readAll opens r and reads it to the end.
func readAll(op opener, r io.Reader) ([]byte, error) {
	zr, _, err := op.open(r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func TestOpen_content(t *testing.T) {
	long := strings.Repeat(`{"Item":{"pk":{"S":"x"}}}`+"\n", 20000) // > the read buffers
	multi := append(gz(t, "first\n"), gz(t, "second\n")...)
	multi = append(multi, gz(t, "")...)
	multi = append(multi, gz(t, "third\n")...)
	tests := []struct {
		name   string
		in     []byte
		want   string
		isGzip bool
	}{
		{"empty", nil, "", false},
		{"one byte", []byte("x"), "x", false},
		{"one magic byte", []byte{0x1f}, "\x1f", false},
		{"magic prefix only in part", []byte{0x1f, 0x8c, 'a'}, "\x1f\x8ca", false},
		{"plain", []byte("a\nb\n"), "a\nb\n", false},
		{"plain long", []byte(long), long, false},
		{"gzip", gz(t, "a\nb\n"), "a\nb\n", true},
		{"gzip empty", gz(t, ""), "", true},
		{"gzip long", gz(t, long), long, true},
		{"gzip multi-member", multi, "first\nsecond\nthird\n", true},
	}
	for _, op := range openers() {
		for _, tt := range tests {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				for _, wrap := range []func(io.Reader) io.Reader{
					func(r io.Reader) io.Reader { return r },
					iotest.OneByteReader,
					iotest.DataErrReader,
					func(r io.Reader) io.Reader { return bufio.NewReader(r) },
				} {
					zr, isGzip, err := op.open(wrap(bytes.NewReader(tt.in)))
					if err != nil {
						t.Fatal(err)
					}
					if op.name == "Gunzipper" && isGzip != tt.isGzip {
						t.Errorf("IsGzip() = %v, want %v", isGzip, tt.isGzip)
					}
					got, err := io.ReadAll(zr)
					if err != nil || string(got) != tt.want {
						t.Fatalf("read %q (%d bytes), %v; want %d bytes", truncated(got), len(got), err, len(tt.want))
					}
					if c, ok := zr.(io.Closer); ok {
						if err := c.Close(); err != nil {
							t.Errorf("Close() = %v", err)
						}
					}
				}
			})
		}
	}
}

func truncated(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func TestOpen_truncated(t *testing.T) {
	full := gz(t, strings.Repeat("some record text\n", 500))
	for _, op := range openers() {
		t.Run(op.name, func(t *testing.T) {
			for cut := 2; cut < len(full); cut++ {
				_, err := readAll(op, bytes.NewReader(full[:cut]))
				if !errors.Is(err, codec.ErrCompressed) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("cut at %d of %d: err = %v; want ErrCompressed and io.ErrUnexpectedEOF", cut, len(full), err)
				}
				if got := codec.Reason(err); got != "corrupt_compression" {
					t.Fatalf("cut at %d: Reason = %q", cut, got)
				}
			}
		})
	}
}

func TestOpen_corrupt(t *testing.T) {
	good := gz(t, strings.Repeat("some record text\n", 100))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 1
	badSize := bytes.Clone(good)
	badSize[len(badSize)-1] ^= 1
	badHeader := bytes.Clone(good)
	badHeader[2] = 7 // compression method other than deflate
	badBlock := bytes.Clone(good)
	badBlock[10] |= 6 // block type 3: reserved
	trailing := append(bytes.Clone(good), "not a gzip member at all"...)
	for _, op := range openers() {
		for _, tt := range []struct {
			name string
			in   []byte
		}{
			{"crc", badCRC},
			{"size", badSize},
			{"header", badHeader},
			{"deflate block", badBlock},
			{"trailing garbage", trailing},
		} {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				_, err := readAll(op, bytes.NewReader(tt.in))
				if !errors.Is(err, codec.ErrCompressed) {
					t.Fatalf("err = %v, want ErrCompressed", err)
				}
			})
		}
	}
}

// failReader returns the first n bytes of data, then err.
type failReader struct {
	data []byte
	n    int
	err  error
}

func (r *failReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := copy(p[:min(len(p), r.n)], r.data)
	r.data, r.n = r.data[k:], r.n-k
	return k, nil
}

func TestOpen_sourceError(t *testing.T) {
	full := gz(t, strings.Repeat("some record text\n", 2000))
	boom := errors.New("boom")
	for _, op := range openers() {
		for _, srcErr := range []error{boom, io.ErrUnexpectedEOF, iotest.ErrTimeout} {
			for _, n := range []int{0, 1, 2, 5, 10, 11, 50, len(full) / 2, len(full) - 4, len(full)} {
				_, err := readAll(op, &failReader{data: full, n: n, err: srcErr})
				if !errors.Is(err, srcErr) {
					t.Errorf("%s: error %v after %d bytes: got %v", op.name, srcErr, n, err)
				}
				if errors.Is(err, codec.ErrCompressed) {
					t.Errorf("%s: error %v after %d bytes became ErrCompressed: %v", op.name, srcErr, n, err)
				}
			}
		}
		// Plain input: the error comes through as is.
		_, err := readAll(op, &failReader{data: []byte("plain text"), n: 5, err: boom})
		if err != boom {
			t.Errorf("%s: plain: got %v, want boom", op.name, err)
		}
	}
}

func TestGunzipper_reuse(t *testing.T) {
	var g codec.Gunzipper
	bad := gz(t, "abc\n")
	bad = bad[:len(bad)-3]
	for i := range 200 {
		var in []byte
		var want string
		wantGzip, wantErr := true, false
		switch i % 5 {
		case 0:
			want = strings.Repeat("x", i*100)
			in = gz(t, want)
		case 1:
			want = "plain " + strings.Repeat("y", i)
			in, wantGzip = []byte(want), false
		case 2:
			in, wantErr = bad, true
		case 3:
			in, wantGzip = nil, false
		case 4:
			want = "z"
			in = append(gz(t, ""), gz(t, "z")...)
		}
		zr, err := g.Open(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("input %d: Open: %v", i, err)
		}
		if g.IsGzip() != wantGzip {
			t.Fatalf("input %d: IsGzip = %v", i, g.IsGzip())
		}
		got, err := io.ReadAll(zr)
		if wantErr {
			if !errors.Is(err, codec.ErrCompressed) {
				t.Fatalf("input %d: err = %v, want ErrCompressed", i, err)
			}
			continue
		}
		if err != nil || string(got) != want {
			t.Fatalf("input %d: got %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
}

func TestIsGzip(t *testing.T) {
	for in, want := range map[string]bool{"": false, "\x1f": false, "\x1f\x8b": true, "\x1f\x8b\x08": true, "\x8b\x1f": false, "ab": false} {
		if got := codec.IsGzip([]byte(in)); got != want {
			t.Errorf("IsGzip(%q) = %v, want %v", in, got, want)
		}
	}
	var g codec.Gunzipper
	if g.IsGzip() {
		t.Error("a new Gunzipper reports gzip")
	}
}

// TestGunzipper_reuseDoesNotLeakState: a corrupt stream reads the same
// (bytes and error) whatever stream the Gunzipper read before it, so that
// a verify report does not depend on which worker read which file.
func TestGunzipper_reuseDoesNotLeakState(t *testing.T) {
	gzipOf := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	rnd := make([]byte, 6000)
	for i := range rnd {
		rnd[i] = byte(i*7919%251) ^ byte(i>>3)
	}
	first := gzipOf(base64.StdEncoding.EncodeToString(rnd))
	second := gzipOf(strings.Repeat(`{"Item":{"id":{"N":"12345"},"z":{"BOOL":true}}}`+"\n", 150))
	read := func(g *codec.Gunzipper, b []byte) (string, string) {
		r, err := g.Open(bytes.NewReader(b))
		if err != nil {
			return "", err.Error()
		}
		out, err := io.ReadAll(r)
		if err != nil {
			return string(out), err.Error()
		}
		return string(out), ""
	}
	// Every corruption of the first deflate bytes (the block headers, where
	// stale tables matter), then single flips through the rest.
	type flip struct {
		at  int
		xor byte
	}
	var flips []flip
	for at := 10; at < 16; at++ {
		for x := 1; x < 256; x++ {
			flips = append(flips, flip{at, byte(x)})
		}
	}
	for at := 16; at < len(second)-8; at++ {
		flips = append(flips, flip{at, 0x5a})
	}
	flips = append(flips, flip{10, 0x24})
	// A dynamic block whose code-length lengths are all zero: an inflater
	// reset from another stream used to decode it with that stream's table.
	emptyTree := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	wantOut, wantErr := read(new(codec.Gunzipper), emptyTree)
	var g codec.Gunzipper
	read(&g, first)
	if gotOut, gotErr := read(&g, emptyTree); gotOut != wantOut || gotErr != wantErr {
		t.Errorf("empty code-length tree after another stream: %q; fresh: %q", gotErr, wantErr)
	}
	if !strings.Contains(wantErr, codec.ErrCompressed.Error()) {
		t.Errorf("empty code-length tree: %q is not ErrCompressed", wantErr)
	}
	for _, f := range flips {
		bad := bytes.Clone(second)
		bad[f.at] ^= f.xor
		var fresh, reused codec.Gunzipper
		wantOut, wantErr := read(&fresh, bad)
		read(&reused, first)
		gotOut, gotErr := read(&reused, bad)
		if gotOut != wantOut || gotErr != wantErr {
			t.Fatalf("byte %d xor %#x: after another stream read %d bytes, %q; fresh %d bytes, %q", f.at, f.xor, len(gotOut), gotErr, len(wantOut), wantErr)
		}
	}
}

// TestOpen_otherCompressions: data compressed some other way than gzip is
// refused with a message naming it, not read as text.
func TestOpen_otherCompressions(t *testing.T) {
	for _, tt := range []struct {
		head []byte
		name string
	}{
		{[]byte("BZh91AY&SY"), "bzip2"},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0}, "zstd"},
		{[]byte{0xfd, '7', 'z', 'X', 'Z', 0, 0}, "xz"},
		{[]byte{0x78, 0x9c, 1, 2}, "zlib"},
		{[]byte("PK\x03\x04rest"), "zip"},
		{[]byte{0xe0, 0x01, 0x00, 0xea, 0}, "binary Ion"},
		{[]byte{0xff, 0xfe, '{', 0}, "UTF-16"},
	} {
		var g codec.Gunzipper
		_, err := g.Open(bytes.NewReader(tt.head))
		if !errors.Is(err, codec.ErrCompressed) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s: %v", tt.name, err)
		}
		if _, err := codec.Open(bytes.NewReader(tt.head)); !errors.Is(err, codec.ErrCompressed) {
			t.Errorf("Open %s: %v", tt.name, err)
		}
	}
	for _, plain := range []string{`{"Item":{}}`, "", "{", "x", "\n", "$ion_1_0 {Item:{}}"} {
		var g codec.Gunzipper
		r, err := g.Open(strings.NewReader(plain))
		if err != nil || g.IsGzip() {
			t.Errorf("%q: %v", plain, err)
			continue
		}
		if b, _ := io.ReadAll(r); string(b) != plain {
			t.Errorf("%q read as %q", plain, b)
		}
	}
}
