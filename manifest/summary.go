package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ddbexport/ddbexport/codec"
)

// Summary versions seen in real exports: full exports write 2020-06-30,
// incremental exports 2023-08-01.
const (
	VersionFull        = "2020-06-30"
	VersionIncremental = "2023-08-01"
)

// ExportType is a summary's exportType. A missing exportType means a full
// export (real full exports written in 2026 still omit it).
type ExportType string

const (
	FullExport        ExportType = "FULL_EXPORT"
	IncrementalExport ExportType = "INCREMENTAL_EXPORT"
)

// Export view types of incremental exports.
const (
	ViewNewAndOldImages = "NEW_AND_OLD_IMAGES"
	ViewNewImage        = "NEW_IMAGE"
)

// TimeLayout is how manifests write times: ISO 8601 in UTC with
// milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// A Summary is the content of manifest-summary.json. Unknown keys are
// ignored; a missing or null optional string is "".
type Summary struct {
	Version            string
	ExportArn          string
	StartTime          time.Time
	EndTime            time.Time
	TableArn           string
	TableID            string
	ExportTime         time.Time // full exports
	ExportFromTime     time.Time // incremental exports, inclusive
	ExportToTime       time.Time // incremental exports, exclusive
	S3Bucket           string
	S3Prefix           string
	S3SseAlgorithm     string // AES256 or KMS
	S3SseKmsKeyID      string
	ManifestFilesS3Key string
	BilledSizeBytes    int64
	ItemCount          int64
	OutputFormat       string // DYNAMODB_JSON or ION
	OutputView         string // incremental exports
	ExportType         ExportType
}

// Type returns the export type, FullExport when exportType is missing.
func (s *Summary) Type() ExportType {
	if s.ExportType == "" {
		return FullExport
	}
	return s.ExportType
}

// Incremental reports whether s describes an incremental export.
func (s *Summary) Incremental() bool { return s.Type() == IncrementalExport }

// Format returns the data format, or FormatUnknown for a value DynamoDB
// does not write (outputFormat is DYNAMODB_JSON or ION, in upper case).
func (s *Summary) Format() codec.Format {
	switch s.OutputFormat {
	case "DYNAMODB_JSON":
		return codec.FormatDynamoDBJSON
	case "ION":
		return codec.FormatION
	}
	return codec.FormatUnknown
}

// ExportID returns the export ID, the last segment of the export ARN.
func (s *Summary) ExportID() string {
	if i := strings.LastIndex(s.ExportArn, "/export/"); i >= 0 {
		return s.ExportArn[i+len("/export/"):]
	}
	return ""
}

// TableName returns the table name from the table ARN.
func (s *Summary) TableName() string {
	if i := strings.Index(s.TableArn, ":table/"); i >= 0 {
		name := s.TableArn[i+len(":table/"):]
		if j := strings.IndexByte(name, '/'); j >= 0 {
			name = name[:j]
		}
		return name
	}
	return ""
}

// A SyntaxError reports a manifest that cannot be parsed.
type SyntaxError struct {
	File string // the manifest's key
	Line int    // 1-based line, for manifest-files.json
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

type summaryJSON struct {
	Version            *string         `json:"version"`
	ExportArn          *string         `json:"exportArn"`
	StartTime          *string         `json:"startTime"`
	EndTime            *string         `json:"endTime"`
	TableArn           *string         `json:"tableArn"`
	TableID            *string         `json:"tableId"`
	ExportTime         *string         `json:"exportTime"`
	ExportFromTime     *string         `json:"exportFromTime"`
	ExportToTime       *string         `json:"exportToTime"`
	S3Bucket           *string         `json:"s3Bucket"`
	S3Prefix           *string         `json:"s3Prefix"`
	S3SseAlgorithm     *string         `json:"s3SseAlgorithm"`
	S3SseKmsKeyID      *string         `json:"s3SseKmsKeyId"`
	ManifestFilesS3Key *string         `json:"manifestFilesS3Key"`
	BilledSizeBytes    json.RawMessage `json:"billedSizeBytes"`
	ItemCount          json.RawMessage `json:"itemCount"`
	OutputFormat       *string         `json:"outputFormat"`
	OutputView         *string         `json:"outputView"`
	ExportType         *string         `json:"exportType"`
}

// ParseSummary parses manifest-summary.json. It accepts both versions,
// pretty-printed or compact, with or without a trailing newline, and
// ignores unknown keys. A missing or null optional string is "", and a
// missing exportType is FullExport. Times may be any RFC 3339 time; they
// are kept in UTC to the millisecond, as DynamoDB writes them, so that
// Marshal gives back an equal Summary. name is used in errors.
//
// The error is a *SyntaxError. When only field values are wrong (a bad
// time, a negative count, an unknown exportType), the Summary is returned
// too, holding what could be read.
func ParseSummary(name string, b []byte) (*Summary, error) {
	var j summaryJSON
	if err := decodeObject(b, &j); err != nil {
		return nil, &SyntaxError{File: name, Msg: "not a JSON summary: " + err.Error()}
	}
	var bad []string
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	tm := func(field string, p *string) time.Time {
		if p == nil || *p == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, *p)
		if err == nil {
			t = t.UTC().Truncate(time.Millisecond)
			if y := t.Year(); y < 0 || y > 9999 {
				err = errors.New("year out of range")
			}
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %q is not an ISO 8601 time", field, truncate(*p, 64)))
			return time.Time{}
		}
		return t
	}
	num := func(field string, raw json.RawMessage) int64 {
		if len(raw) == 0 || string(raw) == "null" {
			return 0
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n < 0 {
			bad = append(bad, fmt.Sprintf("%s %s is not a non-negative integer", field, truncate(string(raw), 40)))
			return 0
		}
		return n
	}
	s := &Summary{
		Version:            str(j.Version),
		ExportArn:          str(j.ExportArn),
		StartTime:          tm("startTime", j.StartTime),
		EndTime:            tm("endTime", j.EndTime),
		TableArn:           str(j.TableArn),
		TableID:            str(j.TableID),
		ExportTime:         tm("exportTime", j.ExportTime),
		ExportFromTime:     tm("exportFromTime", j.ExportFromTime),
		ExportToTime:       tm("exportToTime", j.ExportToTime),
		S3Bucket:           str(j.S3Bucket),
		S3Prefix:           str(j.S3Prefix),
		S3SseAlgorithm:     str(j.S3SseAlgorithm),
		S3SseKmsKeyID:      str(j.S3SseKmsKeyID),
		ManifestFilesS3Key: str(j.ManifestFilesS3Key),
		BilledSizeBytes:    num("billedSizeBytes", j.BilledSizeBytes),
		ItemCount:          num("itemCount", j.ItemCount),
		OutputFormat:       str(j.OutputFormat),
		OutputView:         str(j.OutputView),
		ExportType:         ExportType(str(j.ExportType)),
	}
	if len(j.ItemCount) == 0 || string(j.ItemCount) == "null" {
		bad = append(bad, "itemCount is missing")
	}
	switch s.ExportType {
	case "":
		s.ExportType = FullExport
	case FullExport, IncrementalExport:
	default:
		bad = append(bad, fmt.Sprintf("unknown exportType %q", truncate(string(s.ExportType), 64)))
	}
	if len(bad) > 0 {
		return s, &SyntaxError{File: name, Msg: strings.Join(bad, "; ")}
	}
	return s, nil
}

// decodeObject decodes the single JSON value in b into v, with numbers
// kept as text, and fails on anything but white space after it.
func decodeObject(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Decoder.More would take a trailing "}" or "]" for the end.
	if rest := b[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return errTrailingData
	}
	return nil
}

var errTrailingData = errors.New("data after the JSON object")

// Marshal returns s as DynamoDB writes manifest-summary.json: compact JSON,
// keys in DynamoDB's order, times in UTC with milliseconds, no trailing
// newline. A full export has exportTime and no exportType or outputView;
// an incremental one has exportFromTime, exportToTime, outputView and
// exportType. Fields that do not belong to the export's type are written
// only when set, so that ParseSummary gives back an equal Summary; a zero
// time that belongs is written as null.
func (s *Summary) Marshal() []byte {
	var b []byte
	field := func(name string) {
		if len(b) == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ':')
	}
	str := func(name, v string) {
		field(name)
		b = appendJSONString(b, v)
	}
	nullable := func(name, v string) {
		field(name)
		if v == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, v)
		}
	}
	tm := func(name string, t time.Time) {
		field(name)
		if t.IsZero() {
			b = append(b, "null"...)
			return
		}
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, TimeLayout)
		b = append(b, '"')
	}
	num := func(name string, n int64) {
		field(name)
		b = strconv.AppendInt(b, n, 10)
	}
	inc := s.Incremental()
	str("version", s.Version)
	str("exportArn", s.ExportArn)
	tm("startTime", s.StartTime)
	tm("endTime", s.EndTime)
	str("tableArn", s.TableArn)
	str("tableId", s.TableID)
	if !inc || !s.ExportTime.IsZero() {
		tm("exportTime", s.ExportTime)
	}
	if inc || !s.ExportFromTime.IsZero() {
		tm("exportFromTime", s.ExportFromTime)
	}
	if inc || !s.ExportToTime.IsZero() {
		tm("exportToTime", s.ExportToTime)
	}
	str("s3Bucket", s.S3Bucket)
	nullable("s3Prefix", s.S3Prefix)
	str("s3SseAlgorithm", s.S3SseAlgorithm)
	nullable("s3SseKmsKeyId", s.S3SseKmsKeyID)
	str("manifestFilesS3Key", s.ManifestFilesS3Key)
	num("billedSizeBytes", s.BilledSizeBytes)
	num("itemCount", s.ItemCount)
	str("outputFormat", s.OutputFormat)
	if inc || s.OutputView != "" {
		str("outputView", s.OutputView)
	}
	if inc {
		str("exportType", string(s.ExportType))
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
