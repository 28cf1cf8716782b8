package ddbjson

import (
	"io"

	"github.com/ddbexport/ddbexport/codec"
)

func init() {
	codec.RegisterDecoder(codec.FormatDynamoDBJSON, func(r io.Reader, opt codec.DecodeOptions) codec.Decoder {
		return NewDecoder(r, opt)
	})
	codec.RegisterEncoder(codec.FormatDynamoDBJSON, func(w io.Writer) codec.Encoder { return NewEncoder(w) })
}
