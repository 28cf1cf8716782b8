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
// type and a non-empty value, distinct across the export, then attributes
// of one of two shapes (Options.Shape).
//
// ShapeVaried, the default, is a torture test for decoders: generated
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
// No two items look alike, so a converter inferring one column per
// attribute path finds thousands.
//
// ShapeTable gives the items of one realistic orders table, as an
// application writes them: after the key, attributes of a fixed catalogue
// (an attribute named like a key attribute is left out), each of one type
// in every item, except ext:
//
//	customer    S     always, "CUST-000042"
//	status      S     always, pending, paid, shipped, delivered, cancelled or returned
//	amount      N     always, at most 2 decimals, no trailing zeros: the lines' total
//	quantity    N     always, an integer: the lines' qty summed
//	created_at  S     always, ISO 8601 UTC with milliseconds
//	updated_at  N     always, epoch seconds, after created_at, before the export
//	active      BOOL  always
//	address     M     95%: {street S, city S, zip S, geo M {lat N, lon N}}, geo in 80%
//	lines       L     always, 1 to 5 M {sku S, qty N, price N}
//	tags        SS    60%
//	scores      NS    30%
//	thumbs      BS    10%
//	notes       S     30%, a fifth of them empty, text with Unicode and escapes
//	deleted_at  NULL  5%
//	ext         S/N   80%, S in half, N in the other half: a mixed-type attribute
//	big         N     1%, 38 significant digits or at the exponent limits
//	raw         B     always, 5% empty
//	payload     S     when needed: text padding the item to its drawn size
//
// Attributes are left out from the end (raw, big, …) when the item would
// exceed Options.MaxItemBytes, which happens only with small limits.
//
// Sizes follow DynamoDB's rules ([ItemSize]): most items are 100 B to
// 2 KB, about 5% are 2 KB to 100 KB, and about 1 in 2000 is above 100 KB,
// up to Options.MaxItemBytes (400 KB by default), which no item exceeds.
// (A ShapeTable item without payload is about 200 B to 800 B, so its
// smallest items are larger than drawn.)
//
// # Incremental exports
//
// An incremental export holds one record per changed key (the output is
// compacted), written at a time inside [exportFromTime, exportToTime):
// about 40% inserts (NewImage only), 40% updates and 20% deletes. Under
// NEW_AND_OLD_IMAGES an update has both images, the old one differing by
// changed, added and removed attributes, and a delete has the OldImage
// only. With ShapeTable the old image keeps every attribute's type: its
// created_at and ext are the new image's, its updated_at is earlier, and
// other attributes may differ in value or presence. Under NEW_IMAGE an
// update has the NewImage only, like an insert, and a delete has Keys and
// no image (presumed from DynamoDB Streams: no real NEW_IMAGE export has
// been seen, export-format.md §6.3). Keys always equal the key attributes
// of every image present.
//
// # Partitions
//
// Records go to Options.Files data files by a hash of the partition key,
// so items sharing a partition key share a file and some files may be
// empty, as in real exports. Each data file lists its records in index
// order, whatever Options.Workers and Options.MaxOpenFiles are.
package gen
