package manifest_test

import (
	"fmt"

	"github.com/ddbexport/ddbexport/manifest"
)

// A single-part upload's ETag follows from the content MD5 that
// md5Checksum holds (the example line of DynamoDB's documentation).
func ExampleETagFor() {
	sum, err := manifest.DecodeMD5("sQMSpEILNgoQmarvDFonGQ==")
	if err != nil {
		panic(err)
	}
	fmt.Println(manifest.ETagFor(sum))
	// Output: af83d6f217c19b8b0fff8023d8ca4716-1
}

// DataKey finds a data file in a store rooted at the bucket folder of
// an export made with S3 prefix demo_prefix.
func ExampleRef_DataKey() {
	ref := manifest.Ref{ID: "01605130432834-8a918b87", Root: "demo_prefix/AWSDynamoDB/"}
	key, err := ref.DataKey("demo_prefix", "demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/vajn3deidy4svdja3fgej2ynay.json.gz")
	fmt.Println(key, err)
	_, err = ref.DataKey("demo_prefix", "demo_prefix/AWSDynamoDB/../../../etc/passwd")
	fmt.Println(err)
	// Output:
	// demo_prefix/AWSDynamoDB/01605130432834-8a918b87/data/vajn3deidy4svdja3fgej2ynay.json.gz <nil>
	// store: unsafe key "demo_prefix/AWSDynamoDB/../../../etc/passwd"
}
