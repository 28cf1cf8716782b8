// Package gen generates deterministic synthetic DynamoDB exports, items
// and change records, for `ddbexport gen`, tests and benchmarks.
//
// [Write] writes a whole export through sink/export: full or incremental,
// with or without an S3 prefix, byte-identical for the same [Options]
// (Seed included): export ID, ARNs, table ID, times, data file names and
// every record. A [Source] gives the same records one by one, for tests
// and benchmarks that need items without a store.
//
// # Items
//
// Every item has the table's key attributes (Options.Keys) with the key
// type and a non-empty value, distinct across the export, then generated
// attributes covering all ten types (S, N, B, BOOL, NULL, M, L, SS, NS,
// BS): maps of lists of maps a few levels deep, empty maps and lists,
// empty strings and binaries (outside keys), Unicode text (multi-byte,
// emoji with ZWJ and modifiers, right-to-left scripts and marks,
// combining marks) and characters JSON escapes (quotes, backslashes,
// control characters, U+2028), attribute names with spaces, dashes, dots,
// symbols and Unicode, and numbers across DynamoDB's range (38 significant
// digits, ±1E-130, ±9.9999999999999999999999999999999999999E+125, zero,
// negatives, fractions, exponent forms). Sets are non-empty and free of
// duplicates (number sets by value). Every value passes codec.Validate.
//
// Sizes follow DynamoDB's rules ([ItemSize]): most items are 100 B to
// 2 KB, about 5% are 2 KB to 100 KB, and about 1 in 2000 is above 100 KB,
// up to Options.MaxItemBytes (400 KB by default), which no item exceeds.
//
// # Incremental exports
//
// An incremental export holds one record per changed key (the output is
// compacted), written at a time inside [exportFromTime, exportToTime):
// about 40% inserts (NewImage only), 40% updates and 20% deletes. Under
// NEW_AND_OLD_IMAGES an update has both images, the old one differing by
// changed, added and removed attributes, and a delete has the OldImage
// only. Under NEW_IMAGE an update has the NewImage only, like an insert,
// and a delete has Keys and no image (presumed from DynamoDB Streams:
// no real NEW_IMAGE export has been seen, export-format.md §6.3). Keys
// always equal the key attributes of every image present.
//
// # Partitions
//
// Records go to Options.Files data files by a hash of the partition key,
// so items sharing a partition key share a file and some files may be
// empty, as in real exports. Each data file lists its records in index
// order, whatever Options.Workers and Options.MaxOpenFiles are.
package gen
