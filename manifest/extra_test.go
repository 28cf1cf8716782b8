package manifest_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/manifest"
)

// TestSummary_extra: extra keys are written after DynamoDB's, compact; one
// named like DynamoDB's is not written; the summary still parses.
func TestSummary_extra(t *testing.T) {
	s := manifest.Summary{
		Version: "2023-08-01", ExportArn: "arn:aws:dynamodb:us-east-1:123456789012:table/t/export/01700000000000-abcdef01",
		StartTime: time.Unix(1700000000, 0), EndTime: time.Unix(1700000100, 0), ExportTime: time.Unix(1700000000, 0),
		TableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/t", TableID: "id", S3Bucket: "b",
		S3SseAlgorithm: "AES256", ManifestFilesS3Key: "AWSDynamoDB/01700000000000-abcdef01/manifest-files.json",
		ItemCount: 3, OutputFormat: "DYNAMODB_JSON",
		Extra: []manifest.Extra{
			{Name: "madeBy", Value: json.RawMessage(`{ "tool" : "ddbexport" }`)},
			{Name: "itemCount", Value: json.RawMessage(`99`)},
		},
	}
	raw := s.Marshal()
	if !strings.HasSuffix(string(raw), `,"madeBy":{"tool":"ddbexport"}}`) || strings.Count(string(raw), `"itemCount"`) != 1 {
		t.Errorf("Marshal: %s", raw)
	}
	got, err := manifest.ParseSummary("s", raw)
	if err != nil {
		t.Fatalf("ParseSummary: %v\n%s", err, raw)
	}
	if got.ItemCount != 3 || len(got.Extra) != 0 {
		t.Errorf("parsed itemCount %d, extra %v", got.ItemCount, got.Extra)
	}
}
