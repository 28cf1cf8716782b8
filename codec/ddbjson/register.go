package ddbjson

import (
	"io"

	"github.com/ddbexport/ddbexport/codec"
)

func init() {
	codec.RegisterDecoder(codec.FormatDynamoDBJSON, func(r io.Reader, opt codec.DecodeOptions) codec.Decoder {
		return NewDecoder(r, opt)
	})
}
