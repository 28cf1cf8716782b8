package ion

import (
	"io"

	"github.com/ddbexport/ddbexport/codec"
)

func init() {
	codec.RegisterDecoder(codec.FormatION, func(r io.Reader, opt codec.DecodeOptions) codec.Decoder {
		return NewDecoder(r, opt)
	})
	codec.RegisterEncoder(codec.FormatION, func(w io.Writer) codec.Encoder { return NewEncoder(w) })
}
