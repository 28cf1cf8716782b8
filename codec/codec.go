package codec

import (
	"fmt"
	"strings"
)

// Format is an export's data format (the summary's outputFormat).
type Format uint8

const (
	FormatUnknown      Format = iota
	FormatDynamoDBJSON        // DYNAMODB_JSON, data files *.json.gz
	FormatION                 // Amazon Ion text, data files *.ion.gz
)

// String returns the name DynamoDB uses: "DYNAMODB_JSON" or "ION".
func (f Format) String() string {
	switch f {
	case FormatDynamoDBJSON:
		return "DYNAMODB_JSON"
	case FormatION:
		return "ION"
	}
	return "UNKNOWN"
}

// Ext returns the data file extension DynamoDB writes for f: ".json.gz" or
// ".ion.gz".
func (f Format) Ext() string {
	switch f {
	case FormatDynamoDBJSON:
		return ".json.gz"
	case FormatION:
		return ".ion.gz"
	}
	return ""
}

// ParseFormat parses a format name as users write it: DYNAMODB_JSON,
// dynamodb_json, dynamodb-json, ION or ion (case-insensitive).
func ParseFormat(s string) (Format, error) {
	switch strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "-", "_") {
	case "DYNAMODB_JSON", "DDB_JSON", "DDBJSON":
		return FormatDynamoDBJSON, nil
	case "ION":
		return FormatION, nil
	}
	return FormatUnknown, fmt.Errorf("unknown format %q (want DYNAMODB_JSON or ION)", s)
}

// FormatOfKey returns the format a data file's name implies by its
// extension (".json.gz", ".ion.gz", or the same without ".gz"), or
// FormatUnknown.
func FormatOfKey(key string) Format {
	k := strings.TrimSuffix(key, ".gz")
	switch {
	case strings.HasSuffix(k, ".json"):
		return FormatDynamoDBJSON
	case strings.HasSuffix(k, ".ion"):
		return FormatION
	}
	return FormatUnknown
}

// A Decoder reads records from one decompressed export data file.
//
//	for dec.Next() {
//		rec := dec.Record()
//		…
//	}
//	if err := dec.Err(); err != nil { … } // a *DecodeError, or a read error
//
// A Decoder is not safe for concurrent use.
type Decoder interface {
	// Next advances to the next record. It returns false at the end of the
	// input or when decoding stops on an error.
	Next() bool
	// Record returns the current record. Its lifetime depends on
	// DecodeOptions.ReuseRecord.
	Record() *Record
	// Err returns the error that stopped decoding, or nil after a clean end
	// of input. Errors are sticky.
	Err() error
	// Line returns the 1-based line number of the current record.
	Line() int64
	// RecordOffset returns the byte offset of the current record's first
	// byte in the decompressed stream.
	RecordOffset() int64
	// InputOffset returns the number of decompressed bytes consumed.
	InputOffset() int64
}

// DefaultMaxRecordBytes is the default limit of one record's line: a
// 400 KB item grows to about 540 KB of DynamoDB JSON; the default leaves
// room for heavy escaping.
const DefaultMaxRecordBytes = 8 << 20

// DecodeOptions configures a Decoder. The zero value is ready to use.
type DecodeOptions struct {
	// File names the data file in errors.
	File string
	// Kind is the record shape to expect; KindAny accepts both.
	Kind Kind
	// MaxRecordBytes bounds one line; 0 means DefaultMaxRecordBytes. A
	// longer line is a DecodeError (ErrRecordTooLong) and is skipped.
	MaxRecordBytes int
	// ReuseRecord lets the decoder reuse the Record and the memory of its
	// values: a Record is then valid only until the next call to Next
	// (see Record.Clone). By default each Record is owned by the caller.
	ReuseRecord bool
	// OnError, if set, is called with each bad record's error, and decoding
	// goes on with the next line. Without it the first bad record stops the
	// decoder, and Err returns it. Errors of the stream itself (a corrupt
	// gzip stream, a read error) always stop the decoder.
	OnError func(*DecodeError)
}

// MaxRecord returns the effective line limit.
func (o *DecodeOptions) MaxRecord() int {
	if o.MaxRecordBytes <= 0 {
		return DefaultMaxRecordBytes
	}
	return o.MaxRecordBytes
}

// An Encoder writes records in one format, one per line. Close flushes
// buffered output; it does not close the underlying writer.
type Encoder interface {
	Encode(*Record) error
	Close() error
}

// A RejectError is what a sink returns for one record it cannot take, such
// as an item that does not fit a Parquet schema. The pipeline reports it
// as a problem of the data file at the record's line and offset, and goes
// on with the next record; any other error of a sink stops the run.
type RejectError struct {
	Kind   string // a finding kind, such as "schema_mismatch"
	Path   string // attribute path within the record, if known
	Reason string // the rule broken, such as "unexpected_type"
	Err    error
}

func (e *RejectError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *RejectError) Unwrap() error { return e.Err }

// A RecordWriter consumes batches of records, the contract between the
// pipeline and its sinks (Parquet, other formats). WriteRecords returns the
// number of records written; records are valid only during the call.
type RecordWriter interface {
	WriteRecords([]*Record) (int, error)
	Close() error
}
