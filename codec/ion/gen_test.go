package ion_test

import (
	"bytes"
	"testing"

	ionlib "github.com/amazon-ion/ion-go/ion"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/codec/internal/codectest"
	"github.com/ddbexport/ddbexport/codec/ion"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

// genRecords returns the records of a generated export.
func genRecords(t testing.TB, opt gen.Options) []*codec.Record {
	t.Helper()
	src, err := gen.NewSource(opt)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*codec.Record
	for r := range src.Records() {
		recs = append(recs, r)
	}
	return recs
}

func encodeAll(t testing.TB, recs []*codec.Record, enc codec.Encoder, buf *bytes.Buffer) []byte {
	t.Helper()
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeWith(t testing.TB, d codec.Decoder) []*codec.Record {
	t.Helper()
	var out []*codec.Record
	for d.Next() {
		out = append(out, d.Record().Clone())
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGenDifferential: generated items, encoded in DynamoDB JSON and in
// ION, decode to equal records, owned and reused alike; and ion-go reads
// every line the encoder writes, through the slow path, to equal records.
func TestGenDifferential(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 100
	}
	for _, opt := range []gen.Options{
		{Items: n, Seed: 1},
		{Items: n, Seed: 2, Kind: gen.Incremental},
		{Items: n, Seed: 3, Kind: gen.Incremental, View: manifest.ViewNewImage},
	} {
		t.Run(opt.Kind.String()+opt.View, func(t *testing.T) {
			recs := genRecords(t, opt)
			var jb, ib bytes.Buffer
			jsonData := encodeAll(t, recs, ddbjson.NewEncoder(&jb), &jb)
			ionData := encodeAll(t, recs, ion.NewEncoder(&ib), &ib)
			fromJSON := decodeWith(t, ddbjson.NewDecoder(bytes.NewReader(jsonData), codec.DecodeOptions{}))
			fromION := decodeWith(t, ion.NewDecoder(bytes.NewReader(ionData), codec.DecodeOptions{}))
			reused := decodeWith(t, ion.NewDecoder(bytes.NewReader(ionData), codec.DecodeOptions{ReuseRecord: true}))
			if len(fromJSON) != len(recs) || len(fromION) != len(recs) || len(reused) != len(recs) {
				t.Fatalf("%d records, %d from JSON, %d from ION, %d reused", len(recs), len(fromJSON), len(fromION), len(reused))
			}
			for i := range recs {
				if !codectest.EqualRecord(fromION[i], fromJSON[i]) || !codectest.EqualRecord(fromION[i], recs[i]) {
					t.Fatalf("record %d differs:\nION  %s\nJSON %s", i, codectest.FmtRecord(fromION[i]), codectest.FmtRecord(fromJSON[i]))
				}
				if !codectest.SameRecord(fromION[i], reused[i]) {
					t.Fatalf("record %d: owned and reused differ", i)
				}
			}
			lines := bytes.Split(bytes.TrimSuffix(ionData, []byte{'\n'}), []byte{'\n'})
			for i, line := range lines {
				slow, err := ion.DecodeRecordSlow(line, codec.KindAny)
				if err != nil {
					t.Fatalf("line %d through ion-go: %v\n%s", i+1, err, line)
				}
				if !codectest.EqualRecord(slow, fromION[i]) {
					t.Fatalf("line %d: ion-go path differs:\n%s\n%s", i+1, codectest.FmtRecord(slow), codectest.FmtRecord(fromION[i]))
				}
			}
			// ion-go reads the whole file as one stream.
			if got := ionGoValues(t, ionData); got != len(recs) {
				t.Fatalf("ion-go read %d top-level values, want %d", got, len(recs))
			}
		})
	}
}

// ionGoValues walks every value of data with ion-go's reader and returns
// the number of top-level values other than version markers.
func ionGoValues(t testing.TB, data []byte) int {
	r := ionlib.NewReaderBytes(data)
	n := walk(r, 0)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func walk(r ionlib.Reader, depth int) int {
	n := 0
	for r.Next() {
		switch r.Type() {
		case ionlib.StructType, ionlib.ListType, ionlib.SexpType:
			if !r.IsNull() {
				_ = r.StepIn()
				walk(r, depth+1)
				_ = r.StepOut()
			}
		case ionlib.SymbolType:
			if depth == 0 {
				continue // $ion_1_0
			}
			_, _ = r.SymbolValue()
		case ionlib.StringType:
			_, _ = r.StringValue()
		case ionlib.DecimalType:
			_, _ = r.DecimalValue()
		case ionlib.BlobType:
			_, _ = r.ByteValue()
		case ionlib.BoolType:
			_, _ = r.BoolValue()
		}
		if depth == 0 {
			n++
		}
	}
	return n
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range positiveTests {
		for _, line := range bytes.Split([]byte(tt.input), []byte{'\n'}) {
			if len(line) == 0 {
				continue
			}
			rec, err := ion.DecodeRecord(bytes.TrimRight(line, "\r"), codec.KindAny)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			enc := ion.AppendRecord(nil, rec)
			rec2, err := ion.DecodeRecord(enc, codec.KindAny)
			if err != nil {
				t.Fatalf("%s: re-encoded %s: %v", line, enc, err)
			}
			if !codectest.SameRecord(rec, rec2) {
				t.Errorf("round trip differs:\n%s\n%s", line, enc)
			}
			if got := ionGoValues(t, enc); got != 1 {
				t.Errorf("ion-go read %d values from %s", got, enc)
			}
		}
	}
}
