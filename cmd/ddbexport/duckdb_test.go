package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
)

// DuckDB reads the Parquet output in these tests, as a data lake's engine
// would: its Node.js package, installed by .ci/run with
//
//	npm install --prefix ~/.cache/ddbexport/duckdb @duckdb/node-api@1.5.6-r.1
//
// (DDBEXPORT_DUCKDB names another folder). Without it the tests skip,
// except in CI, where they must run.
const duckdbPackage = "@duckdb/node-api@1.5.6-r.1"

func duckdbDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DDBEXPORT_DUCKDB")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "ddbexport", "duckdb")
	}
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json"))
	if nodeErr != nil || modErr != nil {
		msg := fmt.Sprintf("DuckDB is not installed (node: %v; package: %v): npm install --prefix %s %s", nodeErr, modErr, dir, duckdbPackage)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// duckdbQuery runs one SQL query in DuckDB and returns its rows as JSON
// objects (DuckDB's own JSON of each value: decimals and big integers as
// strings).
func duckdbQuery(t *testing.T, dir, sql string) []map[string]any {
	t.Helper()
	script := `const {DuckDBInstance} = require(process.argv[1] + '/node_modules/@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(process.argv[2]);
  process.stdout.write(JSON.stringify(r.getRowObjectsJson()));
})().catch(e => { console.error(String(e)); process.exit(1); });`
	cmd := exec.Command("node", "-e", script, dir, sql)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %s: %v\n%s", sql, err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb: %s: %v", sql, err)
	}
	return rows
}

// TestConvertParquet_readByDuckDB: DuckDB reads what convert --to parquet
// writes, with the types the schema says, and every value equals the
// item's.
func TestConvertParquet_readByDuckDB(t *testing.T) {
	dir := duckdbDir(t)
	for _, kind := range []gen.Kind{gen.Full, gen.Incremental} {
		t.Run(kind.String(), func(t *testing.T) {
			e := genExport(t, gen.Options{Items: 400, Files: 3, Seed: 93, Kind: kind, Shape: gen.ShapeTable})
			out := t.TempDir()
			if code, stdout, stderr := runCLI(t, "convert", "--to", "parquet", "-q", "--key", "pk", "--out", out, e.dir); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			files := filepath.Join(out, "*.parquet")
			types := map[string]string{}
			for _, r := range duckdbQuery(t, dir, fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet('%s')", files)) {
				types[r["column_name"].(string)] = r["column_type"].(string)
			}
			item := func(r *codec.Record) codec.Item { return r.Item }
			sel := "pk, amount::VARCHAR AS amount, quantity::VARCHAR AS quantity, status, deleted_at, ext.s AS ext_s, ext.n::VARCHAR AS ext_n, len(lines) AS lines, tags"
			want := map[string]string{"pk": "VARCHAR", "amount": "DECIMAL(38,2)", "quantity": "BIGINT", "status": "VARCHAR",
				"deleted_at": "BOOLEAN", "ext": "STRUCT(s VARCHAR, n BIGINT)", "tags": "VARCHAR[]", "raw": "BLOB"}
			if kind == gen.Incremental {
				item = func(r *codec.Record) codec.Item { return r.NewImage }
				sel = strings.NewReplacer("amount", "new_image.amount", "quantity", "new_image.quantity", "status", "new_image.status",
					"deleted_at", "new_image.deleted_at", "ext.", "new_image.ext.", "lines", "new_image.lines", "tags", "new_image.tags").Replace(sel)
				sel = strings.NewReplacer("AS new_image.amount", "AS amount", "AS new_image.quantity", "AS quantity", "AS new_image.lines", "AS lines",
					"new_image.tags", "new_image.tags AS tags").Replace(sel) + ", op, epoch_us(write_time)::VARCHAR AS wt"
				want = map[string]string{"op": "VARCHAR", "write_time": "TIMESTAMP WITH TIME ZONE", "pk": "VARCHAR"}
			}
			for col, typ := range want {
				if types[col] != typ {
					t.Errorf("column %s: DuckDB reads %q, want %q (all: %v)", col, types[col], typ, types)
				}
			}
			recs := catRecords(t, e.dir)
			byPK := map[string]*codec.Record{}
			for _, r := range recs {
				pk, _ := r.Item.Get("pk")
				if r.IsChange() {
					pk, _ = r.Keys.Get("pk")
				}
				byPK[pk.Str] = r
			}
			rows := duckdbQuery(t, dir, fmt.Sprintf("SELECT %s FROM read_parquet('%s')", sel, files))
			if len(rows) != len(recs) {
				t.Fatalf("DuckDB reads %d rows, the export has %d records", len(rows), len(recs))
			}
			for _, row := range rows {
				r := byPK[row["pk"].(string)]
				if r == nil {
					t.Fatalf("row of an unknown pk: %v", row)
				}
				if r.IsChange() {
					if row["op"] != r.Op().String() || row["wt"] != fmt.Sprint(r.WriteTimestampMicros) {
						t.Errorf("%s: op %v at %v, want %s at %d", row["pk"], row["op"], row["wt"], r.Op(), r.WriteTimestampMicros)
					}
				}
				it := item(r)
				if it == nil {
					for _, c := range []string{"amount", "status", "lines"} {
						if row[c] != nil {
							t.Errorf("%s: %s = %v without a new image", row["pk"], c, row[c])
						}
					}
					continue
				}
				num := func(col, attr string) {
					v, ok := it.Get(attr)
					got, _ := row[col].(string)
					if ok != (row[col] != nil) || (ok && !codec.NumberEqual(v.Str, got)) {
						t.Errorf("%s: %s = %v, the item has %v", row["pk"], col, row[col], v)
					}
				}
				num("amount", "amount")
				num("quantity", "quantity")
				if v, _ := it.Get("status"); row["status"] != v.Str {
					t.Errorf("%s: status %v, want %q", row["pk"], row["status"], v.Str)
				}
				// NULL reads back as true, a missing attribute as null.
				if _, ok := it.Get("deleted_at"); (ok && row["deleted_at"] != true) || (!ok && row["deleted_at"] != nil) {
					t.Errorf("%s: deleted_at %v, the item has it: %v", row["pk"], row["deleted_at"], ok)
				}
				switch v, ok := it.Get("ext"); {
				case !ok:
					if row["ext_s"] != nil || row["ext_n"] != nil {
						t.Errorf("%s: ext %v/%v, the item has none", row["pk"], row["ext_s"], row["ext_n"])
					}
				case v.Type == codec.TypeS:
					if row["ext_s"] != v.Str || row["ext_n"] != nil {
						t.Errorf("%s: ext %v/%v, want S %q", row["pk"], row["ext_s"], row["ext_n"], v.Str)
					}
				default:
					if got, _ := row["ext_n"].(string); row["ext_s"] != nil || !codec.NumberEqual(got, v.Str) {
						t.Errorf("%s: ext %v/%v, want N %s", row["pk"], row["ext_s"], row["ext_n"], v.Str)
					}
				}
				if v, _ := it.Get("lines"); fmt.Sprint(row["lines"]) != fmt.Sprint(len(v.Elems)) {
					t.Errorf("%s: %v lines, want %d", row["pk"], row["lines"], len(v.Elems))
				}
				v, ok := it.Get("tags")
				got, _ := row["tags"].([]any)
				if ok != (row["tags"] != nil) || len(got) != len(v.Elems) {
					t.Errorf("%s: tags %v, want %v", row["pk"], row["tags"], v)
				}
			}
		})
	}
}
