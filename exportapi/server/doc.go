// Package server is a local DynamoDB export service for tests and CI: an
// http.Handler that speaks the DynamoDB JSON 1.0 protocol (POST,
// X-Amz-Target: DynamoDB_20120810.ExportTableToPointInTime, DescribeExport
// or ListExports, application/x-amz-json-1.0), so that any AWS SDK or the
// AWS CLI pointed at it works unchanged. It accepts any credentials and
// checks no signature: never expose it beyond a loopback address.
//
// # Tables
//
// Each [Table] has a key schema, PITR on or off, and a history: items that
// exist from the start of the PITR window (Since) and writes at their
// times, loaded from an items file or an existing export ([LoadItems]).
// ARNs are built from Options.Region and Options.Account; a table ARN that
// names another partition, account, region or table is
// TableNotFoundException.
//
// # Exports
//
// A full export at ExportTime writes the items as they were just before
// that time (writes at earlier times); an incremental export over
// [ExportFromTime, ExportToTime) writes one record per key written in the
// window: its state at the window's start (OldImage, under
// NEW_AND_OLD_IMAGES) and at its end (NewImage, absent for a delete),
// stamped with its last write. A key created and deleted within the
// window has no record. Records go to data files by a hash of the
// partition key. Exports are written through sink/export (layout,
// manifests, checksums, DYNAMODB_JSON or ION) into the store Options.Buckets
// gives for the bucket, asynchronously: the export is IN_PROGRESS, then
// COMPLETED, or FAILED with a FailureCode (S3NoSuchBucket for a bucket
// that does not exist, S3AccessDenied for an S3BucketOwner other than the
// service's account, UNKNOWN otherwise).
//
// # Rules
//
// Parameters are checked as exportapi checks them, and errors are
// answered as DynamoDB answers them ({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":…},
// HTTP 400; InternalServerError is 500): ValidationException for a
// missing, malformed or out-of-range parameter (DynamoDB's message shape:
// "1 validation error detected: Value 'CSV' at 'exportFormat' failed to
// satisfy constraint: …") and for an incremental window under 15 minutes
// or over 24 hours; TableNotFoundException; PointInTimeRecoveryUnavailableException;
// InvalidExportTimeException for a time in the future or before the PITR
// window; IdempotentParameterMismatchException for a ClientToken reused
// within 8 hours with other parameters (the same parameters return the
// first export); LimitExceededException beyond Options.MaxConcurrent
// exports in progress; ExportConflictException for a second export to the
// same bucket and prefix while one is in progress; ExportNotFoundException.
// ListExports lists newest first (reverse order of ExportArn) in pages of
// MaxResults (1 to 25) with an opaque NextToken.
//
// A request that is not one of these (bad JSON, a member of the wrong
// type, an unknown X-Amz-Target, a body over Options.MaxBodyBytes) is
// answered in the same error shape (SerializationException,
// UnknownOperationException, RequestEntityTooLargeException with HTTP 413);
// a panic is an InternalServerError, never a crash. GET / answers
// "healthy", as DynamoDB does, for readiness checks.
package server
