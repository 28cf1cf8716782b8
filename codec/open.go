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
// An error of r itself is returned as is, never as ErrCompressed.
func Open(r io.Reader) (io.ReadCloser, error) {
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	isGzip, err := sniff(br)
	if err != nil {
		return nil, err
	}
	if !isGzip {
		return io.NopCloser(br), nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, src.classify(err)
	}
	return &gzipReader{zr: zr, src: src}, nil
}

// A Gunzipper is a reusable gzip-aware opener: one per worker keeps the
// inflate state's memory across files.
type Gunzipper struct {
	zr   *gzip.Reader
	gr   gzipReader
	src  sourceReader
	br   *bufio.Reader
	gzip bool
}

// IsGzip reports whether the last input opened was gzip-compressed.
func (g *Gunzipper) IsGzip() bool { return g.gzip }

// Open is like the package-level Open, but reuses the Gunzipper's buffers.
// The returned reader is valid until the next call to Open.
func (g *Gunzipper) Open(r io.Reader) (io.Reader, error) {
	g.src = sourceReader{r: r}
	if g.br == nil {
		g.br = bufio.NewReaderSize(&g.src, 256<<10)
	} else {
		g.br.Reset(&g.src)
	}
	var err error
	g.gzip, err = sniff(g.br)
	if err != nil {
		return nil, err
	}
	if !g.gzip {
		return g.br, nil
	}
	// A fresh inflater per input, not Reset: a reset inflater keeps state
	// of the previous stream (Huffman tables), so a corrupt stream could
	// decode differently depending on which file came before it, and a
	// report would depend on the worker count. The cost is one allocation
	// per data file.
	g.zr, err = gzip.NewReader(g.br)
	if err != nil {
		return nil, g.src.classify(err)
	}
	g.gr = gzipReader{zr: g.zr, src: &g.src}
	return &g.gr, nil
}

type gzipReader struct {
	zr  *gzip.Reader
	src *sourceReader
}

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = g.src.classify(err)
	}
	return n, err
}

func (g *gzipReader) Close() error { return g.zr.Close() }

// sourceReader remembers the last error of the reader beneath the gzip
// stream other than io.EOF, so that an error of the source is told apart
// from one of the compressed data (gzip turns an early io.EOF into
// io.ErrUnexpectedEOF, but passes other read errors through unchanged).
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// classify returns err, an error of the gzip reader other than io.EOF: as
// is when it comes from the source, or wrapping ErrCompressed when it
// comes from the compressed data itself (truncation, a bad header, corrupt
// deflate data, a CRC-32 or length mismatch).
func (s *sourceReader) classify(err error) error {
	switch {
	case s.err != nil && errors.Is(err, s.err):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the gzip stream ends early, or a few stray bytes follow it: %w", ErrCompressed, err)
	case isGzipFormatError(err):
		return fmt.Errorf("%w: %w", ErrCompressed, err)
	}
	return err
}

// isGzipFormatError reports whether err comes from the compressed data
// itself rather than from the reader beneath it.
func isGzipFormatError(err error) bool {
	var ce flate.CorruptInputError
	var ie flate.InternalError // what the inflater says of some corrupt input
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce) || errors.As(err, &ie)
}

// sniff tells from its first bytes whether br holds gzip, and refuses data
// that is compressed some other way (an error wrapping ErrCompressed).
func sniff(br *bufio.Reader) (isGzip bool, err error) {
	head, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return false, err
	}
	if IsGzip(head) {
		return true, nil
	}
	if name := otherCompression(head); name != "" {
		return false, fmt.Errorf("%w: not gzip: the data is %s", ErrCompressed, name)
	}
	return false, nil
}

// otherCompression names the format of data that starts like a compressed
// or binary stream other than gzip (export data files are always gzip, or
// plain text), or returns "".
func otherCompression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("BZh")):
		return "a bzip2 stream"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "a zstd stream"
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "an xz stream"
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return "an LZ4 frame"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip archive"
	case bytes.HasPrefix(head, []byte{0xe0, 0x01, 0x00, 0xea}):
		return "binary Ion (exports are Ion text)"
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "UTF-16 text (exports are UTF-8)"
	case len(head) >= 2 && head[0] == 0x78 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0:
		return "a zlib stream"
	}
	return ""
}
