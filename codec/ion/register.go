package ion

import (
	"io"

	"github.com/ddbexport/ddbexport/codec"
)

func init() {
	codec.RegisterDecoder(codec.FormatION, func(r io.Reader, opt codec.DecodeOptions) codec.Decoder {
		return NewDecoder(r, opt)
	})
}
