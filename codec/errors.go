package codec

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors wrapped by a DecodeError. Use errors.Is to test for them;
// Reason maps each to a stable name for reports.
var (
	ErrSyntax         = errors.New("invalid syntax")
	ErrTrailingData   = errors.New("trailing data after the record")
	ErrRecordTooLong  = errors.New("record longer than the limit")
	ErrEmptyLine      = errors.New("empty line")
	ErrRecordShape    = errors.New("invalid record")
	ErrUnknownType    = errors.New("unknown type descriptor")
	ErrTypeCount      = errors.New("a value must have exactly one type descriptor")
	ErrValue          = errors.New("invalid value for its type")
	ErrNumber         = errors.New("invalid number")
	ErrBase64         = errors.New("invalid base64")
	ErrEmptySet       = errors.New("empty set")
	ErrDuplicateInSet = errors.New("duplicate set element")
	ErrDuplicateName  = errors.New("duplicate attribute name")
	ErrUTF8           = errors.New("invalid UTF-8")
	ErrTooDeep        = errors.New("nesting too deep")
	ErrCompressed     = errors.New("corrupt or truncated compressed stream")
	ErrRead           = errors.New("read error")
)

var reasons = []struct {
	err    error
	reason string
}{
	{ErrSyntax, "syntax"},
	{ErrTrailingData, "trailing_data"},
	{ErrRecordTooLong, "record_too_long"},
	{ErrEmptyLine, "empty_line"},
	{ErrRecordShape, "bad_record"},
	{ErrUnknownType, "unknown_type"},
	{ErrTypeCount, "type_count"},
	{ErrValue, "bad_value"},
	{ErrNumber, "bad_number"},
	{ErrBase64, "bad_base64"},
	{ErrEmptySet, "empty_set"},
	{ErrDuplicateInSet, "duplicate_in_set"},
	{ErrDuplicateName, "duplicate_attribute"},
	{ErrUTF8, "invalid_utf8"},
	{ErrTooDeep, "too_deep"},
	{ErrCompressed, "corrupt_compression"},
	{ErrRead, "read_error"},
}

// Reason returns the stable, snake_case name of the rule that err breaks
// (for example "empty_set" for ErrEmptySet), or "other".
func Reason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "other"
}

// A DecodeError reports a record that could not be decoded or breaks a
// rule of the format. Line and Offset locate the problem in the
// decompressed data file.
type DecodeError struct {
	File   string // data file (its key in the manifest), if known
	Line   int64  // 1-based line of the record
	Offset int64  // byte offset of the problem in the decompressed stream
	Path   string // attribute path within the record, such as Item.tags.SS[1], if known
	Err    error  // wraps one of the Err… sentinels
}

func (e *DecodeError) Error() string {
	s := e.File
	if s == "" {
		s = "<input>"
	}
	s += ":" + strconv.FormatInt(e.Line, 10) + " (offset " + strconv.FormatInt(e.Offset, 10) + ")"
	if e.Path != "" {
		s += ": " + e.Path
	}
	return s + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Reason returns the stable name of the rule the record breaks; see Reason.
func (e *DecodeError) Reason() string { return Reason(e.Err) }

// Errorf returns an error that wraps the sentinel with a formatted detail,
// for use by implementations: Errorf(ErrValue, "BOOL must be true or false").
func Errorf(sentinel error, format string, args ...any) error {
	return &detailError{sentinel: sentinel, detail: fmt.Sprintf(format, args...)}
}

type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }
