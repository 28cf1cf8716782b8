package parquet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/pipeline"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
	"github.com/ddbexport/ddbexport/verify"
)

// genInputs returns the records of a generated export, dealt to its data
// files as the generator deals them.
func genInputs(t testing.TB, opt gen.Options) []input {
	t.Helper()
	src, err := gen.NewSource(opt)
	if err != nil {
		t.Fatal(err)
	}
	files := max(opt.Files, gen.DefaultFiles)
	inputs := make([]input, files)
	for i := range inputs {
		inputs[i].File = fmt.Sprintf("data/gen-%d.json.gz", i)
	}
	i := 0
	for r := range src.Records() {
		k := src.Partition(i)
		inputs[k].Records = append(inputs[k].Records, r)
		i++
	}
	return inputs
}

func TestRoundTrip_gen(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  gen.Options
		iopt parquet.InferOptions
	}{
		{"full", gen.Options{Items: 150, Kind: gen.Full, Seed: 1}, parquet.InferOptions{}},
		{"full sort key", gen.Options{Items: 150, Kind: gen.Full, Seed: 2, Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeB}, Sort: gen.Key{Name: "at", Type: codec.TypeN}}}, parquet.InferOptions{Keys: []string{"id", "at"}}},
		{"full table shape", gen.Options{Items: 2000, Kind: gen.Full, Seed: 3, Shape: gen.ShapeTable}, parquet.InferOptions{}},
		{"full mixed json", gen.Options{Items: 150, Kind: gen.Full, Seed: 4}, parquet.InferOptions{Mixed: parquet.MixedJSON}},
		{"full numbers string", gen.Options{Items: 150, Kind: gen.Full, Seed: 5}, parquet.InferOptions{Numbers: parquet.NumbersString}},
		{"incremental new and old", gen.Options{Items: 150, Kind: gen.Incremental, Seed: 6}, parquet.InferOptions{}},
		{"incremental new image", gen.Options{Items: 150, Kind: gen.Incremental, Seed: 7, View: manifest.ViewNewImage}, parquet.InferOptions{}},
		{"incremental sort key", gen.Options{Items: 150, Kind: gen.Incremental, Seed: 8, Keys: gen.KeySchema{Partition: gen.Key{Name: "pk"}, Sort: gen.Key{Name: "sk", Type: codec.TypeN}}}, parquet.InferOptions{Keys: []string{"sk", "pk"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if (raceEnabled || testing.Short()) && c.opt.Shape == gen.ShapeVaried {
				// Varied items give thousands of columns, each paid for
				// in every row group: fewer items keep the check and
				// the run short.
				c.opt.Items = 40
			}
			inputs := genInputs(t, c.opt)
			s, out := roundTrip(t, inputs, c.iopt, parquet.Options{TargetFileSize: 512 << 10, RowGroupSize: 128 << 10})
			leaves := 0
			walkTypes(s, func(string, *parquet.Type) { leaves++ })
			t.Logf("%d records, %d slot types, %d files", len(out.Records), leaves, len(out.Manifest.Files))
			if c.opt.Kind == gen.Incremental {
				if s.Kind != parquet.KindIncremental {
					t.Fatalf("kind %s", s.Kind)
				}
				ops := map[codec.Op]int{}
				for _, r := range out.Records {
					ops[r.Op()]++
				}
				if ops[codec.OpInsert] == 0 || ops[codec.OpRemove] == 0 || (c.opt.View != manifest.ViewNewImage) != (ops[codec.OpModify] > 0) {
					t.Errorf("ops read back: %v", ops)
				}
			}
			if len(c.iopt.Keys) > 0 {
				var keys []string
				for _, k := range s.Keys {
					keys = append(keys, k.Name)
				}
				if !slices.Equal(keys, c.iopt.Keys) {
					t.Errorf("keys %q, want %q", keys, c.iopt.Keys)
				}
			}
		})
	}
}

// TestRoundTrip_ops writes one record of each kind of change, in both
// views, by hand: the op column and the images (absent, empty, present)
// must come back as written.
func TestRoundTrip_ops(t *testing.T) {
	key := func(i int) codec.Item { return codec.Item{codec.S(fmt.Sprint("k", i)).Named("pk")} }
	img := func(i int) codec.Item {
		return codec.Item{codec.S(fmt.Sprint("k", i)).Named("pk"), codec.N(fmt.Sprint(i)).Named("n"), codec.Null().Named("gone")}
	}
	recs := []*codec.Record{
		{Keys: key(0), NewImage: img(0), WriteTimestampMicros: 1},                                    // INSERT
		{Keys: key(1), NewImage: img(1), OldImage: img(100), WriteTimestampMicros: 1700000000000000}, // MODIFY
		{Keys: key(2), OldImage: img(2), WriteTimestampMicros: -5},                                   // REMOVE, both images view
		{Keys: key(3), WriteTimestampMicros: 253402300799999999},                                     // REMOVE, NEW_IMAGE view
		{Keys: key(4), NewImage: codec.Item{}, OldImage: codec.Item{}},                               // empty images
	}
	for _, r := range recs {
		if !r.IsChange() {
			t.Fatal("not a change record")
		}
	}
	_, out := roundTrip(t, []input{{File: "data/a.json.gz", Records: recs}}, parquet.InferOptions{}, smallFiles)
	var ops []string
	for _, r := range out.Records {
		ops = append(ops, r.Op().String())
	}
	if want := []string{"INSERT", "MODIFY", "REMOVE", "REMOVE", "MODIFY"}; !slices.Equal(ops, want) {
		t.Errorf("ops %q, want %q", ops, want)
	}
}

// realExports returns the folder of real DynamoDB exports beside the
// module (../shared/real-exports from its root), or skips t.
func realExports(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "real-exports")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real DynamoDB exports not found at %s (expected beside the module, see shared/real-exports/README.md): %v", dir, err)
	}
	return dir
}

// TestRoundTrip_realExports converts each real export with the project's
// own reading (manifest.Find, then verify.Verify with the Writer as its
// sink, as the converter does) and checks every item read back against
// the items the export's data files hold (decoded again, through the
// pipeline, on their own).
func TestRoundTrip_realExports(t *testing.T) {
	real := realExports(t)
	ctx := context.Background()
	for _, name := range []string{"pfeilbr-2020", "scylla-2024"} {
		t.Run(name, func(t *testing.T) {
			st := localfs.New(filepath.Join(real, name))
			refs, err := manifest.Find(ctx, st, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) != 1 {
				t.Fatalf("found %d exports", len(refs))
			}
			ref := refs[0]
			// First pass: the items of each data file, and the schema.
			var mu syncMutex
			items := map[string][]*codec.Record{}
			in := parquet.NewInferrer(parquet.InferOptions{})
			rep, err := verify.Verify(ctx, st, ref, verify.Options{Sink: func(task *pipeline.Task) (pipeline.RecordSink, error) {
				return &collectSink{add: func(r *codec.Record) {
					mu.Lock()
					defer mu.Unlock()
					r = r.Clone()
					items[task.File.DataFileS3Key] = append(items[task.File.DataFileS3Key], r)
					in.Add(r)
				}}, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) > 0 {
				t.Fatalf("the export does not verify: %+v", rep.Findings)
			}
			s, err := in.Schema()
			if err != nil {
				t.Fatal(err)
			}
			// Second pass: convert.
			out := storetest.NewMem()
			w, err := parquet.New(ctx, out, parquet.Options{Schema: s, Prefix: "pq/"})
			if err != nil {
				t.Fatal(err)
			}
			rep, err = verify.Verify(ctx, st, ref, verify.Options{Sink: func(task *pipeline.Task) (pipeline.RecordSink, error) {
				return w.Partition(ctx, task.File.DataFileS3Key), nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) > 0 {
				t.Fatalf("findings on the second pass: %+v", rep.Findings)
			}
			m, err := w.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := readOutput(t, out, "pq/")
			checkManifestEqual(t, m, got.Manifest)
			var inputs []input
			total := 0
			for _, file := range slices.Sorted(mapsKeys(items)) {
				inputs = append(inputs, input{File: file, Records: items[file]})
				total += len(items[file])
			}
			if total != 3 {
				t.Errorf("%d items in the export, want 3", total)
			}
			checkSame(t, inputs, got, nil)
			t.Logf("%s: %d items, schema %s", name, total, s.MarshalCompact())
		})
	}
}

type collectSink struct{ add func(*codec.Record) }

func (c *collectSink) Write(r *codec.Record) error { c.add(r); return nil }
func (c *collectSink) Close() error                { return nil }
