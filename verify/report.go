package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Schema names the version of the JSON report. It changes only when a
// field is removed or changes meaning; new fields may be added within a
// version.
const Schema = "ddbexport.verify/v1"

// Finding kinds. A Finding's Kind is one of these stable names.
const (
	KindMissingFile              = "missing_file"               // a data file (or manifest) listed but absent
	KindExtraFile                = "extra_file"                 // a file in a full export's data/ that the manifest does not list
	KindChecksumMismatch         = "checksum_mismatch"          // MD5 of the stored bytes differs from md5Checksum
	KindETagMismatch             = "etag_mismatch"              // a derivable etag differs from the one md5Checksum implies
	KindCountMismatch            = "count_mismatch"             // records in a data file differ from its itemCount
	KindSummaryCountMismatch     = "summary_count_mismatch"     // the summary's itemCount differs from the sum over files
	KindManifestChecksumMismatch = "manifest_checksum_mismatch" // a manifest's .md5 file does not match it
	KindManifestInvalid          = "manifest_invalid"           // a manifest, or one of its lines, cannot be parsed
	KindDecodeError              = "decode_error"               // a record breaks a rule of the format (see Reason)
	KindUnsafeKey                = "unsafe_key"                 // a key that would leave the export's root; not read
	KindUnfinishedExport         = "unfinished_export"          // _started without manifest-summary.json
	KindDuplicateEntry           = "duplicate_entry"            // a data file listed twice
	KindKeyMismatch              = "key_mismatch"               // an incremental record's Keys disagree with an image
	KindTimestampOutOfWindow     = "timestamp_out_of_window"    // WriteTimestampMicros outside the export window
	KindExtensionMismatch        = "extension_mismatch"         // a data file's extension contradicts outputFormat
	KindSchemaMismatch           = "schema_mismatch"            // a record does not fit the schema of a conversion
	KindChangedDuringRun         = "changed_during_run"         // a data file differs between two passes of one run
	KindChangedObject            = "changed_object"             // a data file was replaced while it was read (its ETag changed)
)

// Warning kinds: what could not be checked. Warnings leave the exit code
// at 0 unless Options.Strict.
const (
	WarnMissingChecksumFile = "missing_checksum_file" // no .md5 (or .checksum) file for a manifest
	WarnETagUnverifiable    = "etag_unverifiable"     // a multipart (-N, N>1) or KMS etag, or none
	WarnMissingStarted      = "missing_started"       // no _started file (users may delete it)
	WarnExportIDMismatch    = "export_id_mismatch"    // the ARN's export ID is not the folder's name
	WarnUnexpectedLocation  = "unexpected_location"   // a data file not where DynamoDB writes them
	WarnOSFile              = "os_file"               // .DS_Store, ._*, Thumbs.db, desktop.ini in data/
)

// KindIOError is the kind of the entries of Report.Errors: a file that
// could not be read.
const KindIOError = "io_error"

// KindUnsupported is the kind of the entry of Report.Errors for records
// that were counted but not decoded, their format having no decoder yet.
const KindUnsupported = "unsupported_format"

// A Finding is one problem (or, in Warnings, one thing that could not be
// checked).
type Finding struct {
	Kind string `json:"kind"`
	// File is the object's S3 key as the export's manifests name it
	// ("<s3Prefix>/AWSDynamoDB/…"), whatever local path the export was
	// read from.
	File string `json:"file"`
	// ManifestLine is the line of manifest-files.json that lists File, for
	// findings about a listed data file.
	ManifestLine int64 `json:"manifestLine,omitempty"`
	// Line and Offset locate a problem inside File: the 1-based line, and
	// the byte offset in the decompressed content.
	Line     int64  `json:"line,omitempty"`
	Offset   *int64 `json:"offset,omitempty"`
	Path     string `json:"path,omitempty"`
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message"`

	// Sort is the finding's place in the export's stable order, in a
	// shard's report only (see Merge).
	Sort *SortKey `json:"sort,omitempty"`

	order          sortKey
	fileIsStoreKey bool // File is a store key, named by S3 key when the report is done
}

// ExportInfo identifies the export a report is about.
type ExportInfo struct {
	ID              string `json:"id"`
	ARN             string `json:"arn,omitempty"`
	Table           string `json:"table,omitempty"`
	TableARN        string `json:"tableArn,omitempty"`
	Type            string `json:"type,omitempty"`
	Format          string `json:"format,omitempty"`
	View            string `json:"view,omitempty"`
	ExportTime      string `json:"exportTime,omitempty"`
	ExportFromTime  string `json:"exportFromTime,omitempty"`
	ExportToTime    string `json:"exportToTime,omitempty"`
	StartTime       string `json:"startTime,omitempty"`
	EndTime         string `json:"endTime,omitempty"`
	S3Bucket        string `json:"s3Bucket,omitempty"`
	S3Prefix        string `json:"s3Prefix,omitempty"`
	ManifestVersion string `json:"manifestVersion,omitempty"`
	Location        string `json:"location"`
}

// Totals counts what was read.
type Totals struct {
	Files             int64 `json:"files"`                 // data files listed in the manifest
	FilesRead         int64 `json:"filesRead"`             // data files read whole
	Items             int64 `json:"items"`                 // records read
	ManifestItems     int64 `json:"manifestItems"`         // the summary's itemCount
	StoredBytes       int64 `json:"storedBytes"`           // stored (compressed) bytes read
	UncompressedBytes int64 `json:"uncompressedBytes"`     // decompressed bytes read
	DecodeErrors      int64 `json:"decodeErrors"`          // records with a decode_error, listed or not
	FilesListed       int64 `json:"filesListed,omitempty"` // --listing: data files found by the listing
}

// A Report is the result of verifying one export.
type Report struct {
	Schema string     `json:"schema"`
	Export ExportInfo `json:"export"`
	Mode   string     `json:"mode"`   // "full" (every record decoded), "quick" (counted) or "listing" (not read)
	Status string     `json:"status"` // "intact", "findings" or "incomplete"
	// NotChecked says what this mode did not check, for a listing.
	NotChecked []string `json:"notChecked,omitempty"`
	// Shard is set in the report of one shard of a run (Options.Shard):
	// it covers the data files of that shard only, and Merge combines
	// the shards' reports into the whole export's.
	Shard    *ShardInfo `json:"shard,omitempty"`
	Totals   Totals     `json:"totals"`
	Findings []Finding  `json:"findings"`
	Warnings []Finding  `json:"warnings"`
	// Errors lists what could not be checked (I/O, permissions): the
	// report is then incomplete.
	Errors []Finding `json:"errors"`
}

// Exit codes of the verify command.
const (
	ExitIntact     = 0 // verified, no findings
	ExitFindings   = 1 // findings: the export does not match its manifest
	ExitIncomplete = 2 // could not check (usage, unreadable path, I/O)
)

// KindCannotCheck is the kind of the entry of Report.Errors in a report of
// an export that could not be checked at all (see NewErrorReport).
const KindCannotCheck = "cannot_check"

// NewErrorReport returns the report of an export that could not be checked
// at all, such as a path that holds no export: status "incomplete", one
// error. Scripts reading --json output get a report in every case.
func NewErrorReport(location string, err error) *Report {
	return &Report{
		Schema:   Schema,
		Export:   ExportInfo{Location: location},
		Mode:     "full",
		Status:   "incomplete",
		Findings: []Finding{},
		Warnings: []Finding{},
		Errors:   []Finding{{Kind: KindCannotCheck, File: location, Message: err.Error()}},
	}
}

// ExitCode maps the report to the documented exit code: 1 if there are
// findings, else 2 if something could not be checked, else 0.
func (r *Report) ExitCode() int {
	switch {
	case len(r.Findings) > 0:
		return ExitFindings
	case len(r.Errors) > 0:
		return ExitIncomplete
	}
	return ExitIntact
}

// WriteJSON writes the report as one indented JSON document and a newline.
// The same export gives byte-identical output.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes a human-readable report.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	e := r.Export
	fmt.Fprintf(&b, "export    %s", e.ID)
	if e.Table != "" {
		fmt.Fprintf(&b, " (table %s)", e.Table)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "location  %s\n", e.Location)
	if e.Type != "" {
		kind := strings.ToLower(strings.TrimSuffix(e.Type, "_EXPORT"))
		fmt.Fprintf(&b, "type      %s", kind)
		if e.Format != "" {
			fmt.Fprintf(&b, ", %s", e.Format)
		}
		if e.View != "" {
			fmt.Fprintf(&b, ", %s", e.View)
		}
		b.WriteByte('\n')
	}
	switch {
	case e.ExportTime != "":
		fmt.Fprintf(&b, "time      %s\n", e.ExportTime)
	case e.ExportFromTime != "":
		fmt.Fprintf(&b, "window    %s to %s\n", e.ExportFromTime, e.ExportToTime)
	}
	t := r.Totals
	mode := "decoded and validated"
	if r.Mode == "quick" {
		mode = "counted (quick)"
	}
	if r.Shard != nil {
		fmt.Fprintf(&b, "shard     %d of %d (data files by %s; merge the shards' --json reports with ddbexport report merge)\n", r.Shard.Index, r.Shard.Count, r.Shard.Method)
	}
	if r.Mode == "listing" {
		fmt.Fprintf(&b, "listed    %d of %d data files present (listing only: no data read)\n", t.FilesListed, t.Files)
		for _, n := range r.NotChecked {
			fmt.Fprintf(&b, "NOT CHECKED %s\n", n)
		}
	} else {
		fmt.Fprintf(&b, "checked   %d of %d data files, %d items %s, %s stored, %s uncompressed\n",
			t.FilesRead, t.Files, t.Items, mode, humanBytes(t.StoredBytes), humanBytes(t.UncompressedBytes))
	}
	section := func(title string, fs []Finding) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(fs))
		for _, f := range fs {
			kind := f.Kind
			if f.Reason != "" {
				kind += " (" + f.Reason + ")"
			}
			fmt.Fprintf(&b, "  %-26s %s", kind, f.File)
			if f.Line > 0 {
				fmt.Fprintf(&b, ":%d", f.Line)
			}
			if f.ManifestLine > 0 {
				fmt.Fprintf(&b, " (manifest-files.json line %d)", f.ManifestLine)
			}
			if f.Offset != nil {
				fmt.Fprintf(&b, " (offset %d)", *f.Offset)
			}
			if f.Path != "" {
				fmt.Fprintf(&b, " at %s", f.Path)
			}
			b.WriteString("\n      ")
			b.WriteString(f.Message)
			switch {
			case f.Expected != "" && f.Actual != "":
				fmt.Fprintf(&b, " (expected %s, got %s)", f.Expected, f.Actual)
			case f.Expected != "":
				fmt.Fprintf(&b, " (expected %s)", f.Expected)
			case f.Actual != "":
				fmt.Fprintf(&b, " (got %s)", f.Actual)
			}
			b.WriteByte('\n')
		}
	}
	section("FINDINGS", r.Findings)
	section("WARNINGS (not checkable)", r.Warnings)
	section("ERRORS (could not check)", r.Errors)
	b.WriteByte('\n')
	switch r.ExitCode() {
	case ExitIntact:
		if r.Mode == "listing" {
			fmt.Fprintf(&b, "OK: the listing agrees with the manifests (%d warnings; content not checked)\n", len(r.Warnings))
			break
		}
		if len(r.Warnings) > 0 {
			fmt.Fprintf(&b, "OK: intact (%d warnings)\n", len(r.Warnings))
		} else {
			b.WriteString("OK: intact\n")
		}
	case ExitFindings:
		fmt.Fprintf(&b, "FAILED: %d findings\n", len(r.Findings))
	default:
		fmt.Fprintf(&b, "INCOMPLETE: %d files could not be checked\n", len(r.Errors))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
