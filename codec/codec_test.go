package codec_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want codec.Format
	}{
		{"DYNAMODB_JSON", codec.FormatDynamoDBJSON},
		{"dynamodb_json", codec.FormatDynamoDBJSON},
		{"dynamodb-json", codec.FormatDynamoDBJSON},
		{"Dynamodb-Json", codec.FormatDynamoDBJSON},
		{" DYNAMODB_JSON ", codec.FormatDynamoDBJSON},
		{"ION", codec.FormatION},
		{"ion", codec.FormatION},
		{"Ion", codec.FormatION},
	}
	for _, tt := range tests {
		got, err := codec.ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "json", "DYNAMODB", "DYNAMODBJSON_", "IONS", "parquet", "UNKNOWN", "DYNAMODB JSON"} {
		got, err := codec.ParseFormat(in)
		if err == nil || got != codec.FormatUnknown {
			t.Errorf("ParseFormat(%q) = %v, %v; want an error", in, got, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "DYNAMODB_JSON or ION") || !strings.Contains(msg, `"`+in+`"`) {
			t.Errorf("ParseFormat(%q) error %q does not name the input and the choices", in, msg)
		}
	}
}

func TestFormat_StringExt(t *testing.T) {
	tests := []struct {
		f         codec.Format
		name, ext string
	}{
		{codec.FormatDynamoDBJSON, "DYNAMODB_JSON", ".json.gz"},
		{codec.FormatION, "ION", ".ion.gz"},
		{codec.FormatUnknown, "UNKNOWN", ""},
		{codec.Format(99), "UNKNOWN", ""},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.f, got, tt.name)
		}
		if got := tt.f.Ext(); got != tt.ext {
			t.Errorf("%d.Ext() = %q, want %q", tt.f, got, tt.ext)
		}
		if tt.f != codec.FormatUnknown && tt.ext != "" {
			if got, err := codec.ParseFormat(tt.name); err != nil || got != tt.f {
				t.Errorf("ParseFormat(String()) = %v, %v", got, err)
			}
			if got := codec.FormatOfKey("x/y" + tt.ext); got != tt.f {
				t.Errorf("FormatOfKey(Ext()) = %v", got)
			}
		}
	}
}

func TestFormatOfKey(t *testing.T) {
	tests := []struct {
		key  string
		want codec.Format
	}{
		{"AWSDynamoDB/01234-abc/data/x2z5wftwby3flnorizh7gbs2ey.json.gz", codec.FormatDynamoDBJSON},
		{"data/a.json", codec.FormatDynamoDBJSON},
		{"data/a.ion.gz", codec.FormatION},
		{"a.ion", codec.FormatION},
		{"a.gz", codec.FormatUnknown},
		{"a.txt.gz", codec.FormatUnknown},
		{"a.json.gz.tmp", codec.FormatUnknown},
		{"a.JSON.gz", codec.FormatUnknown},
		{"", codec.FormatUnknown},
		{"json", codec.FormatUnknown},
	}
	for _, tt := range tests {
		if got := codec.FormatOfKey(tt.key); got != tt.want {
			t.Errorf("FormatOfKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestDecodeOptions_MaxRecord(t *testing.T) {
	for in, want := range map[int]int{0: codec.DefaultMaxRecordBytes, -1: codec.DefaultMaxRecordBytes, 10: 10} {
		o := codec.DecodeOptions{MaxRecordBytes: in}
		if got := o.MaxRecord(); got != want {
			t.Errorf("MaxRecord() with %d = %d, want %d", in, got, want)
		}
	}
}

// fakeDecoder is a registered decoder for a format no real package
// registers: Format(200).
type fakeDecoder struct {
	r   io.Reader
	opt codec.DecodeOptions
}

func (d *fakeDecoder) Next() bool            { return false }
func (d *fakeDecoder) Record() *codec.Record { return nil }
func (d *fakeDecoder) Err() error            { return nil }
func (d *fakeDecoder) RecordOffset() int64   { return 0 }
func (d *fakeDecoder) Line() int64           { return 0 }
func (d *fakeDecoder) InputOffset() int64    { return 0 }

func TestNewDecoder(t *testing.T) {
	for _, f := range []codec.Format{codec.FormatION, codec.FormatUnknown, codec.Format(201)} {
		dec, err := codec.NewDecoder(f, strings.NewReader(""), codec.DecodeOptions{})
		if dec != nil || !errors.Is(err, codec.ErrNoDecoder) {
			t.Errorf("NewDecoder(%v) = %v, %v; want ErrNoDecoder", f, dec, err)
			continue
		}
		if !strings.Contains(err.Error(), f.String()) {
			t.Errorf("NewDecoder(%v) error %q does not name the format", f, err)
		}
	}
	const fake = codec.Format(200)
	codec.RegisterDecoder(fake, func(r io.Reader, opt codec.DecodeOptions) codec.Decoder {
		return &fakeDecoder{r: r, opt: opt}
	})
	in := bytes.NewReader(nil)
	dec, err := codec.NewDecoder(fake, in, codec.DecodeOptions{File: "f"})
	if err != nil {
		t.Fatal(err)
	}
	if fd, ok := dec.(*fakeDecoder); !ok || fd.r != in || fd.opt.File != "f" {
		t.Errorf("NewDecoder = %#v", dec)
	}
}
