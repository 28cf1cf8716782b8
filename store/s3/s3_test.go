package s3_test

import (
	"testing"

	"github.com/ddbexport/ddbexport/store"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestConformance(t *testing.T) {
	srv := s3test.Start(t)
	client := srv.Client(srv.URL)
	t.Run("Bucket", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			return s3store.New(client, srv.NewBucket(t), "", s3store.Options{})
		})
	})
	t.Run("Prefix", func(t *testing.T) {
		bucket := srv.NewBucket(t)
		n := 0
		storetest.Run(t, func(t *testing.T) store.Store {
			n++
			// Siblings of the prefix must not leak into the store.
			outside := s3store.New(client, bucket, "", s3store.Options{})
			storetest.Put(t, outside, "exports/run"+string(rune('a'+n))+"x", []byte("outside"))
			return s3store.New(client, bucket, "exports/run"+string(rune('a'+n)), s3store.Options{})
		})
	})
}
