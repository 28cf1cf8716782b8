// Package manifest reads, writes and locates the metadata of a DynamoDB
// table export: manifest-summary.json, manifest-files.json and their .md5
// files (export-format.md §1–§4).
//
// An export lives in a folder AWSDynamoDB/<ExportId>/ holding _started,
// the manifests and, for a full export, data/. An incremental export's data
// files live in the shared AWSDynamoDB/data/ folder: only manifest-files.json
// says which of them belong to it. Find locates exports in a store, and
// Ref.DataKey maps a manifest's dataFileS3Key to a key in that store,
// whether the local copy kept the S3 prefix or not.
package manifest
