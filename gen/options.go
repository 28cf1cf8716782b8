package gen

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
)

// Kind is the type of export to generate.
type Kind uint8

const (
	// Full is a full export (FULL_EXPORT): one record per item.
	Full Kind = iota
	// Incremental is an incremental export (INCREMENTAL_EXPORT): one change
	// record per changed item in the export window.
	Incremental
)

// String returns "full" or "incremental".
func (k Kind) String() string {
	switch k {
	case Full:
		return "full"
	case Incremental:
		return "incremental"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind parses "full" or "incremental" (also FULL_EXPORT and
// INCREMENTAL_EXPORT), case-insensitively.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "full", "full_export":
		return Full, nil
	case "incremental", "incremental_export", "incr":
		return Incremental, nil
	}
	return 0, fmt.Errorf("gen: unknown export kind %q (want full or incremental)", s)
}

// A Key is one attribute of the table's primary key.
type Key struct {
	Name string     // attribute name
	Type codec.Type // TypeS, TypeN or TypeB; the zero Type means TypeS
}

// KeySchema is the table's primary key.
type KeySchema struct {
	// Partition is the partition (hash) key; a zero Name means "pk".
	Partition Key
	// Sort is the optional sort (range) key; a zero Name means none. With
	// a sort key, items come in collections of up to 4 sharing a partition
	// key value.
	Sort Key
}

// HasSort reports whether the schema has a sort key.
func (k KeySchema) HasSort() bool { return k.Sort.Name != "" }

// Defaults and limits of Options.
const (
	// DefaultFiles is the default number of data files, as in the real
	// small exports seen (export-format.md §1.1).
	DefaultFiles = 4
	// MaxItemBytes is DynamoDB's item size limit, 400 KB (409,600 bytes),
	// and the default of Options.MaxItemBytes.
	MaxItemBytes = 400 << 10
	// MinItemBytes is the smallest Options.MaxItemBytes accepted: room for
	// the keys and a few attributes.
	MinItemBytes = 256
	// DefaultWindow is an incremental export's default window.
	DefaultWindow = time.Hour
	// MinWindow and MaxWindow bound an incremental export's window
	// (API-INC: at least 15 minutes, at most 24 hours).
	MinWindow = 15 * time.Minute
	MaxWindow = 24 * time.Hour
	// DefaultMaxOpenFiles is the default of Options.MaxOpenFiles.
	DefaultMaxOpenFiles = 32
	// DefaultTable, DefaultBucket, DefaultRegion and DefaultAccount name
	// the generated export's table, bucket and ARNs by default.
	DefaultTable   = "ddbexport-gen"
	DefaultBucket  = "ddbexport-gen"
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// baseTime is the start of the default export times: ExportTime defaults
// to baseTime plus an offset derived from the seed, within 300 days.
var baseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Options configures a generated export. The zero value is a valid full
// export of no items in 4 empty data files; every field's default is in
// its comment. The same Options (Seed included) always give the same
// bytes, whatever Workers and MaxOpenFiles are.
type Options struct {
	// Items is the number of records: items of a full export, changed
	// items of an incremental one. 0 means none; negative is an error.
	Items int
	// Files is the number of data files (the table's partitions); 0 means
	// DefaultFiles (4). Items go to files by a hash of their partition key,
	// so some files may be empty, as DynamoDB's often are.
	Files int
	// Kind is Full (the default) or Incremental.
	Kind Kind
	// View is an incremental export's output view: manifest.ViewNewAndOldImages
	// (the default, also for "") or manifest.ViewNewImage. It must be
	// empty for a full export.
	View string
	// Keys is the table's key schema; the zero value is a partition key
	// "pk" of type S and no sort key.
	Keys KeySchema
	// Shape is the shape of items: ShapeVaried (the default), random
	// attribute names and types for decoder tests, or ShapeTable, the
	// stable attributes and types of one realistic table for converters
	// that infer a schema. See the package documentation.
	Shape Shape
	// Seed selects the export: the export ID, ARNs, table ID, times, file
	// names and every record derive from it.
	Seed int64
	// Format is the output format; the zero value means DYNAMODB_JSON.
	// ION needs an ION encoder (see Write).
	Format codec.Format
	// Prefix is the S3 prefix without a trailing "/"; "" means none
	// (s3Prefix null). The export is written under "<Prefix>/AWSDynamoDB/".
	Prefix string
	// Table is the table name; "" means DefaultTable.
	Table string
	// Bucket is the s3Bucket of the summary; "" means DefaultBucket.
	Bucket string
	// Region and Account appear in the ARNs; "" means DefaultRegion and
	// DefaultAccount (a 12-digit account ID).
	Region, Account string
	// ExportTime is a full export's exportTime, or an incremental export's
	// exportToTime (truncated to the second, as the API takes seconds). The
	// zero value means 2026-01-01T00:00:00Z plus an offset of less than 300
	// days derived from Seed; the export's startTime then equals its
	// exportTime, as when no ExportTime is requested from DynamoDB.
	ExportTime time.Time
	// Window is an incremental export's exportToTime − exportFromTime,
	// whole seconds; 0 means DefaultWindow (1 hour). It must lie within
	// [15 minutes, 24 hours], and be zero for a full export.
	Window time.Duration
	// MaxItemBytes bounds every item and image, by DynamoDB's size rules
	// (see ItemSize); 0 means MaxItemBytes, DynamoDB's 400 KB limit. It
	// must lie within [MinItemBytes, MaxItemBytes].
	MaxItemBytes int
	// Workers is the number of goroutines generating records; 0 means
	// GOMAXPROCS. It does not change the output.
	Workers int
	// MaxOpenFiles bounds the data files open at once, each costing about
	// 0.9 MiB (see sink/export); 0 means DefaultMaxOpenFiles (32). With
	// more Files, records are generated in several passes over the key
	// space, one per group of files. It does not change the output.
	MaxOpenFiles int
	// Overwrite lets Write replace an export with the same ID in the store.
	Overwrite bool
}

var (
	tableRE   = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	bucketRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// ErrFormatNotSupported is returned for a format gen has no encoder for:
// ION, until an ION encoder is passed to Write.
var ErrFormatNotSupported = errors.New("gen: ION output is not supported yet (no ION encoder was supplied)")

// resolve validates o and returns it with every default filled in.
func (o Options) resolve() (Options, error) {
	var bad []string
	badf := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if o.Items < 0 {
		badf("Items is %d, want 0 or more", o.Items)
	}
	switch {
	case o.Files < 0:
		badf("Files is %d, want at least 1 (or 0 for %d)", o.Files, DefaultFiles)
	case o.Files == 0:
		o.Files = DefaultFiles
	case o.Files > 1_000_000:
		badf("Files is %d, want at most 1000000", o.Files)
	}
	switch o.Kind {
	case Full:
		if o.View != "" {
			badf("View %q is only for incremental exports", o.View)
		}
		if o.Window != 0 {
			badf("Window is only for incremental exports")
		}
	case Incremental:
		switch o.View {
		case "":
			o.View = manifest.ViewNewAndOldImages
		case manifest.ViewNewAndOldImages, manifest.ViewNewImage:
		default:
			badf("unknown View %q (want %s or %s)", o.View, manifest.ViewNewAndOldImages, manifest.ViewNewImage)
		}
		if o.Window == 0 {
			o.Window = DefaultWindow
		}
		o.Window = o.Window.Truncate(time.Second)
		if o.Window < MinWindow || o.Window > MaxWindow {
			badf("Window %v out of range [%v, %v]", o.Window, MinWindow, MaxWindow)
		}
	default:
		badf("unknown Kind %d", o.Kind)
	}
	if o.Shape != ShapeVaried && o.Shape != ShapeTable {
		badf("unknown Shape %d", o.Shape)
	}
	if o.Keys.Partition.Name == "" {
		o.Keys.Partition.Name = "pk"
	}
	checkKey := func(what string, k *Key) {
		if k.Type == codec.TypeInvalid {
			k.Type = codec.TypeS
		}
		if k.Type != codec.TypeS && k.Type != codec.TypeN && k.Type != codec.TypeB {
			badf("%s key type %v is not S, N or B", what, k.Type)
		}
		if !utf8.ValidString(k.Name) || len(k.Name) > 255 {
			badf("%s key name %q must be 1 to 255 bytes of UTF-8", what, k.Name)
		}
	}
	checkKey("partition", &o.Keys.Partition)
	if o.Keys.Sort.Name == "" {
		if o.Keys.Sort.Type != codec.TypeInvalid {
			badf("sort key type %v without a name", o.Keys.Sort.Type)
		}
	} else {
		checkKey("sort", &o.Keys.Sort)
		if o.Keys.Sort.Name == o.Keys.Partition.Name {
			badf("sort key and partition key are both named %q", o.Keys.Sort.Name)
		}
	}
	switch o.Format {
	case codec.FormatUnknown:
		o.Format = codec.FormatDynamoDBJSON
	case codec.FormatDynamoDBJSON, codec.FormatION:
	default:
		badf("unknown Format %v", o.Format)
	}
	if o.Prefix != "" {
		if err := store.CheckKey(o.Prefix); err != nil {
			badf("Prefix %q must be a relative key without a trailing slash", o.Prefix)
		}
	}
	def := func(p *string, d string) {
		if *p == "" {
			*p = d
		}
	}
	def(&o.Table, DefaultTable)
	def(&o.Bucket, DefaultBucket)
	def(&o.Region, DefaultRegion)
	def(&o.Account, DefaultAccount)
	if !tableRE.MatchString(o.Table) {
		badf("Table %q is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)", o.Table)
	}
	if !bucketRE.MatchString(o.Bucket) {
		badf("Bucket %q is not an S3 bucket name", o.Bucket)
	}
	if !regionRE.MatchString(o.Region) {
		badf("Region %q is not an AWS region", o.Region)
	}
	if !accountRE.MatchString(o.Account) {
		badf("Account %q is not a 12-digit AWS account ID", o.Account)
	}
	if o.MaxItemBytes == 0 {
		o.MaxItemBytes = MaxItemBytes
	}
	if o.MaxItemBytes < MinItemBytes || o.MaxItemBytes > MaxItemBytes {
		badf("MaxItemBytes %d out of range [%d, %d]", o.MaxItemBytes, MinItemBytes, MaxItemBytes)
	}
	if o.Workers < 0 {
		badf("Workers is %d, want 0 or more", o.Workers)
	}
	if o.MaxOpenFiles < 0 {
		badf("MaxOpenFiles is %d, want 0 or more", o.MaxOpenFiles)
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if !o.ExportTime.IsZero() {
		y := o.ExportTime.UTC().Year()
		if y < 2002 || y > 9999 {
			badf("ExportTime %v out of range (years 2002 to 9999)", o.ExportTime)
		}
	}
	if len(bad) > 0 {
		return o, errors.New("gen: " + strings.Join(bad, "; "))
	}
	return o, nil
}
