package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store/localfs"
	s3store "github.com/ddbexport/ddbexport/store/s3"
	"github.com/ddbexport/ddbexport/store/storetest"
	"github.com/ddbexport/ddbexport/verify"
)

// genExportAs is genExport in opt.Format.
func genExportAs(t *testing.T, opt gen.Options) *export {
	t.Helper()
	dir := t.TempDir()
	format := opt.Format
	if format == codec.FormatUnknown {
		format = codec.FormatDynamoDBJSON
	}
	ref, s, err := gen.Write(context.Background(), localfs.New(dir), opt, func(w io.Writer) codec.Encoder {
		enc, _ := codec.NewEncoder(format, w)
		return enc
	})
	if err != nil {
		t.Fatal(err)
	}
	return &export{t: t, dir: dir, ref: ref, sum: s, root: filepath.Join(dir, filepath.FromSlash(ref.Root))}
}

// The sources of the sharded conversions: a full DYNAMODB_JSON export
// under a prefix, converted to ION, and an incremental ION export,
// converted to DYNAMODB_JSON. Both have empty data files.
var (
	shardJSONSource = gen.Options{Items: 160, Files: 9, Seed: 81, Prefix: "exports/t"}
	shardIONSource  = gen.Options{Items: 120, Files: 8, Seed: 82, Kind: gen.Incremental, Format: codec.FormatION}
)

// convertShards runs convert --to to --shard i/n for each i in shards.
func convertShards(t *testing.T, cli func(...string) (int, string, string), src, out, to string, n int, shards ...int) {
	t.Helper()
	for _, i := range shards {
		code, stdout, stderr := cli("convert", "--to", to, "-q", "--shard", fmt.Sprintf("%d/%d", i, n), "--out", out, src)
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("converted shard %d/%d", i, n)) {
			t.Fatalf("shard %d/%d: exit %d\n%s\n%s", i, n, code, stdout, stderr)
		}
	}
}

// allShards is 0, 1, …, n-1.
func allShards(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// sortedCat is cat's output, one line per record, sorted: the records as
// a multiset.
func sortedCat(t *testing.T, cli func(...string) (int, string, string), path string) []string {
	t.Helper()
	code, out, stderr := cli("cat", path)
	if code != 0 || stderr != "" {
		t.Fatalf("cat %s: exit %d\n%s", path, code, stderr)
	}
	return slices.Sorted(strings.Lines(out))
}

// checkConverted checks that the export in out verifies intact, strictly,
// as a conversion of src to format, and returns its report.
func checkConverted(t *testing.T, cli func(...string) (int, string, string), out string, src *export, format string) *verifyReport {
	t.Helper()
	code, stdout, stderr := cli("verify", "--json", "--strict", out)
	var rep verifyReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("verify %s: exit %d, not a report: %v\n%s\n%s", out, code, err, stdout, stderr)
	}
	if code != 0 || rep.Status != "intact" || len(rep.Warnings) != 0 {
		t.Errorf("verify --strict %s: exit %d, %s\n%s", out, code, rep.Status, stdout)
	}
	if rep.Totals.Items != src.sum.ItemCount || rep.Totals.ManifestItems != src.sum.ItemCount || rep.Totals.Files != int64(len(src.files())) ||
		rep.Export.Format != format || rep.Export.Type != string(src.sum.Type()) || rep.Export.View != src.sum.OutputView ||
		rep.Export.S3Prefix != src.sum.S3Prefix || rep.Export.ID == src.ref.ID {
		t.Errorf("converted export %+v %+v; want %d items in %d files, %s, of a %s export, a new ID", rep.Export, rep.Totals,
			src.sum.ItemCount, len(src.files()), format, src.sum.Type())
	}
	return &rep
}

// verifyReport is the part of verify's report these tests read.
type verifyReport struct {
	Status string `json:"status"`
	Export struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Format   string `json:"format"`
		View     string `json:"view"`
		S3Prefix string `json:"s3Prefix"`
	} `json:"export"`
	Totals struct {
		Files         int64 `json:"files"`
		Items         int64 `json:"items"`
		ManifestItems int64 `json:"manifestItems"`
	} `json:"totals"`
	Warnings []json.RawMessage `json:"warnings"`
}

// exportFolder returns the local folder of the only export under out.
func exportFolder(t *testing.T, out string) string {
	t.Helper()
	refs, err := manifest.Find(context.Background(), localfs.New(out), "")
	if err != nil || len(refs) != 1 {
		t.Fatalf("exports in %s: %v, %v", out, refs, err)
	}
	return filepath.Join(out, filepath.FromSlash(refs[0].Dir()))
}

// tree returns every file under dir with a hash of its content.
func tree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestShards_export: a conversion to the other format in 1, 3 and 7
// shards, then finalize, is an export that verifies intact with the
// source's items, the records of an unsharded conversion, and the same
// export whatever the shard count: one ID, one manifest-files.json.
func TestShards_export(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	for _, tt := range []struct {
		name   string
		src    gen.Options
		to     string
		format string
	}{
		{"DYNAMODB_JSON to ION", shardJSONSource, "ion", "ION"},
		{"ION to DYNAMODB_JSON", shardIONSource, "dynamodb-json", "DYNAMODB_JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := genExportAs(t, tt.src)
			single := t.TempDir()
			if code, stdout, stderr := cli("convert", "--to", tt.to, "-q", "--out", single, src.dir); code != 0 {
				t.Fatalf("unsharded: exit %d\n%s\n%s", code, stdout, stderr)
			}
			want := sortedCat(t, cli, single)
			if len(want) != int(src.sum.ItemCount) {
				t.Fatalf("the unsharded conversion has %d records, want %d", len(want), src.sum.ItemCount)
			}
			var firstID string
			var firstFiles []byte
			for _, n := range []int{1, 3, 7} {
				out := t.TempDir()
				convertShards(t, cli, src.dir, out, tt.to, n, allShards(n)...)
				code, stdout, stderr := cli("convert", "finalize", out)
				if code != 0 || !strings.Contains(stdout, fmt.Sprintf("in %d shards: %d items in %d data files", n, src.sum.ItemCount, len(src.files()))) {
					t.Fatalf("%d shards: finalize: exit %d\n%s\n%s", n, code, stdout, stderr)
				}
				rep := checkConverted(t, cli, out, src, tt.format)
				if got := sortedCat(t, cli, out); !slices.Equal(got, want) {
					t.Errorf("%d shards: the records differ from the unsharded conversion's", n)
				}
				files, err := os.ReadFile(filepath.Join(exportFolder(t, out), manifest.FilesName))
				if err != nil {
					t.Fatal(err)
				}
				if firstID == "" {
					firstID, firstFiles = rep.Export.ID, files
				} else if rep.Export.ID != firstID || string(files) != string(firstFiles) {
					t.Errorf("%d shards: export %s, manifest-files.json\n%s\nwant export %s and\n%s", n, rep.Export.ID, files, firstID, firstFiles)
				}
				if code, stdout, _ := cli("convert", "finalize", out); code != 0 || !strings.Contains(stdout, "already complete") {
					t.Errorf("%d shards: finalize again: exit %d, %s", n, code, stdout)
				}
				// A shard run again once the export is complete has
				// nothing to do.
				if code, stdout, stderr := cli("convert", "--to", tt.to, "-q", "--shard", "0/"+fmt.Sprint(n), "--out", out, src.dir); code != 0 || !strings.Contains(stdout, "complete already") {
					t.Errorf("%d shards: a shard after finalize: exit %d\n%s\n%s", n, code, stdout, stderr)
				}
			}
			if rid := src.ref.ID; len(firstID) != len(rid) || firstID[0] != '0' || firstID[14] != '-' {
				t.Errorf("export ID %q is not in DynamoDB's shape (as %q)", firstID, rid)
			}
		})
	}
}

// TestShards_exportFinalizeRefuses: finalize changes nothing, exit 2, for
// a shard missing or unfinished, shards of two shard counts or of two
// source exports, and a data file deleted or changed after its shard
// finished; running the shard again repairs the last two.
func TestShards_exportFinalizeRefuses(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	src := genExportAs(t, shardJSONSource)
	other := genExportAs(t, gen.Options{Items: 50, Files: 4, Seed: 83, Prefix: "exports/t"})
	refused := func(t *testing.T, out string, want ...string) {
		t.Helper()
		before := tree(t, out)
		code, stdout, stderr := cli("convert", "finalize", out)
		if code != exitCannotCheck || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "not finalized") {
			t.Errorf("finalize: exit %d, stdout %q, stderr %q; want 2 and one line", code, stdout, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("finalize: %q does not say %q", stderr, w)
			}
		}
		if after := tree(t, out); !maps.Equal(before, after) {
			t.Errorf("a refused finalize changed %s", out)
		}
	}
	// shardFiles returns the data files shard i/n recorded.
	shardFiles := func(t *testing.T, out string, i, n int) []exportShardFile {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(exportFolder(t, out), "_shards", fmt.Sprintf("%05d-of-%05d", i, n), exportShardManifest))
		if err != nil {
			t.Fatal(err)
		}
		var rec exportShardRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.Files) == 0 {
			t.Fatalf("shard %d/%d converted no data file", i, n)
		}
		return rec.Files
	}

	t.Run("a shard missing", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 2)
		refused(t, out, "shard 1/3 (not started)")
	})
	t.Run("a shard unfinished", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1, 2)
		dir := filepath.Join(exportFolder(t, out), "_shards", "00002-of-00003")
		if err := os.Remove(filepath.Join(dir, exportShardDone)); err != nil {
			t.Fatal(err)
		}
		refused(t, out, "shard 2/3 (not finished)")
	})
	t.Run("two shard counts", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1, 2)
		convertShards(t, cli, src.dir, out, "ion", 2, 1)
		refused(t, out, "shards of 2 and of 3")
	})
	t.Run("two source exports", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1)
		convertShards(t, cli, other.dir, out, "ion", 3, 2)
		refused(t, out, "2 conversions", src.sum.ExportArn, other.sum.ExportArn, "not one export", "--export-id")
		// --export-id picks one: its own shards are still missing.
		refs, _ := manifest.Find(context.Background(), localfs.New(out), "")
		for _, ref := range refs {
			code, _, stderr := cli("convert", "finalize", "--export-id", ref.ID, out)
			if code != exitCannotCheck || !strings.Contains(stderr, "(not started)") {
				t.Errorf("finalize --export-id %s: exit %d, %s", ref.ID, code, stderr)
			}
		}
		if code, _, stderr := cli("convert", "finalize", "--export-id", "01700000000000-00000000", out); code != exitCannotCheck || !strings.Contains(stderr, "no shards of a conversion to export 01700000000000-00000000") {
			t.Errorf("finalize --export-id of no export: exit %d, %s", code, stderr)
		}
	})
	t.Run("a shard's record of another source", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1, 2)
		p := filepath.Join(exportFolder(t, out), "_shards", "00001-of-00003", exportShardManifest)
		b, _ := os.ReadFile(p)
		var rec exportShardRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		rec.Source.ExportArn = other.sum.ExportArn
		b, _ = json.Marshal(rec)
		os.WriteFile(p, b, 0o644)
		refused(t, out, "shard 1/3 converted export "+other.sum.ExportArn, "not one export")
	})
	t.Run("a data file deleted, then its shard run again", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1, 2)
		f := shardFiles(t, out, 1, 3)[0]
		if err := os.Remove(filepath.Join(out, filepath.FromSlash(f.DataFileS3Key))); err != nil {
			t.Fatal(err)
		}
		refused(t, out, f.DataFileS3Key+", of shard 1/3, is missing", "run shard 1/3 again")
		convertShards(t, cli, src.dir, out, "ion", 3, 1)
		if code, stdout, stderr := cli("convert", "finalize", out); code != 0 {
			t.Fatalf("finalize after shard 1/3 again: exit %d\n%s\n%s", code, stdout, stderr)
		}
		checkConverted(t, cli, out, src, "ION")
	})
	t.Run("a data file changed", func(t *testing.T) {
		out := t.TempDir()
		convertShards(t, cli, src.dir, out, "ion", 3, 0, 1, 2)
		f := shardFiles(t, out, 2, 3)[0]
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(f.DataFileS3Key)), []byte("not gzip"), 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, out, fmt.Sprintf("of shard 2/3, has 8 bytes; its shard's record says %d", f.Size))
	})
	t.Run("nothing to finalize", func(t *testing.T) {
		refused(t, t.TempDir(), "no sharded conversion")
		refused(t, src.dir, "no sharded conversion")
	})
}

// TestShards_exportRerunAfterCrash: a shard that stopped mid-way (its
// records unfinished, a data file missing, another half written, a
// temporary file left) and is run again gives the export of a clean run;
// so does a finalize that stopped before the summary's .md5.
func TestShards_exportRerunAfterCrash(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	src := genExportAs(t, shardIONSource)
	clean := t.TempDir()
	convertShards(t, cli, src.dir, clean, "dynamodb-json", 3, 0, 1, 2)
	if code, _, stderr := cli("convert", "finalize", clean); code != 0 {
		t.Fatal(stderr)
	}

	out := t.TempDir()
	convertShards(t, cli, src.dir, out, "dynamodb-json", 3, 0, 1, 2)
	// The crash of shard 1/3: no _SUCCESS nor _manifest.json, one data
	// file gone, one cut short, a temporary file of the store left.
	folder := exportFolder(t, out)
	recDir := filepath.Join(folder, "_shards", "00001-of-00003")
	b, err := os.ReadFile(filepath.Join(recDir, exportShardManifest))
	if err != nil {
		t.Fatal(err)
	}
	var rec exportShardRecord
	if err := json.Unmarshal(b, &rec); err != nil || len(rec.Files) < 2 {
		t.Fatalf("shard 1/3's record: %v, %d files", err, len(rec.Files))
	}
	for _, name := range []string{exportShardDone, exportShardManifest} {
		os.Remove(filepath.Join(recDir, name))
	}
	gone := filepath.Join(out, filepath.FromSlash(rec.Files[0].DataFileS3Key))
	cut := filepath.Join(out, filepath.FromSlash(rec.Files[1].DataFileS3Key))
	os.Remove(gone)
	whole, _ := os.ReadFile(cut)
	os.WriteFile(cut, whole[:len(whole)/2], 0o644)
	dataDir := filepath.Dir(cut)
	os.WriteFile(filepath.Join(dataDir, ".ddbexport-tmp-"+filepath.Base(gone)+"-123"), whole[:3], 0o600)

	if code, _, stderr := cli("convert", "finalize", out); code != exitCannotCheck || !strings.Contains(stderr, "shard 1/3 (not finished)") {
		t.Errorf("finalize after the crash: exit %d, %s", code, stderr)
	}
	convertShards(t, cli, src.dir, out, "dynamodb-json", 3, 1)
	if code, stdout, stderr := cli("convert", "finalize", out); code != 0 {
		t.Fatalf("finalize: exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkConverted(t, cli, out, src, "DYNAMODB_JSON")
	for _, name := range []string{manifest.FilesName, manifest.FilesMD5Name} {
		got, _ := os.ReadFile(filepath.Join(folder, name))
		want, _ := os.ReadFile(filepath.Join(exportFolder(t, clean), name))
		if len(got) == 0 || string(got) != string(want) {
			t.Errorf("%s after the rerun:\n%s\nwant the clean run's:\n%s", name, got, want)
		}
	}

	// finalize stopped after the summary, before its .md5: finalize again
	// writes the .md5.
	md5Path := filepath.Join(folder, manifest.SummaryMD5Name)
	want, _ := os.ReadFile(md5Path)
	if err := os.Remove(md5Path); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := cli("convert", "finalize", out); code != 0 || !strings.Contains(stdout, "wrote the missing") || !strings.Contains(stdout, "already complete") {
		t.Errorf("finalize without the summary's .md5: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(md5Path); len(want) == 0 || string(got) != string(want) {
		t.Errorf("manifest-summary.md5 %q, want %q", got, want)
	}
	checkConverted(t, cli, out, src, "DYNAMODB_JSON")
}

// TestShards_exportSourceFindings: a shard whose data files have a finding
// exits 1 and removes its own data files and records, not another
// shard's; finalize then misses it. Usage errors name the flag.
func TestShards_exportSourceFindings(t *testing.T) {
	cli := func(args ...string) (int, string, string) { return runCLI(t, args...) }
	e := genExportAs(t, gen.Options{Items: 90, Files: 6, Seed: 84})
	bad, f := e.nonEmpty()
	e.editLine(bad, 0, func(l string) string { return strings.Replace(l, `{"S":`, `{"Q":`, 1) })
	const n = 3
	badShard := verify.ShardOf(f.DataFileS3Key, n)
	good := (badShard + 1) % n
	out := t.TempDir()
	convertShards(t, cli, e.dir, out, "ion", n, good)
	before := tree(t, out)
	code, stdout, stderr := cli("convert", "--to", "ion", "-q", "--shard", fmt.Sprintf("%d/%d", badShard, n), "--out", out, e.dir)
	if code != exitFindings || !strings.Contains(stdout, "decode_error") || !strings.Contains(stderr, fmt.Sprintf("shard %d/%d not converted", badShard, n)) {
		t.Errorf("the bad shard: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if after := tree(t, out); !maps.Equal(before, after) {
		var diff []string
		for p := range after {
			if _, ok := before[p]; !ok {
				diff = append(diff, "+"+p)
			}
		}
		for p := range before {
			if _, ok := after[p]; !ok {
				diff = append(diff, "-"+p)
			}
		}
		t.Errorf("the bad shard left or removed files: %q", diff)
	}
	if code, _, stderr := cli("convert", "finalize", out); code != exitCannotCheck || !strings.Contains(stderr, fmt.Sprintf("%d/%d (not started)", badShard, n)) {
		t.Errorf("finalize: exit %d, %s", code, stderr)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", "--to", "ion", "--shard", "3/3", "--out", out, e.dir}, "--shard"},
		{[]string{"convert", "--to", "dynamodb-json", "--shard", "0/2", "--key", "pk", "--out", out, e.dir}, "--shard with --to dynamodb-json takes none of them"},
		{[]string{"convert", "--to", "ion", "--shard", "0/2", e.dir}, "--out is required"},
	} {
		if code, _, stderr := cli(tt.args...); code != exitCannotCheck || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, %s; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestS3_exportShards: a conversion in 3 shards from S3 into S3, on the
// local S3 server, then finalize there, verifies intact with the source's
// items and the records of an unsharded conversion.
func TestS3_exportShards(t *testing.T) {
	srv, bucket, flags := s3Env(t)
	bucketStore := s3store.New(srv.Client(srv.URL), bucket, "", s3store.Options{})
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append(slices.Clone(flags), args...)...)
	}
	src := genExportAs(t, shardJSONSource)
	upload(t, src.dir, bucketStore, "src/")
	remoteSrc := "s3://" + bucket + "/src"
	out := "s3://" + bucket + "/out"
	convertShards(t, cli, remoteSrc, out, "ion", 3, 0, 2)
	if code, _, stderr := cli("convert", "finalize", out); code != exitCannotCheck || !strings.Contains(stderr, "shard 1/3 (not started)") {
		t.Errorf("finalize before shard 1/3: exit %d, %s", code, stderr)
	}
	convertShards(t, cli, remoteSrc, out, "ion", 3, 1)
	if code, stdout, stderr := cli("convert", "finalize", out); code != 0 {
		t.Fatalf("finalize: exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkConverted(t, cli, out, src, "ION")
	single := t.TempDir()
	if code, _, stderr := runCLI(t, "convert", "--to", "ion", "-q", "--out", single, src.dir); code != 0 {
		t.Fatal(stderr)
	}
	if got, want := sortedCat(t, cli, out), sortedCat(t, cli, single); !slices.Equal(got, want) {
		t.Error("the records converted in S3 differ from the unsharded conversion's")
	}
	keys := storetest.Keys(t, bucketStore, "out/")
	var summaries int
	for _, k := range keys {
		if strings.HasSuffix(k, "/"+manifest.SummaryName) {
			summaries++
		}
	}
	if summaries != 1 || !slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, "/_shards/00002-of-00003/_SUCCESS") }) {
		t.Errorf("keys under out/: %q", keys)
	}
	if code, stdout, _ := cli("convert", "finalize", out); code != 0 || !strings.Contains(stdout, "already complete") {
		t.Errorf("finalize again: exit %d, %s", code, stdout)
	}
}
