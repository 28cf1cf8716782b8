//go:build cgo && !ddbexport_purego

package parquet

import (
	"sync"

	czstd "github.com/DataDog/zstd"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// With cgo, Parquet pages are zstd-compressed by libzstd (the C library,
// built from the source github.com/DataDog/zstd bundles): on exports it
// encodes 1.5 times as fast as the pure-Go encoder at level 1 (311 against
// 204 MB/s of pages on the benchmarks' machine), where compression was a
// third of what convert --to parquet cost. The frames are standard zstd
// either way (libzstd's are about 5% larger at level 1); reading
// (decoding) stays with the pure-Go codec. Build with CGO_ENABLED=0 or the
// ddbexport_purego tag for the pure-Go encoder.
//
// The codec is registered for the whole process, as Arrow's
// compress.RegisterCodec intends (from init, before any page is written):
// every Parquet file that arrow-go writes in the process gets it.
func init() {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		return
	}
	if base, ok := c.(zstdBase); ok {
		compress.RegisterCodec(compress.Codecs.Zstd, cZstd{base})
	}
}

// ZstdEncoder names the zstd encoder that Parquet pages are compressed
// with in this build: "libzstd" or "pure Go".
const ZstdEncoder = "libzstd"

// zstdBase is what Arrow's own zstd codec implements: cZstd keeps its
// decoding and streaming.
type zstdBase interface {
	compress.ErrorCodec
	compress.StreamingCodec
}

type cZstd struct{ zstdBase }

// A compression context per page being compressed: libzstd's contexts
// hold their work space from one page to the next.
var zstdContexts = sync.Pool{New: func() any { return czstd.NewCtx() }}

func (c cZstd) Encode(dst, src []byte) []byte {
	return c.EncodeLevel(dst, src, compress.DefaultCompressionLevel)
}

// EncodeLevel compresses src at a zstd level (libzstd clamps it to the
// levels it has); Arrow's default level is zstd's default, 3.
func (c cZstd) EncodeLevel(dst, src []byte, level int) []byte {
	if level == compress.DefaultCompressionLevel {
		level = czstd.DefaultCompression
	}
	cx := zstdContexts.Get().(czstd.Ctx)
	out, err := cx.CompressLevel(dst[:0], src, level)
	zstdContexts.Put(cx)
	if err != nil {
		// libzstd fails only where the pure-Go encoder would too (no
		// memory): let it.
		return c.zstdBase.EncodeLevel(dst, src, level)
	}
	return out
}

func (cZstd) CompressBound(n int64) int64 { return int64(czstd.CompressBound(int(n))) }
