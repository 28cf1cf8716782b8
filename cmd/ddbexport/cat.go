package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/store"
)

func newCatCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		format   string
		exportID string
		maxRec   int
		workers  int
	)
	cmd := &cobra.Command{
		Use:   "cat [flags] PATH",
		Short: "Print an export's records, one JSON line each, in manifest order",
		Long: `cat prints every record of an export, one JSON line per record, in the order
of manifest-files.json: for a full export the item (the data file's "Item"),
for an incremental export the whole record (Metadata, Keys, OldImage,
NewImage as present), nothing added.

--format dynamodb-json (the default) writes the typed form DynamoDB writes;
--format plain writes the unmarshalled form: numbers from their exact text,
sets as arrays, binaries in base64, NULL as null.

cat streams, with memory bounded by --workers whatever the export's size,
and checks each data file's MD5 and record count on the way (a mismatch is
a warning). It does not refuse an export whose manifests do not check out:
it warns on stderr and goes on. A record it cannot decode is reported on
stderr with its file, line and byte offset, and cat goes on with the next;
the exit status is then 1.` + "\n" + exitStatusHelp,
		Args: oneArg("PATH"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var plain bool
			switch strings.ToLower(format) {
			case "dynamodb-json", "dynamodb_json", "ddb-json":
			case "plain", "json":
				plain = true
			default:
				return usageErrorf("--format %q: want plain or dynamodb-json", format)
			}
			ctx := cmd.Context()
			loc, err := locate(ctx, args[0], exportID)
			if err != nil {
				return err
			}
			if maxRec < 0 {
				return usageErrorf("--max-record-bytes must be 0 (the default) or more")
			}
			if workers < 0 {
				return usageErrorf("--workers must be 0 (all cores) or more")
			}
			c := &catter{ctx: ctx, loc: loc, plain: plain, maxRec: maxRec, workers: workers, stderr: stderr, out: bufio.NewWriterSize(stdout, 256<<10)}
			code, err := c.run()
			if ferr := c.out.Flush(); ferr != nil && err == nil {
				err = &exitError{code: exitCannotCheck, err: fmt.Errorf("writing output: %w", ferr)}
			}
			if err != nil {
				return err
			}
			return exitCode(code)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "dynamodb-json", "output form: dynamodb-json or plain")
	f.StringVar(&exportID, "export-id", "", "the export to print when PATH holds several")
	f.IntVar(&maxRec, "max-record-bytes", 0, "longest record line accepted (0: 8 MiB)")
	f.IntVar(&workers, "workers", 0, "data files decoded at once (0: all cores); the output order does not change")
	return cmd
}

type catter struct {
	ctx     context.Context
	loc     *located
	plain   bool
	maxRec  int
	stderr  io.Writer
	out     *bufio.Writer
	bad     int
	workers int
}

func (c *catter) warn(format string, args ...any) {
	fmt.Fprintf(c.stderr, "warning: "+format+"\n", args...)
}

func (c *catter) run() (int, error) {
	ref, st := c.loc.ref, c.loc.st
	if !ref.HasSummary {
		return exitFindings, fmt.Errorf("%s: no %s: the export did not finish, or failed", c.loc.location, manifest.SummaryName)
	}
	summaryKey := ref.Key(manifest.SummaryName)
	raw, err := store.ReadAll(c.ctx, st, summaryKey, manifest.MaxSummaryBytes)
	if err != nil {
		return exitCannotCheck, &exitError{code: exitCannotCheck, err: err}
	}
	c.checkMD5(summaryKey, md5.Sum(raw))
	s, err := manifest.ParseSummary(summaryKey, raw)
	if s == nil {
		return 0, &exitError{code: exitFindings, err: err}
	}
	if err != nil {
		c.warn("%v", err)
	}
	format := s.Format()
	kind := codec.KindFull
	if s.Incremental() {
		kind = codec.KindChange
	}
	filesKey := ref.Key(manifest.FilesName)
	if k, err := ref.Resolve(s, s.ManifestFilesS3Key); err == nil && s.ManifestFilesS3Key != "" {
		filesKey = k
	}
	files, bad, sum, err := manifest.ReadFiles(c.ctx, st, filesKey)
	if err != nil {
		return 0, &exitError{code: exitCannotCheck, err: err}
	}
	for _, se := range bad {
		c.warn("%v", se)
	}
	c.checkMD5(filesKey, sum)

	code := exitOK
	var tasks []pipeline.Task
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.DataFileS3Key] {
			c.warn("%s is listed twice in the files manifest (line %d): printed once", f.DataFileS3Key, f.Line)
			continue
		}
		seen[f.DataFileS3Key] = true
		key, err := ref.Resolve(s, f.DataFileS3Key)
		if err != nil {
			fmt.Fprintf(c.stderr, "error: %s: unsafe key, not read\n", f.DataFileS3Key)
			code = exitFindings
			continue
		}
		tasks = append(tasks, pipeline.Task{File: f, Key: key})
	}
	encode := func(dst []byte, r *codec.Record) []byte {
		switch {
		case c.plain:
			dst = ddbjson.AppendPlainRecord(dst, r)
		case r.IsChange():
			dst = ddbjson.AppendRecord(dst, r)
		default:
			dst = ddbjson.AppendItem(dst, r.Item)
		}
		return append(dst, '\n')
	}
	results, err := pipeline.Stream(c.ctx, st, tasks, pipeline.Options{
		Workers:        c.workers,
		Format:         format,
		Kind:           kind,
		MaxRecordBytes: c.maxRec,
	}, encode, c.out, func(e *codec.DecodeError) {
		c.out.Flush() // keep stdout and stderr in step on a terminal
		c.bad++
		fmt.Fprintf(c.stderr, "error: %v\n", e)
	})
	if err != nil {
		if c.ctx.Err() != nil {
			return 0, c.ctx.Err()
		}
		return 0, &exitError{code: exitCannotCheck, err: fmt.Errorf("writing output: %w", err)}
	}
	for _, r := range results {
		name := r.File.DataFileS3Key
		switch {
		case r.Missing:
			fmt.Fprintf(c.stderr, "error: %s: missing data file\n", name)
			code = exitFindings
		case r.IOErr != nil:
			return 0, &exitError{code: exitCannotCheck, err: fmt.Errorf("%s: %w", name, r.IOErr)}
		case r.StreamErr != nil:
			fmt.Fprintf(c.stderr, "error: %s: %v (after %d records)\n", name, r.StreamErr, r.Records)
			code = exitFindings
		default:
			if want, err := r.File.MD5(); err == nil && want != r.MD5 {
				c.warn("%s: MD5 of the stored bytes does not match md5Checksum", name)
			}
			if r.File.ItemCount >= 0 && r.Records != r.File.ItemCount {
				c.warn("%s: %d records, manifest itemCount %d", name, r.Records, r.File.ItemCount)
			}
		}
	}
	if c.bad > 0 {
		fmt.Fprintf(c.stderr, "%d records could not be decoded\n", c.bad)
		code = exitFindings
	}
	return code, nil
}

// checkMD5 warns when a manifest does not match its .md5 file.
func (c *catter) checkMD5(key string, sum [md5.Size]byte) {
	ck, err := manifest.CheckMD5(c.ctx, c.loc.st, key, sum)
	switch {
	case err != nil:
		c.warn("%v", err)
	case ck.Found && !ck.OK:
		c.warn("%s does not match %s", key, pathBase(ck.File))
	}
}

func pathBase(key string) string { return key[strings.LastIndexByte(key, '/')+1:] }
