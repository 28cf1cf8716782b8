// Package s3 is a store.Store over the objects of an Amazon S3 bucket (or
// an S3-compatible store) under a key prefix, with aws-sdk-go-v2.
//
// Keys are relative to the prefix, as localfs's keys are relative to its
// root: with the prefix "exports/2026", the key "AWSDynamoDB/x/_started"
// is the S3 object exports/2026/AWSDynamoDB/x/_started. String gives
// s3://bucket/prefix.
//
// # Reading
//
// Open streams GetObject; nothing is held whole in memory. The first
// response fixes the object's ETag and size. When the body fails before
// its end (a connection cut or reset, no data for Options.ReadTimeout, a
// 5xx on the next request), the read resumes from the byte reached with a
// ranged GetObject ("Range: bytes=N-") that carries the first ETag in
// If-Match, and checks the answer's ETag and Content-Range: the bytes read
// are exactly the object's, in order, never a mix of two versions. An
// object replaced or removed meanwhile fails the read with an error
// wrapping ErrChanged. Faults are retried with exponential backoff and
// jitter, at most Options.MaxRetries times in a row without progress;
// throttling (503 SlowDown) waits longer and has four times the budget,
// so it slows a run instead of failing it. (The SDK's own retryer retries
// each request first, as configured on the client.)
//
// An object larger than Options.ParallelThreshold (64 MiB) is read as
// ranged GetObjects ("Range: bytes=a-b") of Options.ChunkSize (8 MiB),
// Options.Parallel (4) at a time, so that one large file is not bound by
// one connection's throughput. The first response gives the size, the ETag
// and chunk 0; every other chunk is pinned to that ETag with If-Match and
// checked by its ETag and Content-Range, and resumes after faults exactly
// as a whole-object read does, with a retry budget of its own; when S3
// throttles one chunk (503 SlowDown), the object's other chunks hold back
// as long before their next request, so the object slows down as a
// whole. The chunks
// reach the reader strictly in order, so the MD5 and the decoder see the
// object's bytes as one stream; a chunk of a changed object fails the read
// with ErrChanged after the bytes before it, never with bytes of the new
// version. Each open large object holds at most Parallel × ChunkSize
// bytes (32 MiB), in buffers reused across reads. Close cancels the
// chunks in flight and returns when their goroutines have ended. Smaller
// objects are read with one GetObject, as above.
//
// # Writing
//
// Create streams what is written into an upload through a pipe: objects
// smaller than Options.PartSize go in one PutObject, larger ones in a
// multipart upload of parts of that size, a few in flight, so memory is
// bounded by (Options.UploadConcurrency+1) parts per writer, whatever the
// object's size. The object appears under its key only when Commit
// succeeds; Abort ends the upload with an error, and the multipart upload
// is aborted, so nothing is published.
//
// # Listing
//
// List pages through ListObjectsV2 and yields the keys below the prefix in
// S3's order, which is lexicographic; keys that store.CheckKey rejects
// (such as folder markers ending in "/") are skipped, as localfs skips
// names that are not keys.
//
// # Errors
//
// A missing object wraps store.ErrNotExist (as HeadObject answers 404 for
// a missing bucket too, Stat cannot tell the two apart; List can). Missing
// or refused credentials, access denied, no such bucket and a wrong region
// are *Error values of the kinds ErrNoCredentials, ErrBadCredentials,
// ErrAccessDenied, ErrNoSuchBucket and ErrWrongRegion, whose one-line
// message says what to fix. Options.RequesterPays and
// Options.ExpectedBucketOwner are sent with every request.
package s3
