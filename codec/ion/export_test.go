package ion

import "github.com/ddbexport/ddbexport/codec"

// DecodeRecordSlow is DecodeRecord through the ion-go path alone.
func DecodeRecordSlow(line []byte, kind codec.Kind) (*codec.Record, error) {
	p := parser{forceSlow: true}
	var rec codec.Record
	if !p.decodeLine(line, kind, &rec) {
		e := p.Error(0)
		e.Line = 1
		return nil, e
	}
	return rec.Clone(), nil
}
