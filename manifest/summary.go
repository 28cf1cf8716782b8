package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// Extra are keys written after DynamoDB's own, such as a record of
	// where a derived export came from; one named like a key of
	// DynamoDB's is not written. Readers of the summary, this package's
	// included, ignore keys they do not know, so ParseSummary leaves
	// Extra empty.
	Extra []Extra
}

// knownSummaryKeys are the keys Marshal writes itself.
var knownSummaryKeys = map[string]bool{
	"version": true, "exportArn": true, "startTime": true, "endTime": true, "tableArn": true, "tableId": true,
	"exportTime": true, "exportFromTime": true, "exportToTime": true, "s3Bucket": true, "s3Prefix": true,
	"s3SseAlgorithm": true, "s3SseKmsKeyId": true, "manifestFilesS3Key": true, "billedSizeBytes": true,
	"itemCount": true, "outputFormat": true, "outputView": true, "exportType": true,
}

// An Extra is one key of a summary beyond DynamoDB's: a name and a JSON
// value.
type Extra struct {
	Name  string
	Value json.RawMessage
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

// summaryFields are the keys of manifest-summary.json that ParseSummary
// reads. As with encoding/json, a key matches a field case-insensitively.
var summaryFields = []string{
	"version", "exportArn", "startTime", "endTime", "tableArn", "tableId",
	"exportTime", "exportFromTime", "exportToTime", "s3Bucket", "s3Prefix",
	"s3SseAlgorithm", "s3SseKmsKeyId", "manifestFilesS3Key", "billedSizeBytes",
	"itemCount", "outputFormat", "outputView", "exportType",
}

// ParseSummary parses manifest-summary.json. It accepts both versions,
// pretty-printed or compact, with or without a trailing newline, and
// ignores unknown keys. A missing or null optional string is "", and a
// missing exportType is FullExport. Times may be any RFC 3339 time; they
// are kept in UTC to the millisecond, as DynamoDB writes them, so that
// Marshal gives back an equal Summary. name is used in errors.
//
// The error is a *SyntaxError, in the summary's terms (key names, JSON
// types, byte offsets), never Go's. A summary that is not one JSON object,
// or that has a key twice (which value counts would be a guess), gives no
// Summary. When only field values are wrong (a bad time, a negative count,
// a string where a number belongs, an unknown exportType, an incremental
// export without a valid outputView or with no export window, or with
// exportFromTime not before exportToTime), the Summary is returned too,
// holding what could be read. The window's length is not checked: the
// 15 minutes to 24 hours of the API today may change.
func ParseSummary(name string, b []byte) (*Summary, error) {
	fields, err := summaryObject(b)
	if err != nil {
		return nil, &SyntaxError{File: name, Msg: err.Error()}
	}
	var bad []string
	str := func(field string) string {
		raw := fields[field]
		if len(raw) == 0 || string(raw) == "null" {
			return ""
		}
		var v string
		if raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			bad = append(bad, fmt.Sprintf("%s must be a JSON string, not %s", field, jsonKind(raw)))
			return ""
		}
		return v
	}
	tm := func(field string) time.Time {
		v := str(field)
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err == nil {
			t = t.UTC().Truncate(time.Millisecond)
			if y := t.Year(); y < 0 || y > 9999 {
				err = errors.New("year out of range")
			}
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %q is not an ISO 8601 time", field, truncate(v, 64)))
			return time.Time{}
		}
		return t
	}
	num := func(field string) int64 {
		raw := fields[field]
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
		Version:            str("version"),
		ExportArn:          str("exportArn"),
		StartTime:          tm("startTime"),
		EndTime:            tm("endTime"),
		TableArn:           str("tableArn"),
		TableID:            str("tableId"),
		ExportTime:         tm("exportTime"),
		ExportFromTime:     tm("exportFromTime"),
		ExportToTime:       tm("exportToTime"),
		S3Bucket:           str("s3Bucket"),
		S3Prefix:           str("s3Prefix"),
		S3SseAlgorithm:     str("s3SseAlgorithm"),
		S3SseKmsKeyID:      str("s3SseKmsKeyId"),
		ManifestFilesS3Key: str("manifestFilesS3Key"),
		BilledSizeBytes:    num("billedSizeBytes"),
		ItemCount:          num("itemCount"),
		OutputFormat:       str("outputFormat"),
		OutputView:         str("outputView"),
		ExportType:         ExportType(str("exportType")),
	}
	if raw := fields["itemCount"]; len(raw) == 0 || string(raw) == "null" {
		bad = append(bad, "itemCount is missing")
	}
	switch s.ExportType {
	case "":
		s.ExportType = FullExport
	case FullExport:
	case IncrementalExport:
		bad = append(bad, checkIncremental(s, fields)...)
	default:
		bad = append(bad, fmt.Sprintf("unknown exportType %q", truncate(string(s.ExportType), 64)))
	}
	if len(bad) > 0 {
		return s, &SyntaxError{File: name, Msg: strings.Join(bad, "; ")}
	}
	return s, nil
}

// checkIncremental returns what is wrong with the fields only an
// incremental export has: its outputView, and its export window, which
// must be there and not empty. A time that did not parse was reported
// already.
func checkIncremental(s *Summary, fields map[string]json.RawMessage) []string {
	var bad []string
	switch s.OutputView {
	case ViewNewAndOldImages, ViewNewImage:
	case "":
		if raw := fields["outputView"]; len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
			bad = append(bad, "outputView is missing (an incremental export has NEW_AND_OLD_IMAGES or NEW_IMAGE)")
		}
	default:
		bad = append(bad, fmt.Sprintf("unknown outputView %q (want NEW_AND_OLD_IMAGES or NEW_IMAGE)", truncate(s.OutputView, 64)))
	}
	present := func(field string) bool {
		raw := fields[field]
		if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
			bad = append(bad, field+" is missing (an incremental export has one)")
			return false
		}
		return true
	}
	from, to := present("exportFromTime"), present("exportToTime")
	if from && to && !s.ExportFromTime.IsZero() && !s.ExportToTime.IsZero() && !s.ExportFromTime.Before(s.ExportToTime) {
		bad = append(bad, fmt.Sprintf("exportFromTime %s is not before exportToTime %s",
			s.ExportFromTime.Format(TimeLayout), s.ExportToTime.Format(TimeLayout)))
	}
	return bad
}

// summaryObject reads b, which must hold one JSON object (or null, read as
// an empty one) and nothing else but white space, and returns the values
// of its top-level keys that name summary fields, by field name. Its
// errors speak of the JSON: byte offsets, key names, JSON types. A key
// that appears twice (or that names the same field as another, as
// "itemCount" and "ItemCount" do) is an error.
func summaryObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	fields := map[string]json.RawMessage{}
	seen := map[string]bool{} // unknown keys, to find their duplicates
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(b, err)
	}
	switch tok {
	case json.Delim('{'):
	case nil: // null: no fields
		return fields, trailing(b, dec)
	default:
		return nil, fmt.Errorf("not a JSON summary: the summary must be a JSON object, not %s", tokenKind(tok))
	}
	for dec.More() {
		at := int(dec.InputOffset())
		for at < len(b) && (b[at] == ',' || isJSONSpace(b[at])) {
			at++
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(b, err)
		}
		key, _ := tok.(string) // Token checks that an object key is a string
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(b, err)
		}
		field := ""
		for _, f := range summaryFields {
			if strings.EqualFold(key, f) {
				field = f
				break
			}
		}
		dup := false
		if field != "" {
			_, dup = fields[field]
			fields[field] = raw
		} else {
			dup = seen[key]
			seen[key] = true
		}
		if dup {
			msg := fmt.Sprintf("duplicate key %q at byte offset %d", truncate(key, 64), at)
			if field != "" && key != field {
				msg += fmt.Sprintf(" (another key for %s)", field)
			}
			return nil, errors.New(msg)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, jsonError(b, err)
	}
	return fields, trailing(b, dec)
}

// trailing returns errTrailingData if anything but white space follows
// what dec read from b.
func trailing(b []byte, dec *json.Decoder) error {
	// Decoder.More would take a trailing "}" or "]" for the end.
	if rest := b[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return fmt.Errorf("%w at byte offset %d", errTrailingData, int(dec.InputOffset())+len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))
	}
	return nil
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// jsonError says what encoding/json found wrong with the JSON b, in the
// summary's terms. The offset of a syntax error is that of the offending
// byte, counted from 0 in the whole file.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// A json.Decoder's offsets are not always from the start of the
		// input; Unmarshal's are (bytes read, the offending one included).
		var v any
		if uerr := json.Unmarshal(b, &v); errors.As(uerr, &se) && se.Offset > 0 {
			se.Offset--
		}
	}
	switch {
	case se != nil:
		return fmt.Errorf("not a JSON summary: invalid JSON at byte offset %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.EOF) && len(bytes.TrimLeft(b, " \t\r\n")) == 0:
		return errors.New("not a JSON summary: the file is empty")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("not a JSON summary: the JSON ends at byte offset %d before the object is closed (truncated)", len(b))
	}
	return fmt.Errorf("not a JSON summary: %v", err)
}

// tokenKind names the JSON type of a json.Token.
func tokenKind(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// jsonKind names the JSON type of the valid JSON value raw.
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
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
	for _, e := range s.Extra {
		if knownSummaryKeys[e.Name] {
			continue // never a second value for one of DynamoDB's keys
		}
		field(e.Name)
		var buf bytes.Buffer
		if json.Compact(&buf, e.Value) != nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, buf.Bytes()...)
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
