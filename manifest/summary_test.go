package manifest_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
)

func TestParseSummary_real(t *testing.T) {
	tests := []struct {
		name   string
		file   string // a real summary below real-exports, or
		raw    []byte // the bytes
		trimNL bool   // Marshal gives raw without its final newline
		want   manifest.Summary
		id     string
		table  string
	}{
		{
			name: "pfeilbr-2020", file: pfeilExport + "/manifest-summary.json",
			id: "01605130432834-8a918b87", table: "dynamodb-export-to-s3-and-query-with-athena-playground-v2-MyTable-1WGSJ3W2WJWPK",
			want: manifest.Summary{
				Version:            manifest.VersionFull,
				ExportArn:          "arn:aws:dynamodb:us-east-1:529276214230:table/dynamodb-export-to-s3-and-query-with-athena-playground-v2-MyTable-1WGSJ3W2WJWPK/export/01605130432834-8a918b87",
				StartTime:          mustTime(t, "2020-11-11T21:33:52.834Z"),
				EndTime:            mustTime(t, "2020-11-11T21:40:28.971Z"),
				TableArn:           "arn:aws:dynamodb:us-east-1:529276214230:table/dynamodb-export-to-s3-and-query-with-athena-playground-v2-MyTable-1WGSJ3W2WJWPK",
				TableID:            "430ff009-d406-48ba-b83f-c927fb8b76f8",
				ExportTime:         mustTime(t, "2020-11-11T21:33:51.000Z"),
				S3Bucket:           "dynamodb-export-to-s3-and-query-with-exportbucket-103kukqwmab7n",
				S3Prefix:           "demo_prefix",
				S3SseAlgorithm:     "AES256",
				ManifestFilesS3Key: "demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-files.json",
				BilledSizeBytes:    0,
				ItemCount:          3,
				OutputFormat:       "DYNAMODB_JSON",
				ExportType:         manifest.FullExport,
			},
		},
		{
			// The publisher added a trailing newline; DynamoDB writes none.
			name: "scylla-2024", file: scyllaExport + "/manifest-summary.json", trimNL: true,
			id: "01715685260608-c488b4e1", table: "S3ExportTest",
			want: manifest.Summary{
				Version:            manifest.VersionFull,
				ExportArn:          "arn:aws:dynamodb:eu-central-1:164221962816:table/S3ExportTest/export/01715685260608-c488b4e1",
				StartTime:          mustTime(t, "2024-05-14T11:14:20.608Z"),
				EndTime:            mustTime(t, "2024-05-14T11:19:26.869Z"),
				TableArn:           "arn:aws:dynamodb:eu-central-1:164221962816:table/S3ExportTest",
				TableID:            "11991185-e7ab-4da5-8bab-03f0db0b7bfd",
				ExportTime:         mustTime(t, "2024-05-14T11:14:20.608Z"),
				S3Bucket:           "test-bucket",
				S3Prefix:           "dynamodb-export",
				S3SseAlgorithm:     "AES256",
				ManifestFilesS3Key: "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/manifest-files.json",
				BilledSizeBytes:    19,
				ItemCount:          3,
				OutputFormat:       "DYNAMODB_JSON",
				ExportType:         manifest.FullExport,
			},
		},
		{
			name: "S-SABUAT", raw: []byte(sabuatSummary),
			id: "01668227450456-b6733290", table: "livros_por_ler",
			want: manifest.Summary{
				Version:            manifest.VersionFull,
				ExportArn:          "arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler/export/01668227450456-b6733290",
				StartTime:          mustTime(t, "2022-11-12T04:30:50.456Z"),
				EndTime:            mustTime(t, "2022-11-12T04:34:56.208Z"),
				TableArn:           "arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler",
				TableID:            "659732b0-5ce6-4e60-a804-f224014bdef3",
				ExportTime:         mustTime(t, "2022-11-12T04:30:50.456Z"),
				S3Bucket:           "outroslivros",
				S3SseAlgorithm:     "AES256",
				ManifestFilesS3Key: "AWSDynamoDB/01668227450456-b6733290/manifest-files.json",
				ItemCount:          6,
				OutputFormat:       "DYNAMODB_JSON",
				ExportType:         manifest.FullExport,
			},
		},
		{
			name: "S-GURRE incremental", raw: []byte(gurreIncSummary),
			id: "01768386924000-d339e52d", table: "test",
			want: manifest.Summary{
				Version:            manifest.VersionIncremental,
				ExportArn:          "arn:aws:dynamodb:eu-north-1:123456789123:table/test/export/01768386924000-d339e52d",
				StartTime:          mustTime(t, "2026-01-14T10:35:24.000Z"),
				EndTime:            mustTime(t, "2026-01-14T10:40:27.622Z"),
				TableArn:           "arn:aws:dynamodb:eu-north-1:123456789123:table/test",
				TableID:            "cf263806-6bf1-4e51-a242-7067dcdecc72",
				ExportFromTime:     mustTime(t, "2026-01-14T10:20:00.000Z"),
				ExportToTime:       mustTime(t, "2026-01-14T10:35:00.000Z"),
				S3Bucket:           "test-1231x1x",
				S3SseAlgorithm:     "AES256",
				ManifestFilesS3Key: "AWSDynamoDB/01768386924000-d339e52d/manifest-files.json",
				BilledSizeBytes:    10000000,
				ItemCount:          6,
				OutputFormat:       "DYNAMODB_JSON",
				OutputView:         manifest.ViewNewAndOldImages,
				ExportType:         manifest.IncrementalExport,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if tt.file != "" {
				raw = readReal(t, tt.file)
			}
			marshal := raw
			if tt.trimNL {
				if !bytes.HasSuffix(raw, []byte("}\n")) {
					t.Fatalf("%s no longer ends in a newline", tt.file)
				}
				marshal = bytes.TrimSuffix(raw, []byte("\n"))
			}
			s, err := manifest.ParseSummary("manifest-summary.json", raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*s, tt.want) {
				t.Errorf("ParseSummary =\n%+v\nwant\n%+v", *s, tt.want)
			}
			if got := s.ExportID(); got != tt.id {
				t.Errorf("ExportID = %q; want %q", got, tt.id)
			}
			if got := s.TableName(); got != tt.table {
				t.Errorf("TableName = %q; want %q", got, tt.table)
			}
			if got := s.Format(); got != codec.FormatDynamoDBJSON {
				t.Errorf("Format = %v", got)
			}
			if got, want := s.Incremental(), tt.want.ExportType == manifest.IncrementalExport; got != want {
				t.Errorf("Incremental = %v; want %v", got, want)
			}
			if got := s.Marshal(); !bytes.Equal(got, marshal) {
				t.Errorf("Marshal =\n%s\nwant\n%s", got, marshal)
			}
		})
	}
}

func TestMD5File_real(t *testing.T) {
	for _, name := range []string{"manifest-summary", "manifest-files"} {
		data := readReal(t, pfeilExport+"/"+name+".json")
		want := readReal(t, pfeilExport+"/"+name+".md5")
		if got := manifest.MD5File(data); !bytes.Equal(got, want) {
			t.Errorf("MD5File(%s.json) = %s; want %s (%s.md5)", name, got, want, name)
		}
	}
}

func TestParseSummary_accepts(t *testing.T) {
	pretty := `{
  "version": "2020-06-30",
  "exportArn": "arn:aws:dynamodb:us-east-1:999:table/T/export/01658105838782-e79094f8",
  "startTime": "2022-07-18T00:57:18.782Z",
  "endTime": "2022-07-18T01:03:20.431Z",
  "tableArn": "arn:aws:dynamodb:us-east-1:999:table/T",
  "tableId": "x",
  "exportTime": "2022-07-17T14:00:00.000Z",
  "s3Bucket": "b",
  "s3Prefix": null,
  "s3SseAlgorithm": "AES256",
  "s3SseKmsKeyId": null,
  "manifestFilesS3Key": "AWSDynamoDB/01658105838782-e79094f8/manifest-files.json",
  "billedSizeBytes": 3932918,
  "itemCount": 14465,
  "outputFormat": "ION"
}
`
	full := func(s *manifest.Summary) bool { return s.Type() == manifest.FullExport && !s.Incremental() }
	tests := []struct {
		name  string
		raw   string
		check func(*manifest.Summary) bool
	}{
		{"pretty and trailing newline", pretty, func(s *manifest.Summary) bool {
			return full(s) && s.ItemCount == 14465 && s.BilledSizeBytes == 3932918 && s.Format() == codec.FormatION &&
				s.ExportTime.Equal(time.Date(2022, 7, 17, 14, 0, 0, 0, time.UTC)) && s.S3Prefix == ""
		}},
		{"CRLF and tabs", strings.ReplaceAll(strings.ReplaceAll(pretty, "\n", "\r\n"), "  ", "\t"), func(s *manifest.Summary) bool { return s.ItemCount == 14465 }},
		{"missing exportType", `{"itemCount":1}`, func(s *manifest.Summary) bool { return full(s) && s.ExportType == manifest.FullExport }},
		{"explicit FULL_EXPORT", `{"itemCount":1,"exportType":"FULL_EXPORT"}`, full},
		{"null exportType", `{"itemCount":1,"exportType":null}`, full},
		{"null strings", `{"itemCount":0,"s3Prefix":null,"s3SseKmsKeyId":null,"version":null,"outputView":null,"exportTime":null}`, func(s *manifest.Summary) bool {
			return s.S3Prefix == "" && s.S3SseKmsKeyID == "" && s.Version == "" && s.ExportTime.IsZero()
		}},
		{"KMS key", `{"itemCount":0,"s3SseAlgorithm":"KMS","s3SseKmsKeyId":"arn:aws:kms:us-east-1:1:key/k"}`, func(s *manifest.Summary) bool {
			return s.S3SseAlgorithm == "KMS" && s.S3SseKmsKeyID == "arn:aws:kms:us-east-1:1:key/k"
		}},
		{"unknown keys", `{"itemCount":2,"futureField":{"a":[1,2,{"b":null}]},"another":"x","exportStatus":"COMPLETED"}`, func(s *manifest.Summary) bool { return s.ItemCount == 2 }},
		{"null billedSizeBytes", `{"itemCount":2,"billedSizeBytes":null}`, func(s *manifest.Summary) bool { return s.BilledSizeBytes == 0 }},
		{"NEW_IMAGE view", `{"itemCount":2,"exportType":"INCREMENTAL_EXPORT","outputView":"NEW_IMAGE","version":"2023-08-01","exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:35:00.000Z"}`, func(s *manifest.Summary) bool {
			return s.Incremental() && s.OutputView == manifest.ViewNewImage
		}},
		// The API allows windows of 15 minutes to 24 hours today; that
		// may change, so a longer or shorter one is accepted.
		{"one-millisecond window", `{"itemCount":0,"exportType":"INCREMENTAL_EXPORT","outputView":"NEW_AND_OLD_IMAGES","exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:20:00.001Z"}`, func(s *manifest.Summary) bool {
			return s.ExportToTime.Sub(s.ExportFromTime) == time.Millisecond
		}},
		{"week-long window", `{"itemCount":0,"exportType":"INCREMENTAL_EXPORT","outputView":"NEW_IMAGE","exportFromTime":"2026-01-07T10:20:00.000Z","exportToTime":"2026-01-14T10:20:00.000Z"}`, func(s *manifest.Summary) bool {
			return s.ExportToTime.Sub(s.ExportFromTime) == 7*24*time.Hour
		}},
		{"a full export needs no window", `{"itemCount":1,"exportType":"FULL_EXPORT"}`, full},
		{"time with offset", `{"itemCount":0,"startTime":"2020-11-11T23:33:52.834+02:00"}`, func(s *manifest.Summary) bool {
			return s.StartTime.Equal(mustTime(t, "2020-11-11T21:33:52.834Z")) && s.StartTime.Location() == time.UTC
		}},
		{"time without ms", `{"itemCount":0,"startTime":"2020-11-11T21:33:52Z"}`, func(s *manifest.Summary) bool {
			return s.StartTime.Equal(mustTime(t, "2020-11-11T21:33:52Z"))
		}},
		{"leading BOM-free whitespace", "\n\t " + sabuatSummary + "\n\n", func(s *manifest.Summary) bool { return s.ItemCount == 6 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := manifest.ParseSummary("s.json", []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("ParseSummary = %+v", *s)
			}
		})
	}
}

func TestParseSummary_errors(t *testing.T) {
	tests := []struct{ name, raw, msg string }{
		{"empty", "", "not a JSON summary"},
		{"not JSON", "hello", "not a JSON summary"},
		{"array", `[{"itemCount":1}]`, "not a JSON summary"},
		{"string", `"x"`, "not a JSON summary"},
		{"JSON null", `null`, "itemCount is missing"},
		{"number", `12`, "must be a JSON object, not a number"},
		{"truncated", sabuatSummary[:100], "not a JSON summary"},
		{"missing itemCount", `{"version":"2020-06-30"}`, "itemCount is missing"},
		{"null itemCount", `{"itemCount":null}`, "itemCount is missing"},
		{"negative itemCount", `{"itemCount":-1}`, "itemCount -1"},
		{"float itemCount", `{"itemCount":1.5}`, "itemCount 1.5"},
		{"exponent itemCount", `{"itemCount":1e3}`, "itemCount 1e3"},
		{"string itemCount", `{"itemCount":"3"}`, `itemCount "3"`},
		{"huge itemCount", `{"itemCount":99999999999999999999}`, "itemCount 99999999999999999999"},
		{"negative billedSizeBytes", `{"itemCount":1,"billedSizeBytes":-5}`, "billedSizeBytes -5"},
		{"bad startTime", `{"itemCount":1,"startTime":"yesterday"}`, `startTime "yesterday"`},
		{"bad endTime", `{"itemCount":1,"endTime":"2020-13-01T00:00:00.000Z"}`, `endTime`},
		{"date only", `{"itemCount":1,"exportTime":"2020-11-11"}`, `exportTime`},
		{"no zone", `{"itemCount":1,"exportFromTime":"2020-11-11T21:33:52.834"}`, `exportFromTime`},
		{"numeric time", `{"itemCount":1,"exportToTime":1605130432}`, "exportToTime must be a JSON string, not a number"},
		{"year out of range after UTC", `{"itemCount":1,"startTime":"0000-01-01T00:00:00.000+01:00"}`, `startTime`},
		{"unknown exportType", `{"itemCount":1,"exportType":"PARTIAL_EXPORT"}`, `unknown exportType "PARTIAL_EXPORT"`},
		{"lowercase exportType", `{"itemCount":1,"exportType":"incremental_export"}`, `unknown exportType`},
		{"two objects", sabuatSummary + sabuatSummary, "data after the JSON object at byte offset 602"},
		{"trailing brace", sabuatSummary + "}", "data after the JSON object"},
		{"trailing bracket", sabuatSummary + "]", "data after the JSON object"},
		{"trailing junk", sabuatSummary + "x", "data after the JSON object"},
		{"several problems", `{"itemCount":-1,"startTime":"x"}`, "; "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := manifest.ParseSummary("p/manifest-summary.json", []byte(tt.raw))
			var se *manifest.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T); want a *SyntaxError", err, err)
			}
			if se.File != "p/manifest-summary.json" || se.Line != 0 {
				t.Errorf("SyntaxError File %q Line %d", se.File, se.Line)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "p/manifest-summary.json: ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

// ParseSummary's errors speak of the summary (key names, JSON types, byte
// offsets), never of Go types.
func TestParseSummary_errorTerms(t *testing.T) {
	tests := []struct {
		name, raw, msg string
		summary        bool // a Summary is returned with the error
	}{
		{"array", `[{"itemCount":1}]`, "not a JSON summary: the summary must be a JSON object, not an array", false},
		{"string", `"x"`, "the summary must be a JSON object, not a string", false},
		{"boolean", ` true `, "the summary must be a JSON object, not a boolean", false},
		{"string field as number", `{"itemCount":1,"exportArn":5}`, "exportArn must be a JSON string, not a number", true},
		{"string field as array", `{"itemCount":1,"tableArn":["a"]}`, "tableArn must be a JSON string, not an array", true},
		{"string field as object", `{"itemCount":1,"outputFormat":{}}`, "outputFormat must be a JSON string, not an object", true},
		{"string field as boolean", `{"itemCount":1,"exportType":false}`, "exportType must be a JSON string, not a boolean", true},
		{"time as object", `{"itemCount":1,"startTime":{"t":1}}`, "startTime must be a JSON string, not an object", true},
		{"case-insensitive key", `{"itemCount":1,"S3Bucket":[]}`, "s3Bucket must be a JSON string, not an array", true},
		{"two wrong types", `{"itemCount":true,"version":1}`, "version must be a JSON string, not a number; itemCount true is not a non-negative integer", true},
		{"syntax error", `{"itemCount":1,"version":x}`, "not a JSON summary: invalid JSON at byte offset 25: invalid character 'x' looking for beginning of value", false},
		{"syntax error in a key", `{"itemCount":1, version:1}`, "invalid JSON at byte offset 16: invalid character 'v'", false},
		{"missing colon", `{"itemCount" 1}`, "invalid JSON at byte offset 13: invalid character '1' after object key", false},
		{"empty", " \n", "not a JSON summary: the file is empty", false},
		{"truncated", `{"itemCount":1,"version":"2020`, "the JSON ends at byte offset 30 before the object is closed (truncated)", false},
		{"truncated after a key", `{"itemCount":1,`, "truncated", false},
		{"trailing data", `{"itemCount":1} x`, "data after the JSON object at byte offset 16", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := manifest.ParseSummary("s.json", []byte(tt.raw))
			var se *manifest.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T); want a *SyntaxError", err, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.msg)
			}
			for _, goTerm := range []string{"Go ", "manifest.", "unmarshal", "struct", "int64"} {
				if strings.Contains(se.Msg, goTerm) {
					t.Errorf("message %q speaks of Go (%q)", se.Msg, goTerm)
				}
			}
			if (s != nil) != tt.summary {
				t.Errorf("Summary returned: %v; want %v", s != nil, tt.summary)
			}
		})
	}
}

// A key given twice is an error naming it: which value counts would be a
// guess. Keys match fields case-insensitively, so two spellings of one
// field are duplicates too; unknown keys must be unique as well.
func TestParseSummary_duplicateKeys(t *testing.T) {
	tests := []struct{ name, raw, msg string }{
		{"itemCount twice", `{"itemCount":1,"version":"x","itemCount":2}`, `duplicate key "itemCount" at byte offset 29`},
		{"itemCount twice, same value", `{"itemCount":1, "itemCount":1}`, `duplicate key "itemCount" at byte offset 16`},
		{"exportType twice", `{"itemCount":1,"exportType":"FULL_EXPORT","exportType":"INCREMENTAL_EXPORT"}`, `duplicate key "exportType"`},
		{"two spellings", `{"itemCount":1,"ITEMCOUNT":2}`, `duplicate key "ITEMCOUNT" at byte offset 15 (another key for itemCount)`},
		{"null then value", `{"s3Prefix":null,"itemCount":1,"s3Prefix":"p"}`, `duplicate key "s3Prefix"`},
		{"unknown key twice", `{"itemCount":1,"futureField":1,` + "\n  " + `"futureField":2}`, `duplicate key "futureField" at byte offset 34`},
		{"escaped duplicate", `{"itemCount":1,"\u0069temCount":2}`, `duplicate key "itemCount"`},
		{"real summary with a key repeated", strings.TrimSuffix(sabuatSummary, "}") + `,"itemCount":7}`, `duplicate key "itemCount"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := manifest.ParseSummary("s.json", []byte(tt.raw))
			var se *manifest.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T), Summary %+v; want a *SyntaxError", err, err, s)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.msg)
			}
			if s != nil {
				t.Errorf("Summary %+v returned with a duplicate key", *s)
			}
		})
	}
	// Keys inside a nested value are not the summary's keys.
	if _, err := manifest.ParseSummary("s.json", []byte(`{"itemCount":1,"futureField":{"itemCount":1,"a":{"itemCount":2}},"other":[{"x":1},{"x":2}]}`)); err != nil {
		t.Errorf("nested keys: %v", err)
	}
}

// An incremental export's summary must have a view DynamoDB writes and an
// export window that is there and not empty; the Summary comes back with
// the error.
func TestParseSummary_incremental(t *testing.T) {
	const (
		from = `"exportFromTime":"2026-01-14T10:20:00.000Z"`
		to   = `"exportToTime":"2026-01-14T10:35:00.000Z"`
		inc  = `"itemCount":6,"exportType":"INCREMENTAL_EXPORT"`
	)
	tests := []struct{ name, raw, msg string }{
		{"no outputView", `{` + inc + `,` + from + `,` + to + `}`, "outputView is missing"},
		{"null outputView", `{` + inc + `,"outputView":null,` + from + `,` + to + `}`, "outputView is missing"},
		{"empty outputView", `{` + inc + `,"outputView":"",` + from + `,` + to + `}`, "outputView is missing"},
		{"KEYS_ONLY view", `{` + inc + `,"outputView":"KEYS_ONLY",` + from + `,` + to + `}`, `unknown outputView "KEYS_ONLY"`},
		{"lowercase view", `{` + inc + `,"outputView":"new_image",` + from + `,` + to + `}`, `unknown outputView "new_image"`},
		{"numeric view", `{` + inc + `,"outputView":3,` + from + `,` + to + `}`, `outputView must be a JSON string, not a number`},
		{"no exportFromTime", `{` + inc + `,"outputView":"NEW_IMAGE",` + to + `}`, "exportFromTime is missing"},
		{"null exportToTime", `{` + inc + `,"outputView":"NEW_IMAGE",` + from + `,"exportToTime":null}`, "exportToTime is missing"},
		{"no window", `{` + inc + `,"outputView":"NEW_IMAGE"}`, "exportFromTime is missing (an incremental export has one); exportToTime is missing"},
		{"empty window", `{` + inc + `,"outputView":"NEW_IMAGE",` + from + `,"exportToTime":"2026-01-14T10:20:00.000Z"}`,
			"exportFromTime 2026-01-14T10:20:00.000Z is not before exportToTime 2026-01-14T10:20:00.000Z"},
		{"equal after UTC", `{` + inc + `,"outputView":"NEW_IMAGE",` + from + `,"exportToTime":"2026-01-14T11:20:00.000+01:00"}`, "is not before exportToTime"},
		{"reversed window", `{` + inc + `,"outputView":"NEW_AND_OLD_IMAGES","exportFromTime":"2026-01-14T10:35:00.000Z","exportToTime":"2026-01-14T10:20:00.000Z"}`,
			"exportFromTime 2026-01-14T10:35:00.000Z is not before exportToTime 2026-01-14T10:20:00.000Z"},
		{"bad time is reported once", `{` + inc + `,"outputView":"NEW_IMAGE","exportFromTime":"soon",` + to + `}`, `exportFromTime "soon" is not an ISO 8601 time`},
		{"real incremental summary reversed", strings.NewReplacer(`"exportFromTime":"2026-01-14T10:20:00.000Z"`, `"exportFromTime":"2026-01-14T10:35:00.000Z"`, `"exportToTime":"2026-01-14T10:35:00.000Z"`, `"exportToTime":"2026-01-14T10:20:00.000Z"`).Replace(gurreIncSummary),
			"is not before exportToTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := manifest.ParseSummary("s.json", []byte(tt.raw))
			var se *manifest.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T); want a *SyntaxError", err, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.msg)
			}
			if strings.Count(se.Msg, "exportFromTime") > 1+strings.Count(tt.msg, "exportFromTime") {
				t.Errorf("message %q repeats itself", se.Msg)
			}
			if s == nil {
				t.Fatal("no Summary returned with a field error")
			}
			if !s.Incremental() || s.ItemCount != 6 {
				t.Errorf("Summary = %+v; want the incremental export's fields", *s)
			}
		})
	}
	if _, err := manifest.ParseSummary("s.json", []byte(gurreIncSummary)); err != nil {
		t.Errorf("real incremental summary: %v", err)
	}
}

func TestSyntaxError_Error(t *testing.T) {
	if got := (&manifest.SyntaxError{File: "f", Line: 3, Msg: "m"}).Error(); got != "f:3: m" {
		t.Errorf("got %q", got)
	}
	if got := (&manifest.SyntaxError{File: "f", Msg: "m"}).Error(); got != "f: m" {
		t.Errorf("got %q", got)
	}
}

// Marshal writes what a Summary holds, so that parsing its output gives
// the same Summary, also for summaries DynamoDB would not write.
func TestSummary_Marshal_roundTrip(t *testing.T) {
	for _, raw := range []string{
		sabuatSummary,
		gurreIncSummary,
		`{"itemCount":1}`,
		`{"itemCount":1,"exportType":"FULL_EXPORT"}`,
		`{"itemCount":1,"exportFromTime":"2026-01-14T10:20:00.000Z","outputView":"NEW_IMAGE"}`,
		`{"itemCount":1,"exportType":"INCREMENTAL_EXPORT","exportTime":"2026-01-14T10:20:00.000Z","outputView":"NEW_IMAGE","exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:20:00.001Z"}`,
		`{"itemCount":1,"exportType":"INCREMENTAL_EXPORT","outputView":"NEW_AND_OLD_IMAGES","exportFromTime":"2026-01-14T10:20:00.000+01:00","exportToTime":"2026-01-14T10:20:00.000Z"}`,
		`{"itemCount":1,"startTime":"2026-01-14T10:20:00.123456789Z","endTime":"2026-01-14T12:20:00.5+02:00"}`,
		`{"itemCount":1,"s3Prefix":"","s3Bucket":null,"tableArn":"<&>\u2028\"\\"}`,
		`{"itemCount":1,"s3Prefix":"a\u0000b","version":"\ud800"}`,
		`{"itemCount":1,"startTime":"9999-12-31T23:59:59.999Z","endTime":"0000-01-01T00:00:00.000Z"}`,
		`{"ITEMCOUNT":7,"Version":"x"}`,
	} {
		s, err := manifest.ParseSummary("s", []byte(raw))
		if err != nil {
			t.Errorf("ParseSummary(%s): %v", raw, err)
			continue
		}
		out := s.Marshal()
		s2, err := manifest.ParseSummary("s", out)
		if err != nil {
			t.Errorf("ParseSummary(Marshal(%s)) = %v\n%s", raw, err, out)
			continue
		}
		if !reflect.DeepEqual(s, s2) {
			t.Errorf("round trip of %s\nMarshal: %s\n got %+v\nwant %+v", raw, out, *s2, *s)
		}
		if out2 := s2.Marshal(); !bytes.Equal(out, out2) {
			t.Errorf("Marshal is not stable:\n%s\n%s", out, out2)
		}
	}
}

// Marshal keeps DynamoDB's shape for summaries built in code: times in
// milliseconds, and a full export whose ExportType is set explicitly
// still has no exportType key.
func TestSummary_Marshal_shape(t *testing.T) {
	s, err := manifest.ParseSummary("s", []byte(sabuatSummary))
	if err != nil {
		t.Fatal(err)
	}
	s.EndTime = s.EndTime.Add(123456 * time.Nanosecond)
	s.ExportType = manifest.FullExport
	if got := s.Marshal(); string(got) != sabuatSummary {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, sabuatSummary)
	}
	s.ExportType = ""
	if got := s.Marshal(); string(got) != sabuatSummary {
		t.Errorf("Marshal with ExportType \"\" =\n%s\nwant\n%s", got, sabuatSummary)
	}
}

func TestSummary_Format(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want codec.Format
	}{
		{"DYNAMODB_JSON", codec.FormatDynamoDBJSON},
		{"ION", codec.FormatION},
		{"", codec.FormatUnknown},
		{"CSV", codec.FormatUnknown},
		{"dynamodb_json", codec.FormatUnknown}, // DynamoDB writes upper case only
		{"ion", codec.FormatUnknown},
	} {
		s := manifest.Summary{OutputFormat: tt.in}
		if got := s.Format(); got != tt.want {
			t.Errorf("Format(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestSummary_ExportID_TableName(t *testing.T) {
	for _, tt := range []struct{ exportArn, tableArn, id, table string }{
		{"", "", "", ""},
		{"arn:aws:dynamodb:r:1:table/T/export/01-a", "arn:aws:dynamodb:r:1:table/T", "01-a", "T"},
		{"garbage", "garbage", "", ""},
		{"arn:aws:dynamodb:r:1:table/T/export/", "arn:aws:dynamodb:r:1:table/T/stream/x", "", "T"},
	} {
		s := manifest.Summary{ExportArn: tt.exportArn, TableArn: tt.tableArn}
		if got := s.ExportID(); got != tt.id {
			t.Errorf("ExportID(%q) = %q; want %q", tt.exportArn, got, tt.id)
		}
		if got := s.TableName(); got != tt.table {
			t.Errorf("TableName(%q) = %q; want %q", tt.tableArn, got, tt.table)
		}
	}
}
