// Package ion reads and writes DynamoDB's ION export format: Amazon Ion
// text, one record per line, $ion_1_0 {Item:{…}} in a full export
// (export-format.md §7), numbers as Ion decimals (103., 6d2), sets as
// lists annotated $dynamodb_SS, $dynamodb_NS or $dynamodb_BS.
//
// # Decoding
//
// [Decoder] frames lines like codec/ddbjson and decodes each with a
// hand-written scanner that validates while it decodes. The rules, beyond
// ddbjson's record rules (Item alone in a full record; Metadata, Keys and
// images in an incremental one; no empty Item, Keys or image; no empty or
// duplicate attribute names; trailing data, empty lines, long lines):
//
//   - A line may begin with any number of $ion_1_0 version markers (none
//     is fine), then holds one struct; whitespace, // and /* */ comments
//     are allowed between tokens.
//   - Field names are identifiers, quoted symbols ('my-attr'), strings or
//     concatenated long strings; strings take every Ion escape and long
//     strings (”'a”' ”'b”') concatenate.
//   - N: an Ion decimal in any notation, or an Ion int (decimal, 0x, 0b,
//     underscores between digits), stored in Value.Str in the plain form
//     of PlainNumber ("600" for 6d2, "1.5" for 1.50, "0" for -0.); it must
//     fit DynamoDB's limits (codec.ErrNumber). Ion floats (1e0, nan, +inf)
//     are codec.ErrNumber: DynamoDB writes numbers as decimals.
//   - B: a blob {{base64}}, whitespace allowed inside, padded and
//     canonical (codec.ErrBase64). A clob is codec.ErrValue: DynamoDB
//     never writes one.
//   - NULL: null and every typed null (null.struct, null.string, …).
//     export-format.md does not know DynamoDB's form (§7), so every null
//     is accepted.
//   - Sets: a list annotated $dynamodb_SS (strings), $dynamodb_NS
//     (decimals or ints) or $dynamodb_BS (blobs), non-empty, without
//     duplicates (NS by value). Any other annotation, or more than one, is
//     codec.ErrUnknownType.
//   - S-expressions, timestamps and symbols as values are codec.ErrValue.
//   - WriteTimestampMicros (incremental records, shape unknown for ION,
//     export-format.md §6.3) may be an Ion int, an Ion decimal with an
//     integral value, or a typed {N:"…"}; its value must be an integer in
//     [0, 2^63-1].
//   - Paths name members and elements the Ion way: Item.m.x, Item.l[0],
//     Item.tags[1] (no type wrappers as in DynamoDB JSON).
//
// A line using Ion the scanner leaves aside (local symbol tables, symbol
// IDs such as $10, keywords as field names; in unknown Metadata fields,
// floats, timestamps, radix ints and clobs) is read by
// github.com/amazon-ion/ion-go, written again in plain Ion and decoded by
// the scanner with the same rules. An error ion-go finds on such a line is
// placed where ion-go reports it (in or near the bad token); any other
// error on it, and one ion-go gives no offset for (a symbol ID without
// text), is placed at the start of the line (its path and reason are
// kept). Each line is decoded on its own: a symbol table does not carry
// over to the next line. A '\n' ends a record wherever it is, so an
// escaped line break inside a string cannot occur in a record.
//
// # Encoding
//
// [Encoder] and [AppendRecord] write records as DynamoDB's example does;
// see AppendValue and AppendDecimal for the forms chosen where DynamoDB's
// are unknown.
package ion
