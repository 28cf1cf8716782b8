package codec

import (
	"fmt"
	"io"
	"sync"
)

// A DecoderFunc returns a Decoder of one format reading decompressed data
// from r.
type DecoderFunc func(r io.Reader, opt DecodeOptions) Decoder

// A Resetter is a Decoder that can be reused for another input, keeping
// its buffers.
type Resetter interface {
	Reset(r io.Reader, opt DecodeOptions)
}

var (
	registryMu sync.RWMutex
	decoders   = map[Format]DecoderFunc{}
)

// RegisterDecoder makes a format's decoder available to NewDecoder. Format
// packages call it from init, as image formats do with image.RegisterFormat:
// import codec/ddbjson (for its side effect, if nothing else) to decode
// DYNAMODB_JSON.
func RegisterDecoder(f Format, fn DecoderFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	decoders[f] = fn
}

// ErrNoDecoder is returned by NewDecoder for a format with no registered
// decoder.
var ErrNoDecoder = fmt.Errorf("codec: no decoder for this format")

// NewDecoder returns a registered Decoder for format f.
func NewDecoder(f Format, r io.Reader, opt DecodeOptions) (Decoder, error) {
	registryMu.RLock()
	fn := decoders[f]
	registryMu.RUnlock()
	if fn == nil {
		return nil, fmt.Errorf("%w: %s (decoding %s is not supported yet)", ErrNoDecoder, f, f)
	}
	return fn(r, opt), nil
}
