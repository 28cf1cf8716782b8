package manifest_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// realExports returns the folder of real DynamoDB exports shipped beside
// the project (../shared/real-exports from the module root), skipping t
// when it is absent.
func realExports(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "real-exports")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("real DynamoDB exports not found at %s (expected beside the module, see shared/real-exports/README.md)", dir)
	}
	return dir
}

const (
	pfeilExport  = "pfeilbr-2020/demo_prefix/AWSDynamoDB/01605130432834-8a918b87"
	scyllaExport = "scylla-2024/dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1"
)

// readReal reads a file of the real exports by its slash path below
// real-exports.
func readReal(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realExports(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sabuatSummary and gurreIncSummary are real summaries quoted verbatim in
// export-format.md §2 (S-SABUAT full export, S-GURRE incremental export).
const (
	sabuatSummary   = `{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler/export/01668227450456-b6733290","startTime":"2022-11-12T04:30:50.456Z","endTime":"2022-11-12T04:34:56.208Z","tableArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler","tableId":"659732b0-5ce6-4e60-a804-f224014bdef3","exportTime":"2022-11-12T04:30:50.456Z","s3Bucket":"outroslivros","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01668227450456-b6733290/manifest-files.json","billedSizeBytes":0,"itemCount":6,"outputFormat":"DYNAMODB_JSON"}`
	gurreIncSummary = `{"version":"2023-08-01","exportArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test/export/01768386924000-d339e52d","startTime":"2026-01-14T10:35:24.000Z","endTime":"2026-01-14T10:40:27.622Z","tableArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test","tableId":"cf263806-6bf1-4e51-a242-7067dcdecc72","exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:35:00.000Z","s3Bucket":"test-1231x1x","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01768386924000-d339e52d/manifest-files.json","billedSizeBytes":10000000,"itemCount":6,"outputFormat":"DYNAMODB_JSON","outputView":"NEW_AND_OLD_IMAGES","exportType":"INCREMENTAL_EXPORT"}`
)

// gurreFullFiles is the real manifest-files.json of S-GURRE's full export,
// quoted in export-format.md §3.
const gurreFullFiles = `{"itemCount":0,"md5Checksum":"FjvgqIxwymKf1RbbqtrZag==","etag":"7deb4078f238dd87d6af0538152c04e9-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/zqp435kgma323mmasy7jmciuje.json.gz"}
{"itemCount":3,"md5Checksum":"y+zg5fVeudb3R3DOQ+RKgA==","etag":"b5443265c5e545b6c8d8275e0b6f8c15-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/5mrfg3b44e3vhnfickkozoym6a.json.gz"}
{"itemCount":0,"md5Checksum":"FjvgqIxwymKf1RbbqtrZag==","etag":"7deb4078f238dd87d6af0538152c04e9-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/t7sisheiy44edlhcrjd5zqoudu.json.gz"}
{"itemCount":0,"md5Checksum":"FjvgqIxwymKf1RbbqtrZag==","etag":"7deb4078f238dd87d6af0538152c04e9-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/erajd3hco442njqter3ahrxn3e.json.gz"}
`

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
