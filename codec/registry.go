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

// An EncoderFunc returns an Encoder of one format writing to w.
type EncoderFunc func(w io.Writer) Encoder

var encoders = map[Format]EncoderFunc{}

// RegisterEncoder makes a format's encoder available to NewEncoder;
// format packages call it from init, as with RegisterDecoder.
func RegisterEncoder(f Format, fn EncoderFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	encoders[f] = fn
}

// ErrNoEncoder is returned by NewEncoder for a format with no registered
// encoder.
var ErrNoEncoder = fmt.Errorf("codec: no encoder for this format")

// NewEncoder returns a registered Encoder for format f writing to w.
func NewEncoder(f Format, w io.Writer) (Encoder, error) {
	registryMu.RLock()
	fn := encoders[f]
	registryMu.RUnlock()
	if fn == nil {
		return nil, fmt.Errorf("%w: %s (writing %s is not supported yet)", ErrNoEncoder, f, f)
	}
	return fn(w), nil
}
