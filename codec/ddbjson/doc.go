// Package ddbjson reads and writes DynamoDB's DYNAMODB_JSON export format:
// one record per line, {"Item":{…}} in a full export and
// {"Metadata":{…},"Keys":{…},"OldImage":{…},"NewImage":{…}} in an
// incremental one, every value typed as {"S":"…"}, {"N":"…"} and so on
// (export-format.md §6).
package ddbjson
