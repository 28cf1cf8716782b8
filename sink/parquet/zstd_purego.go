//go:build !cgo || ddbexport_purego

package parquet

// ZstdEncoder names the zstd encoder that Parquet pages are compressed
// with in this build: "libzstd" or "pure Go" (Arrow's own codec,
// github.com/klauspost/compress), as here: cgo is off or the
// ddbexport_purego tag is set.
const ZstdEncoder = "pure Go"
