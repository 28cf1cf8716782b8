package verify_test

import (
	"context"
	"fmt"

	_ "github.com/ddbexport/ddbexport/codec/ddbjson" // decodes DYNAMODB_JSON
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/verify"
)

// Verify the small export shipped in testdata/: find it under the folder
// that plays the bucket, check it, and read the report.
func ExampleVerify() {
	ctx := context.Background()
	st := localfs.New("../testdata/export")
	refs, err := manifest.Find(ctx, st, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := verify.Verify(ctx, st, refs[0], verify.Options{})
	if err != nil {
		fmt.Println("could not check:", err)
		return
	}
	fmt.Println(rep.Export.ID, rep.Export.Table, rep.Export.Type)
	fmt.Println(rep.Status, rep.Totals.FilesRead, "files,", rep.Totals.Items, "items, exit code", rep.ExitCode())
	// Output:
	// 01773900875413-a208b915 orders FULL_EXPORT
	// intact 4 files, 12 items, exit code 0
}
