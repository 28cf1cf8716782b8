package export_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// Write a full export of two partitions, one of them left empty, into a
// store, with data file names from a seeded source.
func ExampleNew() {
	ctx := context.Background()
	st := storetest.NewMem()
	start := time.Date(2026, 1, 14, 10, 18, 50, 622e6, time.UTC)
	w, err := export.New(ctx, st, export.Options{
		Summary: manifest.Summary{
			ExportArn: "arn:aws:dynamodb:us-east-1:123456789012:table/books/export/01768385930622-efd1a093",
			TableArn:  "arn:aws:dynamodb:us-east-1:123456789012:table/books",
			TableID:   "cf263806-6bf1-4e51-a242-7067dcdecc72",
			StartTime: start,
			EndTime:   start.Add(4 * time.Minute),
			S3Bucket:  "my-bucket",
			S3Prefix:  "exports",
		},
		Files:      2,
		NewEncoder: func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) },
		Rand:       rand.NewChaCha8([32]byte{}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := w.Partition(ctx, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"103", "104"} {
		if err := p.Write(&codec.Record{Item: codec.Item{codec.N(id).Named("Id"), codec.S("Book " + id).Named("Title")}}); err != nil {
			fmt.Println(err)
			return
		}
	}
	sum, files, err := w.Close(ctx) // partition 1 becomes an empty data file
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Print(string(f.Marshal()))
	}
	fmt.Println(sum.ItemCount, sum.ManifestFilesS3Key)
	// Output:
	// {"itemCount":2,"md5Checksum":"qpsxK2cljrynYeeuOD9LTw==","etag":"801a6ac1df2b44f4716c681dc0f8b042-1","dataFileS3Key":"exports/AWSDynamoDB/01768385930622-efd1a093/data/3gdx5ttng2fkygtpigpmmj6hnm.json.gz"}
	// {"itemCount":0,"md5Checksum":"FjvgqIxwymKf1RbbqtrZag==","etag":"7deb4078f238dd87d6af0538152c04e9-1","dataFileS3Key":"exports/AWSDynamoDB/01768385930622-efd1a093/data/dp5r7i34igqr5jdk3vverweuoq.json.gz"}
	// 2 exports/AWSDynamoDB/01768385930622-efd1a093/manifest-files.json
}
