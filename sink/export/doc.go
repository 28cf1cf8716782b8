// Package export writes a complete DynamoDB table export into a
// [store.Store], byte-compatible with what DynamoDB's
// ExportTableToPointInTime writes to S3 (export-format.md §1–§5).
//
// # Layout
//
// The store stands for the bucket: an object's key in the store is its S3
// key. With an S3 prefix p the export lives under "p/AWSDynamoDB/",
// without one under "AWSDynamoDB/":
//
//	AWSDynamoDB/<ExportId>/_started                 0 bytes, written first
//	AWSDynamoDB/<ExportId>/data/<name>.json.gz      full export data files
//	AWSDynamoDB/data/<name>.json.gz                 incremental export data files (shared folder)
//	AWSDynamoDB/<ExportId>/manifest-files.json      one line per data file
//	AWSDynamoDB/<ExportId>/manifest-files.md5
//	AWSDynamoDB/<ExportId>/manifest-summary.json    written last but for its .md5
//	AWSDynamoDB/<ExportId>/manifest-summary.md5
//
// An export whose Writer fails or is aborted keeps its _started and the data
// files already finished, but has no manifests: that is how a failed
// DynamoDB export looks (DOC-REQ: "partial files").
//
// # Data files
//
// Each partition of the table is one gzip data file holding one record per
// line, each line ending in "\n", as written by the caller's
// [codec.Encoder]. The gzip header is DynamoDB's since 2024:
// 1f8b 08 00 00000000 00 ff (no name, MTIME 0, XFL 0, OS 255), so an empty
// partition is the exact 20-byte member whose md5Checksum is
// FjvgqIxwymKf1RbbqtrZag== and etag 7deb4078f238dd87d6af0538152c04e9-1
// (observed in real exports). The MD5 of the stored bytes is computed while
// they stream to the store; nothing is read back.
//
// Data file names are 26 characters of lowercase base32 of 16 random bytes
// plus the format's extension, like every real name seen (their last
// character is always one of a, e, i, m, q, u, y, 4: the 2 padding bits of
// 128 bits in base32, so DynamoDB's names look like encoded UUIDs). The
// randomness comes from [Options.Rand], so a seeded source gives the same
// names every time; [Options.Names] gives names instead, such as those of
// [DataFileName], 16 bytes of a hash in the same shape.
//
// # Parts
//
// An export may be written in parts, by several Writers that never talk to
// each other, as shards on several machines do: each part's Writer has
// [Options.Part] set and [Options.Names] naming its own data files (see
// [DataFileName], which derives a name from, say, the export ID and the
// key of the file it converts, so that a part run again writes the same
// files). The parts share the export folder and its _started; each ends
// with [Writer.CloseFiles], which finishes its data files and writes no
// manifest. Once every part is done, [Finish], given every part's data
// files in manifest order, writes the manifests as Close does, the
// summary last.
//
// # Memory
//
// A [Partition] streams: encoder buffer → gzip → 64 KiB buffer → store
// writer, and holds no records. An open partition costs about 0.9 MiB
// (about 750 KiB of gzip compressor state at the default level, a 64 KiB
// encoder buffer and a 64 KiB output buffer, plus whatever the store
// writer buffers); memory is therefore about (partitions open at once) ×
// 0.9 MiB. Writing partitions one after another keeps one open; compressor
// state is reused between partitions.
package export
