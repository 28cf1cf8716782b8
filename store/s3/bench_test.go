package s3_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/s3/s3test"
	"github.com/ddbexport/ddbexport/verify"
)

// BenchmarkVerify verifies one generated export (table-shaped items, 8
// data files, about 50 MB of records) read from a folder and the same
// export read from the local S3 server, with the same workers
// (GOMAXPROCS). Bytes are the uncompressed records, as ddbexport bench
// counts them. The server serves a folder of the same disk, and runs on
// the same cores: the S3 figure pays for the server too.
//
//	go test -run '^$' -bench BenchmarkVerify ./store/s3/
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	disk := localfs.New(dir)
	ref, _, err := gen.Write(ctx, disk, gen.Options{Items: 20000, Files: 8, Seed: 81, Shape: gen.ShapeTable},
		func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		b.Fatal(err)
	}
	srv := s3test.Start(b)
	bucket := srv.NewBucket(b)
	remote := s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{})
	for o, err := range disk.List(ctx, "") {
		if err != nil {
			b.Fatal(err)
		}
		copyObject(b, disk, remote, o.Key)
	}
	var size int64
	for _, st := range []struct {
		name string
		st   store.Store
	}{{"disk", disk}, {"s3", remote}} {
		b.Run(st.name, func(b *testing.B) {
			opt := verify.Options{Workers: runtime.GOMAXPROCS(0), Location: "bench"}
			rep, err := verify.Verify(ctx, st.st, ref, opt)
			if err != nil || rep.ExitCode() != 0 {
				b.Fatalf("verify: %v, %+v", err, rep)
			}
			if size == 0 {
				size = rep.Totals.UncompressedBytes
			} else if rep.Totals.UncompressedBytes != size {
				b.Fatalf("%d bytes from %s, %d from disk", rep.Totals.UncompressedBytes, st.name, size)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for b.Loop() {
				if _, err := verify.Verify(ctx, st.st, ref, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func copyObject(b *testing.B, from, to store.Store, key string) {
	rc, err := from.Open(context.Background(), key)
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	w, err := to.Create(context.Background(), key)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Abort()
		b.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpenLarge reads one 128 MiB object from the local S3 server
// with one GetObject ("sequential") and as ranged GetObjects of 8 MiB
// chunks, 4 and 8 at a time ("parallel"), to io.Discard. The server runs
// on the same cores as the reader, so it competes with it for them.
//
//	go test -run '^$' -bench BenchmarkOpenLarge ./store/s3/
func BenchmarkOpenLarge(b *testing.B) {
	ctx := context.Background()
	srv := s3test.Start(b)
	bucket := srv.NewBucket(b)
	client := srv.Client(srv.URL)
	const key, size = "big", 128 << 20
	w, err := s3store.New(client, bucket, "", s3store.Options{}).Create(ctx, key)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Write(randomBytes(size, 21)); err != nil {
		b.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		opt  s3store.Options
	}{
		{"sequential", s3store.Options{ParallelThreshold: -1}},
		{"parallel4", s3store.Options{}},
		{"parallel8", s3store.Options{Parallel: 8}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := s3store.New(client, bucket, "", bc.opt)
			b.SetBytes(size)
			for b.Loop() {
				rc, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != size {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
		})
	}
}
