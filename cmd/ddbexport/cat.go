package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
)

func newCatCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		format   string
		exportID string
		maxRec   int
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

cat streams. It does not refuse an export whose manifests do not check out:
it warns on stderr and goes on. A record it cannot decode is reported on
stderr with its file, line and byte offset, and cat goes on with the next;
the exit status is then 1.` + "\n" + exitStatusHelp,
		Args: cobra.ExactArgs(1),
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
			c := &catter{ctx: ctx, loc: loc, plain: plain, maxRec: maxRec, stderr: stderr, out: bufio.NewWriterSize(stdout, 256<<10)}
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
	return cmd
}

type catter struct {
	ctx    context.Context
	loc    *located
	plain  bool
	maxRec int
	stderr io.Writer
	out    *bufio.Writer
	buf    []byte
	bad    int
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
	if k, err := ref.DataKey(s.S3Prefix, s.ManifestFilesS3Key); err == nil && s.ManifestFilesS3Key != "" {
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
	var gz codec.Gunzipper
	for _, f := range files {
		if err := c.ctx.Err(); err != nil {
			return 0, err
		}
		key, err := ref.DataKey(s.S3Prefix, f.DataFileS3Key)
		if err != nil {
			fmt.Fprintf(c.stderr, "error: %s: unsafe key, not read\n", f.DataFileS3Key)
			code = exitFindings
			continue
		}
		n, err := c.catFile(&gz, st, key, f.DataFileS3Key, format, kind)
		if err != nil {
			if errors.Is(err, store.ErrNotExist) {
				fmt.Fprintf(c.stderr, "error: %s: missing data file\n", f.DataFileS3Key)
				code = exitFindings
				continue
			}
			if errors.Is(err, codec.ErrCompressed) {
				fmt.Fprintf(c.stderr, "error: %s: %v\n", f.DataFileS3Key, err)
				code = exitFindings
				continue
			}
			return 0, &exitError{code: exitCannotCheck, err: fmt.Errorf("%s: %w", f.DataFileS3Key, err)}
		}
		if n != f.ItemCount {
			c.warn("%s: %d records, manifest itemCount %d", f.DataFileS3Key, n, f.ItemCount)
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

// catFile prints one data file's records and returns how many lines it has.
func (c *catter) catFile(gz *codec.Gunzipper, st store.Store, key, name string, format codec.Format, kind codec.Kind) (int64, error) {
	rc, err := st.Open(c.ctx, key)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	zr, err := gz.Open(rc)
	if err != nil {
		return 0, err
	}
	dec, err := codec.NewDecoder(format, zr, codec.DecodeOptions{
		File:           name,
		Kind:           kind,
		MaxRecordBytes: c.maxRec,
		ReuseRecord:    true,
		OnError: func(e *codec.DecodeError) {
			c.bad++
			fmt.Fprintf(c.stderr, "error: %v\n", e)
		},
	})
	if err != nil {
		return 0, err
	}
	for dec.Next() {
		r := dec.Record()
		switch {
		case c.plain:
			c.buf = ddbjson.AppendPlainRecord(c.buf[:0], r)
		case r.IsChange():
			c.buf = ddbjson.AppendRecord(c.buf[:0], r)
		default:
			c.buf = ddbjson.AppendItem(c.buf[:0], r.Item)
		}
		c.buf = append(c.buf, '\n')
		if _, err := c.out.Write(c.buf); err != nil {
			return dec.Line(), fmt.Errorf("writing output: %w", err)
		}
	}
	return dec.Line(), dec.Err()
}
