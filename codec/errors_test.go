package codec_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

var sentinelReasons = []struct {
	err    error
	reason string
}{
	{codec.ErrSyntax, "syntax"},
	{codec.ErrTrailingData, "trailing_data"},
	{codec.ErrRecordTooLong, "record_too_long"},
	{codec.ErrEmptyLine, "empty_line"},
	{codec.ErrRecordShape, "bad_record"},
	{codec.ErrUnknownType, "unknown_type"},
	{codec.ErrTypeCount, "type_count"},
	{codec.ErrValue, "bad_value"},
	{codec.ErrNumber, "bad_number"},
	{codec.ErrBase64, "bad_base64"},
	{codec.ErrEmptySet, "empty_set"},
	{codec.ErrDuplicateInSet, "duplicate_in_set"},
	{codec.ErrDuplicateName, "duplicate_attribute"},
	{codec.ErrUTF8, "invalid_utf8"},
	{codec.ErrTooDeep, "too_deep"},
	{codec.ErrCompressed, "corrupt_compression"},
	{codec.ErrRead, "read_error"},
}

func TestReason(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range sentinelReasons {
		t.Run(tt.reason, func(t *testing.T) {
			if seen[tt.reason] {
				t.Fatalf("reason %q used twice", tt.reason)
			}
			seen[tt.reason] = true
			wrapped := []error{
				tt.err,
				fmt.Errorf("context: %w", tt.err),
				codec.Errorf(tt.err, "detail %d", 1),
				fmt.Errorf("outer: %w", codec.Errorf(tt.err, "inner")),
				&codec.DecodeError{Line: 1, Err: codec.Errorf(tt.err, "x")},
				fmt.Errorf("file: %w", &codec.DecodeError{Line: 1, Err: tt.err}),
			}
			for _, err := range wrapped {
				if got := codec.Reason(err); got != tt.reason {
					t.Errorf("Reason(%v) = %q, want %q", err, got, tt.reason)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("errors.Is(%v, sentinel) = false", err)
				}
			}
		})
	}
	for _, err := range []error{nil, io.EOF, errors.New("invalid syntax"), fmt.Errorf("x: %w", io.ErrUnexpectedEOF)} {
		if got := codec.Reason(err); got != "other" {
			t.Errorf("Reason(%v) = %q, want other", err, got)
		}
	}
	// A NumberError is an ErrNumber.
	if got := codec.Reason(codec.CheckNumber("x")); got != "bad_number" {
		t.Errorf("Reason(NumberError) = %q", got)
	}
}

func TestErrorf(t *testing.T) {
	err := codec.Errorf(codec.ErrValue, "BOOL must be %s", "true or false")
	if got, want := err.Error(), "invalid value for its type: BOOL must be true or false"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Unwrap(err) != codec.ErrValue {
		t.Errorf("Unwrap = %v", errors.Unwrap(err))
	}
	if errors.Is(err, codec.ErrSyntax) {
		t.Error("matches another sentinel")
	}
}

func TestDecodeError(t *testing.T) {
	tests := []struct {
		e    codec.DecodeError
		want string
	}{
		{codec.DecodeError{File: "data/a.json.gz", Line: 3, Offset: 120, Path: "Item.tags.SS[1]", Err: codec.ErrDuplicateInSet},
			"data/a.json.gz:3 (offset 120): Item.tags.SS[1]: duplicate set element"},
		{codec.DecodeError{File: "f", Line: 1, Offset: 0, Err: codec.Errorf(codec.ErrSyntax, "unexpected %q", "}")},
			`f:1 (offset 0): invalid syntax: unexpected "}"`},
		{codec.DecodeError{Line: 7, Offset: 99, Err: codec.ErrEmptyLine},
			"<input>:7 (offset 99): empty line"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		var err error = fmt.Errorf("wrapped: %w", &tt.e)
		var de *codec.DecodeError
		if !errors.As(err, &de) || de.Line != tt.e.Line {
			t.Errorf("errors.As failed for %v", err)
		}
		if de.Unwrap() != tt.e.Err {
			t.Errorf("Unwrap = %v, want %v", de.Unwrap(), tt.e.Err)
		}
		if got, want := de.Reason(), codec.Reason(tt.e.Err); got != want {
			t.Errorf("Reason() = %q, want %q", got, want)
		}
	}
}
