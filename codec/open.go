package codec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

var gzipMagic = []byte{0x1f, 0x8b}

// IsGzip reports whether b starts with the gzip magic bytes.
func IsGzip(b []byte) bool { return bytes.HasPrefix(b, gzipMagic) }

// Open returns a reader of the decompressed content of r: if r starts with
// the gzip magic bytes 1f 8b it is gunzipped (all members, as a concatenated
// stream), otherwise it is read as is. The returned Closer does not close r.
//
// As with compress/gzip, decompressed data is tentative until io.EOF: the
// CRC-32 and length are checked only at the end of each member, and a
// mismatch or truncation is reported as an error wrapping ErrCompressed.
func Open(r io.Reader) (io.ReadCloser, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if !IsGzip(head) {
		return io.NopCloser(br), nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompressed, err)
	}
	return &gzipReader{zr: zr}, nil
}

// A Gunzipper is a reusable gzip-aware opener: one per worker keeps the
// inflate state's memory across files.
type Gunzipper struct {
	zr   *gzip.Reader
	gr   gzipReader
	br   *bufio.Reader
	gzip bool
}

// IsGzip reports whether the last input opened was gzip-compressed.
func (g *Gunzipper) IsGzip() bool { return g.gzip }

// Open is like the package-level Open, but reuses the Gunzipper's buffers.
// The returned reader is valid until the next call to Open.
func (g *Gunzipper) Open(r io.Reader) (io.Reader, error) {
	if g.br == nil {
		g.br = bufio.NewReaderSize(r, 256<<10)
	} else {
		g.br.Reset(r)
	}
	head, err := g.br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err
	}
	g.gzip = IsGzip(head)
	if !g.gzip {
		return g.br, nil
	}
	if g.zr == nil {
		g.zr, err = gzip.NewReader(g.br)
	} else {
		err = g.zr.Reset(g.br)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompressed, err)
	}
	g.gr.zr = g.zr
	return &g.gr, nil
}

type gzipReader struct{ zr *gzip.Reader }

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("%w: truncated gzip stream: %w", ErrCompressed, err)
		} else if isGzipFormatError(err) {
			err = fmt.Errorf("%w: %w", ErrCompressed, err)
		}
	}
	return n, err
}

func (g *gzipReader) Close() error { return g.zr.Close() }

// isGzipFormatError reports whether err comes from the compressed data
// itself rather than from the reader beneath it.
func isGzipFormatError(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce)
}
