package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

func newGenCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		opt        gen.Options
		kind       string
		shape      string
		format     string
		keys       string
		exportTime string
		hist       historyFlags
	)
	cmd := &cobra.Command{
		Use:   "gen [flags] OUTDIR",
		Short: "Write a realistic synthetic export, byte-compatible with DynamoDB's",
		Long: `gen writes one export into OUTDIR, which plays the bucket: the export lands in
OUTDIR/[prefix/]AWSDynamoDB/<export-id>/ with _started, both manifests and
their .md5 files, and gzip data files with their real md5Checksum and etag
(empty partitions are empty gzip files, as DynamoDB writes them). An
incremental export's data files go to the shared OUTDIR/[prefix/]AWSDynamoDB/data/.

Items use all ten DynamoDB types, nesting, Unicode, empty strings and
binaries, numbers at the edges of DynamoDB's range, and sizes up to 400 KB.
With --shape varied (the default) every item has its own attribute names
and types, a torture test for decoders; with --shape table items are those
of one orders table, about 18 attributes of stable types (only "ext" is S
in some items and N in others), for converters that infer a schema.
The same flags and --seed give byte-identical output. OUTDIR may be
s3://BUCKET/PREFIX: the objects are uploaded, each published whole.`,
		Example: `  ddbexport gen --items 1000 --files 4 out/
  ddbexport gen --kind incremental --view NEW_IMAGE --key pk:S,sk:N --seed 7 out/
  ddbexport gen --shape table --items 100000 --files 8 out/`,
		Args: oneArg("OUTDIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if hist.exports > 0 || cmd.Flags().Changed("history") {
				return genHistory(cmd, stdout, args[0], opt, &hist, kind, shape, format, keys, exportTime)
			}
			if opt.Kind, err = gen.ParseKind(kind); err != nil {
				return usageErrorf("--kind: %v", err)
			}
			if opt.Shape, err = gen.ParseShape(shape); err != nil {
				return usageErrorf("--shape: %v", err)
			}
			if opt.Format, err = codec.ParseFormat(format); err != nil {
				return usageErrorf("--format: %v", err)
			}
			if _, err := codec.NewEncoder(opt.Format, io.Discard); err != nil {
				return usageErrorf("--format: %v", err)
			}
			if opt.Keys, err = parseKeySchema(keys); err != nil {
				return usageErrorf("--key: %v", err)
			}
			if exportTime != "" {
				if opt.ExportTime, err = time.Parse(time.RFC3339, exportTime); err != nil {
					return usageErrorf("--export-time: want RFC 3339, such as 2026-01-14T10:35:00Z: %v", err)
				}
			}
			opt.View = strings.ToUpper(opt.View)
			opt.Prefix = strings.Trim(opt.Prefix, "/")
			st, err := openStore(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			ref, s, err := gen.Write(cmd.Context(), st, opt, func(w io.Writer) codec.Encoder {
				enc, _ := codec.NewEncoder(opt.Format, w)
				return enc
			})
			if err != nil {
				return usageErrorf("%v", plainS3Error(err))
			}
			_, err = fmt.Fprintf(stdout, "wrote %s export %s of table %s: %d items, %s\n  %s\n",
				strings.ToLower(strings.TrimSuffix(string(s.Type()), "_EXPORT")), ref.ID, s.TableName(), s.ItemCount, s.OutputFormat,
				joinPath(args[0], ref.Key(manifest.SummaryName)))
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.Items, "items", 100, "items (full) or changed items (incremental)")
	f.IntVar(&opt.Files, "files", gen.DefaultFiles, "data files (partitions); items go to them by a hash of the partition key")
	f.StringVar(&kind, "kind", "full", "full or incremental")
	f.StringVar(&shape, "shape", "varied", "item shape: varied (random names and types) or table (one table's stable attributes)")
	f.StringVar(&opt.View, "view", "", "incremental export view: NEW_AND_OLD_IMAGES (default) or NEW_IMAGE")
	f.StringVar(&keys, "key", "pk:S", "table key schema: PARTITION:TYPE[,SORT:TYPE], types S, N or B")
	f.Int64Var(&opt.Seed, "seed", 1, "seed: the same seed and flags give the same bytes")
	f.StringVar(&format, "format", "DYNAMODB_JSON", "data format: DYNAMODB_JSON or ION")
	f.StringVar(&opt.Prefix, "prefix", "", "S3 prefix (none by default)")
	f.StringVar(&opt.Table, "table", "", "table name (default "+gen.DefaultTable+")")
	f.IntVar(&opt.MaxItemBytes, "max-item-bytes", 0, "largest item, by DynamoDB's size rules (0: 400 KB, DynamoDB's limit)")
	f.StringVar(&exportTime, "export-time", "", "export time (incremental: the window's end), RFC 3339 (default: derived from the seed)")
	f.DurationVar(&opt.Window, "window", 0, "incremental export window, 15m to 24h (default 1h)")
	f.IntVar(&opt.Workers, "workers", 0, "generating goroutines (0: all cores); does not change the output")
	f.BoolVar(&opt.Overwrite, "overwrite", false, "replace an export with the same ID in OUTDIR")
	hist.add(cmd)
	return cmd
}

// parseKeySchema parses "pk:S" or "pk:S,sk:N".
func parseKeySchema(s string) (gen.KeySchema, error) {
	var ks gen.KeySchema
	parts := strings.Split(s, ",")
	if len(parts) > 2 || s == "" {
		return ks, fmt.Errorf("%q: want PARTITION:TYPE[,SORT:TYPE]", s)
	}
	for i, p := range parts {
		name, typ, ok := strings.Cut(strings.TrimSpace(p), ":")
		if !ok {
			typ = "S"
		}
		t, ok := codec.ParseType(strings.ToUpper(typ))
		if name == "" || !ok || (t != codec.TypeS && t != codec.TypeN && t != codec.TypeB) {
			return ks, fmt.Errorf("%q: a key is NAME:TYPE with TYPE S, N or B", p)
		}
		k := gen.Key{Name: name, Type: t}
		if i == 0 {
			ks.Partition = k
		} else {
			ks.Sort = k
		}
	}
	return ks, nil
}
