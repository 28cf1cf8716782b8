// Package codec defines the item model shared by every export format, the
// record shapes of full and incremental exports, the streaming Decoder and
// Encoder contracts, the typed DecodeError, and gzip-aware opening of data
// files.
//
// # Item model
//
// A [Value] is one DynamoDB attribute value of one of the ten types (S, N, B,
// BOOL, NULL, M, L, SS, NS, BS). An [Item] is the list of an item's
// attributes, each a Value carrying its Name. Numbers keep their exact
// decimal text (never float64): up to 38 significant digits and an exponent
// within DynamoDB's range, checked by [CheckNumber]. Binary values hold raw
// bytes.
//
// Maps and items keep attributes in the order they were read: DynamoDB does
// not guarantee an order (export-format.md §6.1, observed in real exports),
// so compare them with [Equal], which ignores the order of map members and
// set elements and compares numbers by value.
//
// # Records
//
// A full export's data file holds one [Record] per line with only Item set.
// An incremental export's records carry Keys, a write timestamp and the
// NewImage and/or OldImage of the changed item.
//
// Implementations of the formats live in subpackages: codec/ddbjson for
// DYNAMODB_JSON.
package codec
