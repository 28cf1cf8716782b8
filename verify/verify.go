// Package verify proves a DynamoDB export whole and intact against its
// manifests: both .md5 files, the summary's item count against the sum of
// the files', and per data file its presence, the MD5 of its stored bytes,
// its etag where derivable, its record count and (unless quick) every
// record's validity; files the manifest does not list, duplicate and unsafe
// entries; for incremental exports, Keys consistent with the images and
// write timestamps inside the export window.
//
// Problems are Findings in the Report, never errors: checking goes on after
// each. What cannot be checked is a warning. The error of Verify is kept
// for what stops the whole check.
package verify

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/store"
)

// DefaultClockTolerance widens an incremental export's window when checking
// write timestamps: DynamoDB's clock may differ by up to about a minute
// (DynamoDB developer guide, "Requesting a table export").
const DefaultClockTolerance = time.Minute

// Options configures Verify. The zero value decodes every record with every
// core.
type Options struct {
	// Workers is the number of data files read at once; 0 means GOMAXPROCS.
	Workers int
	// Quick counts records without decoding them.
	Quick bool
	// Strict turns warnings into findings.
	Strict bool
	// MaxRecordBytes bounds one record; 0 means codec.DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxProblemsPerFile bounds the findings listed per data file; the rest
	// are counted. 0 means 100.
	MaxProblemsPerFile int
	// ClockTolerance widens the export window for timestamp checks; 0 means
	// DefaultClockTolerance, a negative value none.
	ClockTolerance time.Duration
	// Stats, if set, is updated as data files are read.
	Stats *pipeline.Stats
	// Location describes where the export was found, for the report.
	Location string
	// Sink, if set, receives every good record of each data file as it is
	// verified (see pipeline.Options.Sink): a converter writes the export
	// in another form on the same pass, and keeps the result only when the
	// report has no findings. An error of the sink stops the check and is
	// returned by Verify.
	Sink func(t *pipeline.Task) (pipeline.RecordSink, error)
	// OnManifest, if set, is called once the manifests are read, before any
	// data file is, with the number of data files and their stored bytes.
	OnManifest func(files int, storedBytes int64)
	// Pins, if set, are what an earlier pass of the same run read of each
	// data file, by store key: a file read whole whose size or MD5
	// differs is a changed_during_run finding. A run that reads an export
	// twice (schema inference, then conversion) pins the second pass to
	// the first, so that a file replaced in between is never a mixed
	// output.
	Pins map[string]Pin
	// OnFile, if set, is called with each data file's Result once every
	// file is read, in manifest order: a first pass collects its Pins.
	OnFile func(r *pipeline.Result)
	// Listing checks the export without reading its data files: the
	// manifests are read and checked, then one listing of the folders
	// that hold the data files gives each file's presence, files the
	// manifest does not list, and each object's ETag, compared with the
	// manifest's etag or, for an object copied or uploaded in one part,
	// with the hex of its md5Checksum. A multipart ETag of another part
	// count cannot be compared: a warning. The report's mode is
	// "listing", and its NotChecked says what was not checked.
	Listing bool
	// Shard, if its Count is set, checks only the data files of one
	// shard (see ShardOf); the manifests are checked in every shard. The
	// report records the shard, and each finding's place in the whole
	// export's order, for Merge.
	Shard Shard
}

// A Pin is what one pass read of a data file.
type Pin struct {
	Size int64
	MD5  [16]byte
}

type checker struct {
	ctx     context.Context
	st      store.Store
	ref     manifest.Ref
	opt     Options
	rep     *Report
	summary *manifest.Summary
	// noSummary is set when manifest-summary.json cannot be parsed: the
	// format and export type are then inferred from the files manifest,
	// and the summary's totals are not compared.
	noSummary bool
	// keySchemas holds the key schema of each task's file (incremental
	// exports), as its first record has it.
	keySchemas []keySchema
	// undecoded is set once the unsupported-format error is reported.
	undecoded bool
}

// Verify checks the export ref in st and returns its report. The error is
// for what stops the whole check, such as a cancelled context; everything
// else is in the report.
func Verify(ctx context.Context, st store.Store, ref manifest.Ref, opt Options) (*Report, error) {
	c := &checker{ctx: ctx, st: st, ref: ref, opt: opt, rep: &Report{
		Schema:   Schema,
		Export:   ExportInfo{ID: ref.ID, Location: opt.Location},
		Mode:     "full",
		Findings: []Finding{},
		Warnings: []Finding{},
		Errors:   []Finding{},
	}}
	if opt.Quick {
		c.rep.Mode = "quick"
	}
	if opt.Listing {
		c.rep.Mode = "listing"
		c.rep.NotChecked = []string{notCheckedContent}
	}
	if c.rep.Export.Location == "" {
		c.rep.Export.Location = st.String() + "/" + ref.String()
	}
	if err := c.run(); err != nil {
		return nil, err
	}
	c.finish()
	return c.rep, nil
}

func (c *checker) add(list *[]Finding, order sortKey, f Finding) {
	f.order = order

	*list = append(*list, f)
}

func (c *checker) finding(order sortKey, f Finding) { c.add(&c.rep.Findings, order, f) }
func (c *checker) warning(order sortKey, f Finding) { c.add(&c.rep.Warnings, order, f) }
func (c *checker) failure(order sortKey, f Finding) { c.add(&c.rep.Errors, order, f) }

func (c *checker) run() error {
	ref := c.ref
	summaryKey := ref.Key(manifest.SummaryName)
	if !ref.HasStarted {
		c.warning(sortKey{group: groupExport}, Finding{Kind: WarnMissingStarted, File: ref.Key(manifest.StartedName), fileIsStoreKey: true,
			Message: "no _started file: DynamoDB writes it first, but users may delete it"})
	}
	if !ref.HasSummary {
		c.finding(sortKey{group: groupExport}, Finding{Kind: KindUnfinishedExport, File: summaryKey, fileIsStoreKey: true,
			Message: "_started without manifest-summary.json: the export did not finish, or failed"})
		return nil
	}

	// The summary.
	var s *manifest.Summary
	raw, err := store.ReadAll(c.ctx, c.st, summaryKey, manifest.MaxSummaryBytes)
	var tooLarge *store.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		// DynamoDB's summaries are well under a KiB: this is not one.
		c.finding(sortKey{group: groupSummary}, Finding{Kind: KindManifestInvalid, File: summaryKey, fileIsStoreKey: true,
			Message: fmt.Sprintf("manifest-summary.json is larger than %d bytes: not a summary DynamoDB wrote", manifest.MaxSummaryBytes)})
	case err != nil:
		if c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		c.failure(sortKey{group: groupSummary}, Finding{Kind: KindIOError, File: summaryKey, fileIsStoreKey: true, Message: err.Error()})
		return nil
	default:
		c.checkMD5(groupSummary, summaryKey, md5.Sum(raw))
		s, err = manifest.ParseSummary(summaryKey, raw)
		if err != nil {
			c.finding(sortKey{group: groupSummary}, Finding{Kind: KindManifestInvalid, File: summaryKey, fileIsStoreKey: true, Message: err.Error()})
		}
	}
	if s == nil {
		// Unreadable summary: check what can be checked without it, the
		// files manifest beside it and the data files it lists.
		s = &manifest.Summary{}
		c.noSummary = true
	}
	c.summary = s
	c.describe(s)
	if id := s.ExportID(); id != "" && id != ref.ID {
		c.warning(sortKey{group: groupSummary}, Finding{Kind: WarnExportIDMismatch, File: summaryKey, fileIsStoreKey: true,
			Expected: id, Actual: ref.ID, Message: "the export folder is not named after the export ID of the ARN; its files are read from the folder as found"})
	}

	// The files manifest.
	filesKey := ref.Key(manifest.FilesName)
	if s.ManifestFilesS3Key != "" {
		k, err := ref.Resolve(s, s.ManifestFilesS3Key)
		if err != nil {
			c.finding(sortKey{group: groupSummary}, Finding{Kind: KindUnsafeKey, File: s.ManifestFilesS3Key,
				Message: unsafeKeyMessage + "; " + manifest.FilesName + " beside the summary is read instead"})
		} else {
			filesKey = k
		}
	}
	files, ok := c.readFiles(filesKey)
	if !ok {
		return nil
	}
	return c.checkData(s, files)
}

// checkMD5 checks a manifest's .md5 file (or the documented .checksum
// name) against sum, the MD5 of the manifest's exact bytes.
func (c *checker) checkMD5(group int, key string, sum [md5.Size]byte) {
	ck, err := manifest.CheckMD5(c.ctx, c.st, key, sum)
	switch {
	case err != nil:
		c.failure(sortKey{group: group}, Finding{Kind: KindIOError, File: ck.File, fileIsStoreKey: true, Message: err.Error()})
	case !ck.Found:
		c.warning(sortKey{group: group}, Finding{Kind: WarnMissingChecksumFile, File: ck.File, fileIsStoreKey: true,
			Message: "no " + pathBase(ck.File) + " file: " + pathBase(key) + " cannot be checked against it"})
	case !ck.OK:
		c.finding(sortKey{group: group}, Finding{Kind: KindManifestChecksumMismatch, File: key, fileIsStoreKey: true,
			Expected: truncate(ck.Want, 64), Actual: ck.Got,
			Message: "MD5 of " + pathBase(key) + " does not match " + pathBase(ck.File)})
	}
}

func (c *checker) describe(s *manifest.Summary) {
	e := &c.rep.Export
	if id := s.ExportID(); id != "" {
		e.ID = id
	}
	e.ARN = s.ExportArn
	e.Table = s.TableName()
	e.TableARN = s.TableArn
	e.Type = string(s.Type())
	e.Format = s.OutputFormat
	e.View = s.OutputView
	e.ExportTime = fmtTime(s.ExportTime)
	e.ExportFromTime = fmtTime(s.ExportFromTime)
	e.ExportToTime = fmtTime(s.ExportToTime)
	e.StartTime = fmtTime(s.StartTime)
	e.EndTime = fmtTime(s.EndTime)
	e.S3Bucket = s.S3Bucket
	e.S3Prefix = s.S3Prefix
	e.ManifestVersion = s.Version
	c.rep.Totals.ManifestItems = s.ItemCount
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(manifest.TimeLayout)
}

// readFiles reads manifest-files.json and checks it against its .md5.
func (c *checker) readFiles(key string) ([]manifest.File, bool) {
	files, bad, sum, err := manifest.ReadFiles(c.ctx, c.st, key)
	switch {
	case errors.Is(err, store.ErrNotExist):
		c.finding(sortKey{group: groupFiles}, Finding{Kind: KindMissingFile, File: key, fileIsStoreKey: true,
			Message: "the files manifest is missing: no data file can be checked"})
		return nil, false
	case err != nil:
		c.failure(sortKey{group: groupFiles}, Finding{Kind: KindIOError, File: key, fileIsStoreKey: true, Message: err.Error()})
		return nil, false
	}
	for _, se := range bad {
		c.finding(sortKey{group: groupFiles, line: int64(se.Line)}, Finding{Kind: KindManifestInvalid, File: key, fileIsStoreKey: true,
			Line: int64(se.Line), Message: se.Msg})
	}
	c.checkMD5(groupFiles, key, sum)
	return files, true
}

func (c *checker) checkData(s *manifest.Summary, files []manifest.File) error {
	if c.noSummary {
		inferSummary(s, files)
		c.describe(s)
	}
	format := s.Format()
	if format == codec.FormatUnknown && !c.noSummary {
		c.finding(sortKey{group: groupSummary}, Finding{Kind: KindManifestInvalid, File: c.ref.Key(manifest.SummaryName), fileIsStoreKey: true,
			Actual: s.OutputFormat, Message: "unknown outputFormat: want DYNAMODB_JSON or ION"})
	}
	var tasks []pipeline.Task
	taskIndex := map[string]int{} // store key → index in files
	seen := map[string]int{}      // dataFileS3Key → first line
	listed := map[string]bool{}   // store keys of listed files
	var sum int64
	countsKnown := true
	shard := c.opt.Shard
	var others []pipeline.Task // other shards' files, in order (see compareKeySchemas)
	for i, f := range files {
		order := sortKey{group: groupData, index: i}
		if !shard.owns(f.DataFileS3Key) {
			// Another shard checks this entry; the export-wide checks
			// (the sum of itemCount, files not listed) still count it.
			if _, dup := seen[f.DataFileS3Key]; dup {
				continue
			}
			seen[f.DataFileS3Key] = f.Line
			if f.ItemCount < 0 {
				countsKnown = false
			}
			sum += max(f.ItemCount, 0)
			if key, err := c.ref.Resolve(s, f.DataFileS3Key); err == nil {
				listed[key] = true
				others = append(others, pipeline.Task{File: f, Key: key})
			}
			continue
		}
		c.rep.Totals.Files++
		if first, dup := seen[f.DataFileS3Key]; dup {
			c.finding(order, Finding{Kind: KindDuplicateEntry, File: f.DataFileS3Key, ManifestLine: int64(f.Line),
				Message: fmt.Sprintf("listed again in manifest-files.json (first on line %d)", first)})
			continue
		}
		seen[f.DataFileS3Key] = f.Line
		if f.ItemCount < 0 {
			countsKnown = false // reported as manifest_invalid
		}
		sum += max(f.ItemCount, 0)
		c.checkEntry(order, s, format, f)
		key, err := c.ref.Resolve(s, f.DataFileS3Key)
		if err != nil {
			c.finding(order, Finding{Kind: KindUnsafeKey, File: f.DataFileS3Key, ManifestLine: int64(f.Line),
				Message: unsafeKeyMessage + "; not read"})
			continue
		}
		c.checkLocation(order, s, f, key)
		listed[key] = true
		taskIndex[key] = i
		tasks = append(tasks, pipeline.Task{File: f, Key: key})
	}
	if sum != s.ItemCount && !c.noSummary && countsKnown {
		c.finding(sortKey{group: groupSummary}, Finding{Kind: KindSummaryCountMismatch, File: c.ref.Key(manifest.SummaryName), fileIsStoreKey: true,
			Expected: fmt.Sprint(s.ItemCount), Actual: fmt.Sprint(sum),
			Message: "the summary's itemCount differs from the sum of itemCount in manifest-files.json"})
	}

	// Files in the export's own data/ folder that the manifest does not
	// list (full exports only: incremental exports share AWSDynamoDB/data/).
	// With Listing, the listed files found are kept, for their ETags.
	var found map[string]store.Object
	listedDirs := map[string]bool{}
	if c.opt.Listing {
		found = map[string]store.Object{}
	}
	if !s.Incremental() {
		dataDir := c.ref.Dir() + manifest.DataDir
		listedDirs[dataDir] = true
		for obj, err := range c.st.List(c.ctx, dataDir) {
			if err != nil {
				if c.ctx.Err() != nil {
					return c.ctx.Err()
				}
				c.failure(sortKey{group: groupExtra}, Finding{Kind: KindIOError, File: dataDir, fileIsStoreKey: true, Message: err.Error()})
				break
			}
			if found != nil && listed[obj.Key] {
				found[obj.Key] = obj
			}
			if !listed[obj.Key] && osFile(obj.Key) {
				c.warning(sortKey{group: groupExtra, name: obj.Key}, Finding{Kind: WarnOSFile, File: obj.Key, fileIsStoreKey: true,
					Actual: fmt.Sprintf("%d bytes", obj.Size), Message: "a file an operating system or file manager left in the data/ folder; not part of the export"})
				continue
			}
			if !listed[obj.Key] {
				c.finding(sortKey{group: groupExtra, name: obj.Key}, Finding{Kind: KindExtraFile, File: obj.Key, fileIsStoreKey: true,
					Actual: fmt.Sprintf("%d bytes", obj.Size), Message: "a file in the export's data/ folder that manifest-files.json does not list"})
			}
		}
	}

	if c.opt.Listing {
		return c.checkListing(tasks, taskIndex, found, listedDirs)
	}

	if c.opt.OnManifest != nil {
		var total int64
		for _, t := range tasks {
			if o, err := c.st.Stat(c.ctx, t.Key); err == nil {
				total += o.Size
			}
		}
		c.opt.OnManifest(len(tasks), total)
	}

	popt := pipeline.Options{
		Workers:            c.opt.Workers,
		Quick:              c.opt.Quick,
		Format:             format,
		Kind:               codec.KindFull,
		MaxRecordBytes:     c.opt.MaxRecordBytes,
		MaxProblemsPerFile: c.opt.MaxProblemsPerFile,
		Stats:              c.opt.Stats,
		Sink:               c.opt.Sink,
	}
	if s.Incremental() {
		popt.Kind = codec.KindChange
		popt.Check = c.changeCheck(s, tasks)
	}
	if c.noSummary {
		popt.Kind = codec.KindAny
	}
	if format == codec.FormatUnknown {
		popt.Quick = true
	}
	results, err := pipeline.Run(c.ctx, c.st, tasks, popt)
	if err != nil {
		return err
	}
	for i := range results {
		r := &results[i]
		if c.opt.OnFile != nil {
			c.opt.OnFile(r)
		}
		c.judge(sortKey{group: groupData, index: taskIndex[r.Key]}, *r)
		if pin, ok := c.opt.Pins[r.Key]; ok && !r.Missing && r.IOErr == nil && (pin.Size != r.StoredBytes || pin.MD5 != r.MD5) {
			c.finding(sortKey{group: groupData, index: taskIndex[r.Key]}, Finding{Kind: KindChangedDuringRun, File: r.File.DataFileS3Key,
				Expected: fmt.Sprintf("%d bytes, MD5 %x", pin.Size, pin.MD5), Actual: fmt.Sprintf("%d bytes, MD5 %x", r.StoredBytes, r.MD5),
				Message: "the data file changed between the passes of this run"})
		}
	}
	if err := c.compareKeySchemas(tasks, taskIndex, others, popt); err != nil {
		return err
	}
	return nil
}

// notCheckedContent is what a listing does not check.
const notCheckedContent = "content: no data file was read (--listing), so their MD5 against md5Checksum, their record counts against itemCount, and their records were not checked"

// checkListing checks the data files by a listing of the folders that
// hold them (those not listed yet): presence, and each object's ETag.
func (c *checker) checkListing(tasks []pipeline.Task, taskIndex map[string]int, found map[string]store.Object, listedDirs map[string]bool) error {
	want := make(map[string]bool, len(tasks))
	var dirs []string
	for _, t := range tasks {
		want[t.Key] = true
		dir := t.Key[:strings.LastIndexByte(t.Key, '/')+1]
		if !listedDirs[dir] {
			listedDirs[dir] = true
			dirs = append(dirs, dir)
		}
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		for obj, err := range c.st.List(c.ctx, dir) {
			if err != nil {
				if c.ctx.Err() != nil {
					return c.ctx.Err()
				}
				c.failure(sortKey{group: groupExtra, name: dir}, Finding{Kind: KindIOError, File: dir, fileIsStoreKey: true, Message: err.Error()})
				break
			}
			if want[obj.Key] {
				found[obj.Key] = obj
			}
		}
	}
	noETag := false
	for _, t := range tasks {
		order := sortKey{group: groupData, index: taskIndex[t.Key]}
		obj, ok := found[t.Key]
		if !ok {
			c.finding(order, Finding{Kind: KindMissingFile, File: t.File.DataFileS3Key, ManifestLine: int64(t.File.Line),
				Message: "a data file listed in manifest-files.json is missing"})
			continue
		}
		c.rep.Totals.FilesListed++
		if obj.ETag == "" {
			noETag = true
			continue
		}
		c.checkLiveETag(order, t.File, obj.ETag)
	}
	if noETag {
		c.rep.NotChecked = append(c.rep.NotChecked, "etags: the store keeps none (a local folder), so only the presence of the data files and files the manifest does not list were checked")
	}
	return nil
}

// checkLiveETag compares a stored object's ETag with the manifest's
// entry: it agrees if it is the manifest's etag, or the hex of
// md5Checksum (a copy made in one PUT), or the one-part multipart ETag of
// md5Checksum. A multipart ETag of another part count than the manifest's
// cannot be derived without the part size: a warning.
func (c *checker) checkLiveETag(order sortKey, f manifest.File, live string) {
	file, mline := f.DataFileS3Key, int64(f.Line)
	sum, err := f.MD5()
	if strings.EqualFold(live, f.ETag) {
		return
	}
	if err == nil && (strings.EqualFold(live, hex.EncodeToString(sum[:])) || strings.EqualFold(live, manifest.ETagFor(sum))) {
		return
	}
	_, liveParts, wellFormed := parseETag(live)
	_, parts, _ := parseETag(f.ETag)
	switch {
	case strings.EqualFold(c.summary.S3SseAlgorithm, "KMS"):
		c.warning(order, Finding{Kind: WarnETagUnverifiable, File: file, ManifestLine: mline, Expected: f.ETag, Actual: live,
			Message: "the object's ETag differs from the manifest's, and the export is encrypted with KMS: a copy's ETag is not derived from the MD5, so it cannot be compared without reading the data"})
	case wellFormed && liveParts > 1 && liveParts != parts:
		c.warning(order, Finding{Kind: WarnETagUnverifiable, File: file, ManifestLine: mline, Expected: f.ETag, Actual: live,
			Message: fmt.Sprintf("the object's ETag is a multipart ETag of %d parts: it cannot be compared with the manifest's without the part size (a full verify checks the content MD5)", liveParts)})
	default:
		c.finding(order, Finding{Kind: KindETagMismatch, File: file, ManifestLine: mline, Expected: f.ETag, Actual: live,
			Message: "the object's ETag agrees neither with the manifest's etag nor with md5Checksum: it is not the object exported"})
	}
}

// inferSummary fills what verify needs of an unreadable summary from the
// files manifest: the format from the data files' extensions, the export
// type from where they live (an incremental export's data files are in the
// shared AWSDynamoDB/data/, a full export's in AWSDynamoDB/<id>/data/).
func inferSummary(s *manifest.Summary, files []manifest.File) {
	for _, f := range files {
		if s.OutputFormat == "" {
			if fm := codec.FormatOfKey(f.DataFileS3Key); fm != codec.FormatUnknown {
				s.OutputFormat = fm.String()
			}
		}
		k := f.DataFileS3Key
		if strings.HasPrefix(k, manifest.RootName+"/"+manifest.DataDir) || strings.Contains(k, "/"+manifest.RootName+"/"+manifest.DataDir) {
			s.ExportType = manifest.IncrementalExport
		}
	}
}

// checkEntry checks one manifest line on its own: extension, md5Checksum
// form, etag.
func (c *checker) checkEntry(order sortKey, s *manifest.Summary, format codec.Format, f manifest.File) {
	file, mline := f.DataFileS3Key, int64(f.Line)
	if got := codec.FormatOfKey(file); format != codec.FormatUnknown && got != format {
		c.finding(order, Finding{Kind: KindExtensionMismatch, File: file, ManifestLine: mline,
			Expected: format.Ext(), Actual: pathExt(file),
			Message: "the data file's extension contradicts outputFormat " + s.OutputFormat})
	}
	sum, err := f.MD5()
	if err != nil {
		c.finding(order, Finding{Kind: KindManifestInvalid, File: file, ManifestLine: mline, Actual: f.MD5Checksum,
			Message: "md5Checksum is not a base64 MD5"})
		return
	}
	hexMD5, parts, wellFormed := parseETag(f.ETag)
	switch {
	case f.ETag == "":
		c.warning(order, Finding{Kind: WarnETagUnverifiable, File: file, ManifestLine: mline, Message: "no etag in the manifest"})
	case !wellFormed:
		c.finding(order, Finding{Kind: KindManifestInvalid, File: file, ManifestLine: mline, Actual: f.ETag,
			Message: "the etag is not an S3 ETag: 32 hex digits, then -<part count> for a multipart upload"})
	case strings.EqualFold(s.S3SseAlgorithm, "KMS"):
		c.warning(order, Finding{Kind: WarnETagUnverifiable, File: file, ManifestLine: mline, Actual: f.ETag,
			Message: "the export is encrypted with KMS: its etag is not derived from the MD5"})
	case parts == 0:
		// A single PUT's ETag is the content MD5 itself (DynamoDB writes
		// multipart ETags, -1, but a copy may be plain).
		if want := hex.EncodeToString(sum[:]); !strings.EqualFold(want, hexMD5) {
			c.finding(order, Finding{Kind: KindETagMismatch, File: file, ManifestLine: mline, Expected: want, Actual: f.ETag,
				Message: "the etag (a single-PUT ETag, the content MD5) differs from md5Checksum"})
		}
	case parts == 1:
		if want := manifest.ETagFor(sum); !strings.EqualFold(want, f.ETag) {
			c.finding(order, Finding{Kind: KindETagMismatch, File: file, ManifestLine: mline, Expected: want, Actual: f.ETag,
				Message: "the etag is not the single-part S3 ETag of md5Checksum"})
		}
	default:
		msg := "a multipart etag: the part size is unknown here, so it cannot be derived; the content MD5 is checked instead"
		if c.opt.Listing {
			msg = "a multipart etag: the part size is unknown here, so it cannot be derived from md5Checksum (a full verify checks the content MD5)"
		}
		c.warning(order, Finding{Kind: WarnETagUnverifiable, File: file, ManifestLine: mline, Actual: f.ETag, Message: msg})
	}
}

// checkLocation warns when a data file is not where DynamoDB puts it: under
// the summary's s3Prefix, in the export's own data/ folder for a full
// export, in the shared AWSDynamoDB/data/ for an incremental one.
func (c *checker) checkLocation(order sortKey, s *manifest.Summary, f manifest.File, key string) {
	if c.noSummary {
		return
	}
	want, where := c.ref.Dir()+manifest.DataDir, "the export's own data/ folder"
	if s.Incremental() {
		want, where = c.ref.Root+manifest.DataDir, "the shared AWSDynamoDB/data/ folder"
	}
	var msg string
	switch p := strings.Trim(s.S3Prefix, "/"); {
	case p != "" && !strings.HasPrefix(f.DataFileS3Key, p+"/"):
		msg = "the key does not start with the export's s3Prefix " + strconv.Quote(p)
	case !strings.HasPrefix(key, want) || strings.Contains(key[len(want):], "/"):
		msg = "the data file is not in " + where + ", where DynamoDB writes them"
	default:
		return
	}
	c.warning(order, Finding{Kind: WarnUnexpectedLocation, File: f.DataFileS3Key, ManifestLine: int64(f.Line), Message: msg})
}

// parseETag splits an S3 ETag "<32 hex>[-<parts>]" (parts 0 when there is
// no suffix); wellFormed is false for anything else.
func parseETag(etag string) (hexMD5 string, parts int, wellFormed bool) {
	hexMD5, suffix, multipart := strings.Cut(etag, "-")
	if len(hexMD5) != 32 {
		return "", 0, false
	}
	if _, err := hex.DecodeString(hexMD5); err != nil {
		return "", 0, false
	}
	if !multipart {
		return hexMD5, 0, true
	}
	n, err := strconv.Atoi(suffix)
	if err != nil || n < 1 || n > 10000 || suffix[0] == '+' || suffix[0] == '0' {
		return "", 0, false
	}
	return hexMD5, n, true
}

// judge turns one file's Result into findings.
func (c *checker) judge(order sortKey, r pipeline.Result) {
	file := r.File.DataFileS3Key
	t := &c.rep.Totals
	switch {
	case r.Missing:
		c.finding(order, Finding{Kind: KindMissingFile, File: file, ManifestLine: int64(r.File.Line),
			Message: "a data file listed in manifest-files.json is missing"})
		return
	case r.IOErr != nil && errors.Is(r.IOErr, store.ErrChanged):
		// Not an I/O error: the object is not the one whose reading
		// began, and the check stopped rather than mix two versions.
		c.finding(order, Finding{Kind: KindChangedObject, File: file, ManifestLine: int64(r.File.Line),
			Message: "the data file was replaced while it was read: " + r.IOErr.Error() + "; verify it again once the export is stable"})
		return
	case r.IOErr != nil:
		c.failure(order, Finding{Kind: KindIOError, File: file, Message: r.IOErr.Error()})
		return
	}
	if r.Undecoded != nil && !c.undecoded {
		c.undecoded = true
		c.failure(sortKey{group: groupSummary}, Finding{Kind: KindUnsupported, File: c.ref.Key(manifest.SummaryName), fileIsStoreKey: true,
			Actual:  c.summary.OutputFormat,
			Message: "the records were counted but not decoded: decoding " + c.summary.OutputFormat + " is not supported yet (checksums and counts were checked)"})
	}
	t.FilesRead++
	t.Items += r.Records
	t.StoredBytes += r.StoredBytes
	t.UncompressedBytes += r.UncompressedBytes
	if want, err := r.File.MD5(); err == nil && want != r.MD5 {
		c.finding(order, Finding{Kind: KindChecksumMismatch, File: file, ManifestLine: int64(r.File.Line),
			Expected: r.File.MD5Checksum, Actual: manifest.EncodeMD5(r.MD5),
			Message: fmt.Sprintf("MD5 of the %d stored bytes differs from md5Checksum", r.StoredBytes)})
	}
	if r.StreamErr != nil {
		off := r.UncompressedBytes
		c.finding(sortKey{group: groupData, index: order.index, line: r.Records + 1}, Finding{Kind: KindDecodeError, File: file,
			Line: r.Records + 1, Offset: &off, Reason: codec.Reason(r.StreamErr),
			Message: r.StreamErr.Error() + fmt.Sprintf("; the record count cannot be checked (%d records read before it)", r.Records)})
		t.DecodeErrors++
	} else if r.File.ItemCount >= 0 && r.Records != r.File.ItemCount {
		c.finding(order, Finding{Kind: KindCountMismatch, File: file, ManifestLine: int64(r.File.Line),
			Expected: fmt.Sprint(r.File.ItemCount), Actual: fmt.Sprint(r.Records),
			Message: "the number of records differs from itemCount"})
	}
	for _, p := range r.Problems {
		off := p.Offset
		f := Finding{Kind: p.Kind, File: file, Line: p.Line, Offset: &off, Path: p.Path, Reason: p.Reason,
			Message: p.Message, Expected: p.Expected, Actual: p.Actual}
		if p.Kind == KindDecodeError {
			t.DecodeErrors++
		}
		c.finding(sortKey{group: groupData, index: order.index, line: p.Line, offset: p.Offset}, f)
	}
	if r.MoreProblems > 0 {
		t.DecodeErrors += r.MoreProblems
		c.finding(sortKey{group: groupData, index: order.index, line: 1 << 62}, Finding{Kind: KindDecodeError, File: file,
			Reason: "more_problems", Actual: fmt.Sprint(r.MoreProblems),
			Message: fmt.Sprintf("%d more problems in this file, not listed (see --max-problems)", r.MoreProblems)})
	}
}

// changeCheck returns the per-record check of an incremental export:
// images present as the view requires, Keys equal to the key attributes of
// each image, and the write timestamp inside the window.
func (c *checker) changeCheck(s *manifest.Summary, tasks []pipeline.Task) func(*pipeline.Task, *codec.Record) []pipeline.Problem {
	pos := make(map[string]int, len(tasks))
	for i, t := range tasks {
		pos[t.Key] = i
	}
	c.keySchemas = make([]keySchema, len(tasks))
	tol := c.opt.ClockTolerance
	if tol == 0 {
		tol = DefaultClockTolerance
	}
	if tol < 0 {
		tol = 0
	}
	from, to := s.ExportFromTime, s.ExportToTime
	checkWindow := !from.IsZero() && !to.IsZero()
	lo, hi := from.Add(-tol).UnixMicro(), to.Add(tol).UnixMicro()
	window := fmt.Sprintf("[%s, %s) ± %s", fmtTime(from), fmtTime(to), tol)
	view := s.OutputView
	return func(t *pipeline.Task, r *codec.Record) []pipeline.Problem {
		var ps []pipeline.Problem
		// All records of a table have the same key: the first record of
		// each file sets it for the file (one goroutine per file writes
		// its own slot); files are compared with each other afterwards.
		if ks := &c.keySchemas[pos[t.Key]]; *ks == nil {
			*ks = schemaOf(r.Keys)
		} else if !ks.matches(r.Keys) {
			ps = append(ps, pipeline.Problem{Kind: KindKeyMismatch, Path: "Keys",
				Expected: ks.String(), Actual: schemaOf(r.Keys).String(),
				Message: "Keys have other attributes than the first record's of this file: a table has one key schema"})
		}
		switch {
		case view == manifest.ViewNewImage && r.OldImage != nil:
			ps = append(ps, pipeline.Problem{Kind: KindDecodeError, Reason: "bad_record",
				Message: "an OldImage in an export with view NEW_IMAGE"})
		case view == manifest.ViewNewAndOldImages && r.OldImage == nil && r.NewImage == nil:
			ps = append(ps, pipeline.Problem{Kind: KindDecodeError, Reason: "bad_record",
				Message: "neither NewImage nor OldImage in an export with view NEW_AND_OLD_IMAGES"})
		}
		if len(r.Keys) > 2 {
			ps = append(ps, pipeline.Problem{Kind: KindDecodeError, Reason: "bad_key", Path: "Keys",
				Actual: strconv.Itoa(len(r.Keys)) + " attributes", Message: "Keys has more than the two attributes a key can have"})
		}
		for _, k := range r.Keys {
			switch {
			case k.Type != codec.TypeS && k.Type != codec.TypeN && k.Type != codec.TypeB:
				ps = append(ps, pipeline.Problem{Kind: KindDecodeError, Reason: "bad_key", Path: "Keys." + k.Name,
					Actual: k.Type.String(), Message: "a key attribute must be of type S, N or B"})
			case k.Type != codec.TypeN && k.Str == "":
				ps = append(ps, pipeline.Problem{Kind: KindDecodeError, Reason: "bad_key", Path: "Keys." + k.Name,
					Message: "a key attribute cannot be empty"})
			}
		}
		for _, img := range []struct {
			name string
			it   codec.Item
		}{{"NewImage", r.NewImage}, {"OldImage", r.OldImage}} {
			if img.it == nil {
				continue
			}
			for _, k := range r.Keys {
				v, ok := img.it.Get(k.Name)
				switch {
				case !ok:
					ps = append(ps, pipeline.Problem{Kind: KindKeyMismatch, Path: img.name + "." + k.Name,
						Expected: k.String(), Actual: "absent", Message: "key attribute " + quote(k.Name) + " is missing from " + img.name})
				case !codec.Equal(k, v):
					ps = append(ps, pipeline.Problem{Kind: KindKeyMismatch, Path: img.name + "." + k.Name,
						Expected: k.Named("").String(), Actual: v.Named("").String(),
						Message: "key attribute " + quote(k.Name) + " in " + img.name + " differs from Keys"})
				}
			}
		}
		if checkWindow && (r.WriteTimestampMicros < lo || r.WriteTimestampMicros >= hi) {
			ps = append(ps, pipeline.Problem{Kind: KindTimestampOutOfWindow, Path: "Metadata.WriteTimestampMicros",
				Expected: window, Actual: r.WriteTime().Format(time.RFC3339Nano),
				Message: "the write timestamp is outside the export window"})
		}
		return ps
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func pathBase(key string) string { return key[strings.LastIndexByte(key, '/')+1:] }

func pathExt(key string) string {
	b := pathBase(key)
	if i := strings.IndexByte(b, '.'); i >= 0 {
		return b[i:]
	}
	return ""
}

const unsafeKeyMessage = "the key is absolute or has empty, \".\" or \"..\" segments, so it could name a file outside the export"

// name returns the S3 key of a store key, as the export's manifests name
// objects: "<s3Prefix>/AWSDynamoDB/<export ID>/…". Reports then name the
// same object the same way however the export was pointed at.
func (c *checker) name(key string) string {
	rest, ok := strings.CutPrefix(key, c.ref.Root)
	if !ok {
		return key
	}
	prefix := ""
	if c.summary != nil {
		if id := c.summary.ExportID(); id != "" && id != c.ref.ID {
			if r, ok := strings.CutPrefix(rest, c.ref.ID+"/"); ok {
				rest = id + "/" + r
			}
		}
		if p := strings.Trim(c.summary.S3Prefix, "/"); p != "" {
			prefix = p + "/"
		}
	}
	return prefix + manifest.RootName + "/" + rest
}

// A keySchema is the names and types of a record's Keys.
type keySchema []codec.Value

func schemaOf(keys codec.Item) keySchema {
	ks := make(keySchema, len(keys))
	for i, k := range keys {
		ks[i] = codec.Value{Type: k.Type, Name: strings.Clone(k.Name)}
	}
	slices.SortFunc(ks, func(a, b codec.Value) int { return strings.Compare(a.Name, b.Name) })
	return ks
}

func (ks keySchema) matches(keys codec.Item) bool {
	if len(keys) != len(ks) {
		return false
	}
	for _, k := range keys {
		if !slices.ContainsFunc(ks, func(v codec.Value) bool { return v.Name == k.Name && v.Type == k.Type }) {
			return false
		}
	}
	return true
}

func (ks keySchema) String() string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, k.Name+" ("+k.Type.String()+")")
	}
	return strings.Join(parts, ", ")
}

// compareKeySchemas reports data files whose records have another key
// schema than the first file's, in manifest order. A shard does not read
// the files of the others: when the first file with a key schema is
// another shard's, it reads that file (up to its first good record) to
// know the schema a whole run compares with.
func (c *checker) compareKeySchemas(tasks []pipeline.Task, taskIndex map[string]int, others []pipeline.Task, popt pipeline.Options) error {
	if c.keySchemas == nil {
		return nil
	}
	var first keySchema
	var firstFile string
	firstLine := -1
	for i, ks := range c.keySchemas {
		if ks != nil {
			first, firstFile, firstLine = ks, tasks[i].File.DataFileS3Key, tasks[i].File.Line
			break
		}
	}
	// Other shards' files listed before it (in manifest order, as lines).
	for _, t := range others {
		if firstLine >= 0 && t.File.Line >= firstLine {
			break
		}
		ks, err := c.firstKeySchema(t, popt)
		if err != nil {
			return err
		}
		if ks != nil {
			first, firstFile = ks, t.File.DataFileS3Key
			break
		}
	}
	for i, ks := range c.keySchemas {
		if ks != nil && first != nil && !first.matches(codec.Item(ks)) {
			c.finding(sortKey{group: groupData, index: taskIndex[tasks[i].Key]}, Finding{Kind: KindKeyMismatch,
				File: tasks[i].File.DataFileS3Key, ManifestLine: int64(tasks[i].File.Line), Path: "Keys",
				Expected: first.String(), Actual: ks.String(),
				Message: "this file's records have another key schema than those of " + firstFile})
		}
	}
	return nil
}

// firstKeySchema reads data file t up to its first good record and
// returns the key schema of its Keys, or nil if it has none.
func (c *checker) firstKeySchema(t pipeline.Task, popt pipeline.Options) (keySchema, error) {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	var ks keySchema
	popt.Workers, popt.Stats, popt.Sink, popt.Quick = 1, nil, nil, false
	popt.Check = func(_ *pipeline.Task, r *codec.Record) []pipeline.Problem {
		if ks == nil {
			ks = schemaOf(r.Keys)
			cancel()
		}
		return nil
	}
	_, err := pipeline.Run(ctx, c.st, []pipeline.Task{t}, popt)
	if ks == nil && c.ctx.Err() != nil {
		return nil, c.ctx.Err()
	}
	_ = err // the file's own problems are its shard's to report
	return ks, nil
}

// osFile reports whether key names a file that operating systems and file
// managers leave in folders (.DS_Store, AppleDouble ._ files, Thumbs.db,
// desktop.ini): a copy made with Finder or Explorer has them, DynamoDB
// never writes them.
func osFile(key string) bool {
	name := key[strings.LastIndexByte(key, '/')+1:]
	switch name {
	case ".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini":
		return true
	}
	return strings.HasPrefix(name, "._")
}
