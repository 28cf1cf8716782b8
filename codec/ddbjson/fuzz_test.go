package ddbjson_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/codec/internal/codectest"
)

// fuzzSeeds returns the inputs of the table tests, lines and files.
func fuzzSeeds() []string {
	var seeds []string
	for _, tt := range positiveTests {
		seeds = append(seeds, tt.input)
	}
	for _, tt := range negativeTests {
		seeds = append(seeds, strings.Replace(tt.input, marker, "", 1))
	}
	seeds = append(seeds, realRecords, realInsert+"\n"+realUpdate+"\n"+realDelete+"\n", string(genLines(3, 5, 100, 1500)))
	return seeds
}

// FuzzDecoder decodes any input, with and without ReuseRecord. It must
// never panic; every error must be a *codec.DecodeError wrapping a
// sentinel; both modes must agree; and every record must obey the format's
// rules and survive encoding and decoding again.
func FuzzDecoder(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		kind := codec.Kind(mode % 3)
		max := 0
		if mode&4 != 0 {
			max = 64
		}
		type result struct {
			recs  []*codec.Record
			errs  []*codec.DecodeError
			lines []int64
		}
		run := func(reuse bool) result {
			var res result
			opt := codec.DecodeOptions{Kind: kind, MaxRecordBytes: max, ReuseRecord: reuse, OnError: func(e *codec.DecodeError) {
				res.errs = append(res.errs, e)
			}}
			d := ddbjson.NewDecoder(bytes.NewReader(data), opt)
			for d.Next() {
				res.recs = append(res.recs, d.Record().Clone())
				res.lines = append(res.lines, d.Line())
			}
			if err := d.Err(); err != nil {
				t.Fatalf("Err() = %v with OnError set and a reader without errors", err)
			}
			if d.InputOffset() != int64(len(data)) {
				t.Fatalf("InputOffset() = %d, want %d", d.InputOffset(), len(data))
			}
			return res
		}
		owned, reused := run(false), run(true)
		if len(owned.recs) != len(reused.recs) || len(owned.errs) != len(reused.errs) {
			t.Fatalf("modes disagree: %d/%d records, %d/%d errors", len(owned.recs), len(reused.recs), len(owned.errs), len(reused.errs))
		}
		for i, e := range owned.errs {
			if codec.Reason(e) == "other" || e.Line < 1 || e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("bad error %v (reason %s)", e, codec.Reason(e))
			}
			if r := reused.errs[i]; r.Line != e.Line || r.Offset != e.Offset || r.Path != e.Path || r.Error() != e.Error() {
				t.Fatalf("modes disagree: %v vs %v", e, r)
			}
		}
		for i, rec := range owned.recs {
			if !codectest.SameRecord(rec, reused.recs[i]) || owned.lines[i] != reused.lines[i] {
				t.Fatalf("modes disagree on record %d", i)
			}
			checkRecord(t, rec, kind)
		}
		// Without OnError the decoder stops at the first error, which is
		// the first one reported with OnError.
		d := ddbjson.NewDecoder(bytes.NewReader(data), codec.DecodeOptions{Kind: kind, MaxRecordBytes: max})
		n := 0
		for d.Next() {
			n++
		}
		if len(owned.errs) == 0 {
			if d.Err() != nil || n != len(owned.recs) {
				t.Fatalf("without OnError: %v, %d records", d.Err(), n)
			}
		} else {
			var de *codec.DecodeError
			if !errors.As(d.Err(), &de) || de.Error() != owned.errs[0].Error() {
				t.Fatalf("without OnError: %v, want %v", d.Err(), owned.errs[0])
			}
		}
	})
}

func checkRecord(t *testing.T, rec *codec.Record, kind codec.Kind) {
	t.Helper()
	for _, it := range []codec.Item{rec.Item, rec.Keys, rec.OldImage, rec.NewImage} {
		if err := codec.ValidateItem(it); err != nil {
			t.Fatalf("decoded item breaks a rule: %v: %v", err, it)
		}
	}
	if rec.IsChange() == (rec.Item != nil) || (kind == codec.KindFull && rec.IsChange()) || (kind == codec.KindChange && !rec.IsChange()) {
		t.Fatalf("bad record shape %s", codectest.FmtRecord(rec))
	}
	enc := ddbjson.AppendRecord(nil, rec)
	rec2, err := ddbjson.DecodeRecord(enc, kind)
	if err != nil {
		t.Fatalf("re-encoded record does not decode: %v\n%s", err, enc)
	}
	if !codectest.EqualRecord(rec, rec2) || !codectest.SameRecord(rec, rec2) {
		t.Fatalf("re-encoded record differs:\n%s\n%s", codectest.FmtRecord(rec), codectest.FmtRecord(rec2))
	}
}

// FuzzRoundtrip decodes one line; a good one must encode to a line that
// decodes to an equal record and re-encodes to the same bytes.
func FuzzRoundtrip(f *testing.F) {
	for _, s := range fuzzSeeds() {
		for _, line := range strings.Split(s, "\n") {
			f.Add([]byte(line))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := ddbjson.DecodeRecord(line, codec.KindAny)
		if err != nil {
			var de *codec.DecodeError
			if !errors.As(err, &de) || de.Line != 1 || de.Offset < 0 || de.Offset > int64(len(line)) || codec.Reason(err) == "other" {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		checkRecord(t, rec, codec.KindAny)
		enc := ddbjson.AppendRecord(nil, rec)
		rec2, _ := ddbjson.DecodeRecord(enc, codec.KindAny)
		if enc2 := ddbjson.AppendRecord(nil, rec2); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}
