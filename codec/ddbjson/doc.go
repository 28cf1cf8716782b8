// Package ddbjson reads and writes DynamoDB's DYNAMODB_JSON export format:
// one record per line, {"Item":{…}} in a full export and
// {"Metadata":{…},"Keys":{…},"OldImage":{…},"NewImage":{…}} in an
// incremental one, every value typed as {"S":"…"}, {"N":"…"} and so on
// (export-format.md §6).
//
// # Decoding
//
// [Decoder] reads decompressed data (see codec.Open) line by line with a
// hand-written scanner that validates while it decodes, in one pass, and
// reports the first broken rule of a line as a *codec.DecodeError with the
// byte offset of the problem and the attribute path, such as
// Item.tags.SS[1]. The rules:
//
//   - Lines end in '\n' (a '\r' before it is whitespace); an empty line is
//     codec.ErrEmptyLine; a line longer than DecodeOptions.MaxRecord is
//     codec.ErrRecordTooLong and is skipped without being buffered.
//   - A line is one JSON object (codec.ErrSyntax otherwise, and
//     codec.ErrTrailingData for anything after it): {"Item":{…}}, or
//     "Metadata" holding "WriteTimestampMicros":{"N":"…"} (a bare number
//     is not the format, export-format.md §6.3), "Keys", and "OldImage"
//     and/or "NewImage"; anything else is codec.ErrRecordShape. The
//     timestamp's N may use any number notation ("1.6999992001E+15",
//     "1768387654353205.0") but its value must be an integer in
//     [0, 2^63-1]. The Item, Keys and images must each hold at least one
//     attribute (an item always has its key attributes, and an image is a
//     whole item): an empty one is codec.ErrRecordShape. Unknown keys
//     inside Metadata are skipped.
//   - Attribute names are at least one character long (DynamoDB's naming
//     rules), at the top level of an Item, Keys or image and as the names
//     of an M's members alike, since those are attribute names in document
//     paths: an empty name is codec.ErrValue, at the name.
//   - A value is an object with exactly one of the ten case-sensitive type
//     descriptors (codec.ErrTypeCount, codec.ErrUnknownType), holding the
//     right JSON type (codec.ErrValue): numbers valid per codec.CheckNumber
//     (codec.ErrNumber), binaries canonical padded standard base64
//     (codec.ErrBase64), NULL true, sets non-empty (codec.ErrEmptySet) and
//     without duplicates, numbers compared by value
//     (codec.ErrDuplicateInSet), map and item names unique
//     (codec.ErrDuplicateName), strings valid UTF-8 including \u escapes
//     (codec.ErrUTF8), nesting at most MaxDepth (codec.ErrTooDeep).
//
// Whitespace between tokens, any key order and every JSON escape are
// accepted everywhere, type descriptors and record keys included.
// [DecodeRecord] decodes a single line.
package ddbjson
