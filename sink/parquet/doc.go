// Package parquet writes the items of a DynamoDB export as Parquet files
// with a typed schema, through Apache Arrow's Parquet writer (arrow-go).
//
// # Schema
//
// A Schema is inferred from the data (Inferrer: one pass over the export,
// in parallel, merging one Inferrer per worker) or read from a file that a
// user wrote or edited (ReadSchema). Each top-level attribute is a column,
// the table's keys first where they are known. A slot (attribute, map
// field, list elements) of one DynamoDB type becomes a column of that
// type:
//
//	S          string
//	N          int64 where every value is an integer that fits, else
//	           decimal128(38, S) where every value fits a common scale S,
//	           else the exact decimal text as a string (InferOptions.Numbers
//	           chooses decimal, string, or, lossy and only on request, double)
//	B          binary
//	BOOL       bool
//	NULL       bool, always true: a NULL reads back as true, a missing
//	           attribute as null
//	SS, NS, BS list of string, of the number type, of binary
//	L          list of the elements' slot
//	M          struct of the union of its fields, recursively; a map with
//	           more than InferOptions.MaxFields distinct fields, or always
//	           empty, is DynamoDB JSON text instead
//
// A slot whose values have several types is a struct with one child per
// type, named by the type in lower case (price.s, price.n, price.null,
// …), of which exactly one is set; with InferOptions.Mixed set to
// MixedJSON it is DynamoDB JSON text instead. A missing attribute or field
// is null. The DynamoDB types are kept in each file's key-value metadata
// (MetaSchema) and in _schema.json.
//
// An incremental export's rows are one per record: op (INSERT, MODIFY or
// REMOVE), write_time (timestamp, microseconds, UTC), the key columns,
// then new_image and old_image, structs of the image attributes, null
// where the record has no such image.
//
// # Output
//
// A Writer takes records from many goroutines, one Partition per source
// data file, and fills Parquet files of about Options.TargetFileSize,
// packing small data files together. Partitions written at once write
// files of their own; Close gathers the rows of those that never reached
// a batch into one, so that a small export gives one file, not one per
// worker. Each file is written under a
// temporary name that no *.parquet glob matches and published whole; a
// record of each published file goes to _parts/. Close writes
// _manifest.json then _SUCCESS, last. A record that does not fit the
// schema is a *codec.RejectError naming its attribute path; nothing more
// is written after it, but the other records are still checked.
//
// Resume continues an interrupted output: it keeps each published file
// whose source data files were all written whole and removes the rest, so
// that no row is ever written twice.
//
// Records are shredded (Dremel's record shredding, which Parquet's nested
// columns are) straight into the leaf columns of the file's Parquet
// schema, their definition and repetition levels and values, and each
// batch of rows is written column by column into the current row group:
// no Arrow arrays are built on the way. The Parquet schema is the one
// pqarrow derives from the rows' Arrow schema, which each file also
// stores (ARROW:schema), so that readers into Arrow see the same types.
// Each column chunk's statistics (min, max, null count) are those of its
// values.
//
// Memory is bounded by the options, not by the export: each worker holds
// one row group being encoded (Options.RowGroupSize) and one batch of rows
// being shredded (8 MiB of input); HeapBound says how much heap that
// takes.
//
// # Compression
//
// Pages are zstd-compressed by default (Options.Compression; snappy, lz4,
// gzip and none on request, CheckCompression says which levels each
// has). Built with cgo, the package registers with Arrow a zstd codec that
// compresses with libzstd, 1.5 times as fast as Arrow's pure-Go encoder on
// exports, for every Parquet file the process writes; decoding stays
// Arrow's. Without cgo, or with the ddbexport_purego build tag, Arrow's
// own codec is used. ZstdEncoder says which a build has.
package parquet
