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
//     "Metadata" holding "WriteTimestampMicros":{"N":"<integer>"} (a bare
//     number is not the format, export-format.md §6.3), a non-empty "Keys",
//     and "OldImage" and/or "NewImage"; anything else is
//     codec.ErrRecordShape. Unknown keys inside Metadata are skipped.
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
