// Package shape is the shape of a record of a DynamoDB export, whatever
// its format (export-format.md §6, §7): its top-level keys, and which of
// them a record must have. The format decoders share it; each reports the
// errors at its own offsets.
package shape

import "github.com/ddbexport/ddbexport/codec"

// A Key is a top-level key of a record.
type Key int

// The top-level keys; 0 is none.
const (
	Item Key = iota + 1
	Metadata
	Keys
	OldImage
	NewImage
)

// KeyOf returns the top-level key named s, or 0.
func KeyOf(s string) Key {
	switch s {
	case "Item":
		return Item
	case "Metadata":
		return Metadata
	case "Keys":
		return Keys
	case "OldImage":
		return OldImage
	case "NewImage":
		return NewImage
	}
	return 0
}

// Image returns the field of rec that holds the item under k, or nil for
// Metadata.
func (k Key) Image(rec *codec.Record) *codec.Item {
	switch k {
	case Item:
		return &rec.Item
	case Keys:
		return &rec.Keys
	case OldImage:
		return &rec.OldImage
	case NewImage:
		return &rec.NewImage
	}
	return nil
}

// Seen is the set of the top-level keys of a record read so far.
type Seen [NewImage + 1]bool

// ChangeKey returns the name of the first key of an incremental export's
// record in s, for an error about a record that mixes it with Item.
func (s *Seen) ChangeKey() string {
	switch {
	case s[Metadata]:
		return "Metadata"
	case s[Keys]:
		return "Keys"
	case s[OldImage]:
		return "OldImage"
	}
	return "NewImage"
}

// Check returns nil if a record of an export of kind may have exactly the
// top-level keys s, else an error wrapping codec.ErrRecordShape. Which
// keys go together (Item with no other) is checked as each is read.
func (s *Seen) Check(kind codec.Kind) error {
	switch {
	case s[Item]:
	case s[Metadata] || s[Keys] || s[OldImage] || s[NewImage]:
		if !s[Metadata] {
			return codec.Errorf(codec.ErrRecordShape, "no \"Metadata\"")
		}
		if !s[Keys] {
			return codec.Errorf(codec.ErrRecordShape, "no \"Keys\"")
		}
		// A record with Keys and no image is a delete in an export with
		// view NEW_IMAGE (by analogy with DynamoDB Streams; no public
		// sample shows one). Whether the view allows it is verify's check.
	default:
		switch kind {
		case codec.KindFull:
			return codec.Errorf(codec.ErrRecordShape, "no \"Item\"")
		case codec.KindChange:
			return codec.Errorf(codec.ErrRecordShape, "no \"Metadata\", \"Keys\" or image")
		}
		return codec.Errorf(codec.ErrRecordShape, "neither \"Item\" nor \"Keys\"")
	}
	return nil
}
