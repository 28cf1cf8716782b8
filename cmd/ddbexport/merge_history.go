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

// historyFlags are gen's flags for a table's history (gen --history K).
type historyFlags struct {
	exports int
	changes int
}

func (h *historyFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&h.exports, "history", 0, "write a table's history: a full export and this many chained incremental exports, and the table state they imply")
	f.IntVar(&h.changes, "changes", 0, "with --history: keys changed in each window (default: a quarter of --items)")
	cmd.Long += `

--history K writes a table's history instead: a full export of --items items
and K incremental exports of the same table whose windows chain (each
--window long, the first starting 5 minutes before the full export's time,
every third overlapping the previous one), with inserts, updates, deletes,
keys written several times and items inserted and deleted in one window;
--view and --format take comma-separated lists used in turn (by default
both views, and --format for every export). Beside the exports,
OUTDIR/[prefix/]` + gen.TruthName + ` holds the table state at the end of the last
window, one DYNAMODB_JSON line {"Item":…} per item, for checking a merge.`
	cmd.Example += `
  ddbexport gen --history 3 --items 1000 --format DYNAMODB_JSON,ION --key id:N out/`
}

// genHistory runs gen --history.
func genHistory(cmd *cobra.Command, stdout io.Writer, outDir string, opt gen.Options, h *historyFlags, kind, shape, format, keys, exportTime string) error {
	var err error
	if h.exports < 1 {
		return usageErrorf("--history: want 1 or more incremental exports")
	}
	if k, err := gen.ParseKind(kind); err != nil || k != gen.Full {
		return usageErrorf("--history writes a full export and incremental ones: --kind is not for it")
	}
	hopt := gen.HistoryOptions{Exports: h.exports, Changes: h.changes, Window: opt.Window}
	opt.Window = 0
	if opt.Shape, err = gen.ParseShape(shape); err != nil {
		return usageErrorf("--shape: %v", err)
	}
	for _, f := range strings.Split(format, ",") {
		ff, err := codec.ParseFormat(f)
		if err != nil {
			return usageErrorf("--format: %v", err)
		}
		if _, err := codec.NewEncoder(ff, io.Discard); err != nil {
			return usageErrorf("--format: %v", err)
		}
		hopt.Formats = append(hopt.Formats, ff)
	}
	opt.Format = hopt.Formats[0]
	if opt.View != "" {
		for _, v := range strings.Split(strings.ToUpper(opt.View), ",") {
			hopt.Views = append(hopt.Views, strings.TrimSpace(v))
		}
		opt.View = ""
	}
	if opt.Keys, err = parseKeySchema(keys); err != nil {
		return usageErrorf("--key: %v", err)
	}
	if exportTime != "" {
		if opt.ExportTime, err = time.Parse(time.RFC3339, exportTime); err != nil {
			return usageErrorf("--export-time: want RFC 3339, such as 2026-01-14T10:35:00Z: %v", err)
		}
	}
	opt.Prefix = strings.Trim(opt.Prefix, "/")
	hopt.Options = opt
	st, err := openStore(cmd.Context(), outDir)
	if err != nil {
		return err
	}
	hist, err := gen.WriteHistory(cmd.Context(), st, hopt)
	if err != nil {
		return usageErrorf("%v", plainS3Error(err))
	}
	base := hist.Summaries[0]
	fmt.Fprintf(stdout, "wrote the history of table %s: full export %s (%d items, %s, %s) and %d incremental exports\n",
		base.TableName(), hist.Base.ID, base.ItemCount, base.OutputFormat, base.ExportTime.Format(manifest.TimeLayout), len(hist.Incrementals))
	for i, ref := range hist.Incrementals {
		s := hist.Summaries[i+1]
		fmt.Fprintf(stdout, "  %s  [%s, %s)  %d records, %s, %s\n", ref.ID, s.ExportFromTime.Format(manifest.TimeLayout),
			s.ExportToTime.Format(manifest.TimeLayout), s.ItemCount, s.OutputFormat, s.OutputView)
	}
	_, err = fmt.Fprintf(stdout, "table state at the end: %d items\n  %s\n", hist.Items, joinPath(outDir, hist.TruthKey))
	return err
}
