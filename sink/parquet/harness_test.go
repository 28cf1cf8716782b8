package parquet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"strconv"
	"sync"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// An input is the records of one source data file.
type input struct {
	File    string
	Records []*codec.Record
}

// split deals recs into n inputs of consecutive records, of uneven sizes
// (the first gets the most), some possibly empty.
func split(recs []*codec.Record, n int) []input {
	out := make([]input, n)
	for i := range out {
		out[i].File = fmt.Sprintf("data/file-%02d.json.gz", i)
	}
	lo := 0
	for i := range out {
		size := (len(recs) - lo) / 2
		if i == n-1 {
			size = len(recs) - lo
		}
		out[i].Records = recs[lo : lo+size]
		lo += size
	}
	return out
}

func fullRecords(items []codec.Item) []*codec.Record {
	recs := make([]*codec.Record, len(items))
	for i, it := range items {
		recs[i] = &codec.Record{Item: it}
	}
	return recs
}

// infer learns the schema of the inputs with one Inferrer per input,
// merged, as the converter does with one per worker.
func infer(t testing.TB, inputs []input, opt parquet.InferOptions) *parquet.Schema {
	t.Helper()
	all := parquet.NewInferrer(opt)
	for _, in := range inputs {
		one := parquet.NewInferrer(opt)
		for _, r := range in.Records {
			one.Add(r)
		}
		all.Merge(one)
	}
	s, err := all.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeAll writes the inputs, one Partition each, from concurrent
// goroutines (at most workers at once), and closes the writer.
func writeAll(t testing.TB, w *parquet.Writer, inputs []input, workers int) *parquet.Manifest {
	t.Helper()
	ctx := context.Background()
	if err := writeInputs(ctx, w, inputs, workers); err != nil {
		t.Fatal(err)
	}
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeInputs(ctx context.Context, w *parquet.Writer, inputs []input, workers int) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, workers)
	)
	for _, in := range inputs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p := w.Partition(ctx, in.File)
			for i, r := range in.Records {
				if err := p.Write(r); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s record %d: %w", in.File, i, err))
					mu.Unlock()
					p.Close()
					return
				}
			}
			if err := p.Close(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: close: %w", in.File, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// byInput splits the output's rows by the input they came from, in the
// input's order: a file holds its inputs' parts one after the other, in
// the order of its Inputs, and an input's parts are in part order.
func byInput(t testing.TB, out *output) map[string][]*codec.Record {
	t.Helper()
	type part struct {
		n    int
		recs []*codec.Record
	}
	parts := map[string][]part{}
	for _, mf := range out.Manifest.Files {
		recs := out.Files[mf.Path].Records
		lo := int64(0)
		for _, in := range mf.Inputs {
			if lo+in.Rows > int64(len(recs)) {
				t.Fatalf("%s: inputs hold more rows than the file", mf.Path)
			}
			parts[in.File] = append(parts[in.File], part{in.Part, recs[lo : lo+in.Rows]})
			lo += in.Rows
		}
	}
	res := map[string][]*codec.Record{}
	for file, ps := range parts {
		recs := []*codec.Record{}
		for i := range ps {
			for _, p := range ps {
				if p.n == i {
					recs = append(recs, p.recs...)
				}
			}
		}
		res[file] = recs
	}
	return res
}

// checkSame checks that out holds exactly the records of inputs: each
// input's records, in order, equal by codec.ItemEqual (or by eq).
func checkSame(t testing.TB, inputs []input, out *output, eq func(a, b codec.Item) bool) {
	t.Helper()
	if eq == nil {
		eq = codec.ItemEqual
	}
	got := byInput(t, out)
	var total int64
	for _, in := range inputs {
		total += int64(len(in.Records))
		g := got[in.File]
		if len(g) != len(in.Records) {
			t.Errorf("%s: read %d records, wrote %d", in.File, len(g), len(in.Records))
			continue
		}
		bad := 0
		for i, w := range in.Records {
			if err := recordDiff(w, g[i], eq); err != nil {
				if bad++; bad <= 5 {
					t.Errorf("%s record %d: %v", in.File, i, err)
				}
			}
		}
	}
	if out.Manifest.Rows != total {
		t.Errorf("manifest rows %d, wrote %d", out.Manifest.Rows, total)
	}
}

func recordDiff(want, got *codec.Record, eq func(a, b codec.Item) bool) error {
	if want.IsChange() != got.IsChange() {
		return fmt.Errorf("change %t, want %t", got.IsChange(), want.IsChange())
	}
	if !want.IsChange() {
		if !eq(want.Item, got.Item) {
			return fmt.Errorf("item differs:\n got %v\nwant %v", got.Item, want.Item)
		}
		return nil
	}
	if want.WriteTimestampMicros != got.WriteTimestampMicros {
		return fmt.Errorf("write time %d, want %d", got.WriteTimestampMicros, want.WriteTimestampMicros)
	}
	if !eq(want.Keys, got.Keys) {
		return fmt.Errorf("keys differ:\n got %v\nwant %v", got.Keys, want.Keys)
	}
	for _, im := range []struct {
		name      string
		want, got codec.Item
	}{{"NewImage", want.NewImage, got.NewImage}, {"OldImage", want.OldImage, got.OldImage}} {
		if (im.want == nil) != (im.got == nil) {
			return fmt.Errorf("%s present %t, want %t", im.name, im.got != nil, im.want != nil)
		}
		if !eq(im.want, im.got) {
			return fmt.Errorf("%s differs:\n got %v\nwant %v", im.name, im.got, im.want)
		}
	}
	if want.Op() != got.Op() {
		return fmt.Errorf("op %v, want %v", got.Op(), want.Op())
	}
	return nil
}

// roundTrip infers the schema of inputs, writes them into a fresh store
// with small files and row groups, reads the output back and checks that
// it holds the same records. It returns the schema and the output.
func roundTrip(t testing.TB, inputs []input, iopt parquet.InferOptions, wopt parquet.Options) (*parquet.Schema, *output) {
	t.Helper()
	s := wopt.Schema
	if s == nil {
		s = infer(t, inputs, iopt)
		wopt.Schema = s
	}
	st := storetest.NewMem()
	if wopt.Prefix == "" {
		wopt.Prefix = "out/"
	}
	w, err := parquet.New(context.Background(), st, wopt)
	if err != nil {
		t.Fatal(err)
	}
	m := writeAll(t, w, inputs, 3)
	out := readOutput(t, st, wopt.Prefix)
	checkManifestEqual(t, m, out.Manifest)
	var eq func(a, b codec.Item) bool
	if usesDouble(s) {
		eq = itemEqualDouble
	}
	checkSame(t, inputs, out, eq)
	return s, out
}

func checkManifestEqual(t testing.TB, returned, stored *parquet.Manifest) {
	t.Helper()
	a, b := fmt.Sprintf("%+v", *returned), fmt.Sprintf("%+v", *stored)
	if a != b {
		t.Errorf("Close returned manifest\n%s\n_manifest.json holds\n%s", a, b)
	}
}

// usesDouble reports whether some number column of s is a double.
func usesDouble(s *parquet.Schema) bool {
	found := false
	walkTypes(s, func(_ string, ty *parquet.Type) {
		if ty.Number == parquet.NumberDouble {
			found = true
		}
	})
	return found
}

// walkTypes calls f with every type of every slot of s, and the slot's
// path.
func walkTypes(s *parquet.Schema, f func(path string, t *parquet.Type)) {
	var slot func(path string, sl *parquet.Slot)
	slot = func(path string, sl *parquet.Slot) {
		for _, ty := range sl.Types {
			f(path, ty)
			if ty.Element != nil {
				slot(path+"[]", ty.Element)
			}
			for _, fl := range ty.Fields {
				slot(path+"."+fl.Name, fl)
			}
		}
	}
	for _, sl := range s.Keys {
		slot(sl.Name, sl)
	}
	for _, sl := range s.Attributes {
		slot(sl.Name, sl)
	}
}

// itemEqualDouble is codec.ItemEqual with numbers equal when they round
// to the same float64, what a double column keeps.
func itemEqualDouble(a, b codec.Item) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y, ok := b.Get(x.Name)
		if !ok || !valueEqualDouble(x, y) {
			return false
		}
	}
	return true
}

func valueEqualDouble(a, b codec.Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case codec.TypeN:
		fa, err1 := strconv.ParseFloat(a.Str, 64)
		fb, err2 := strconv.ParseFloat(b.Str, 64)
		return err1 == nil && err2 == nil && fa == fb
	case codec.TypeM:
		return itemEqualDouble(a.Elems, b.Elems)
	case codec.TypeL, codec.TypeNS:
		if len(a.Elems) != len(b.Elems) {
			return false
		}
		for i := range a.Elems {
			if a.Type == codec.TypeL && !valueEqualDouble(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
		if a.Type == codec.TypeNS {
			// Sets: every element of a rounds to one of b.
			for _, x := range a.Elems {
				found := false
				for _, y := range b.Elems {
					found = found || valueEqualDouble(x, y)
				}
				if !found {
					return false
				}
			}
		}
		return true
	}
	return codec.Equal(a, b)
}

// slotOf returns the top-level slot named name.
func slotOf(t testing.TB, s *parquet.Schema, name string) *parquet.Slot {
	t.Helper()
	for _, sl := range append(append([]*parquet.Slot{}, s.Keys...), s.Attributes...) {
		if sl.Name == name {
			return sl
		}
	}
	t.Fatalf("no slot %q in the schema", name)
	return nil
}

// keysOf lists the keys of st under prefix, without it.
func keysOf(t testing.TB, st store.Store, prefix string) []string {
	t.Helper()
	var out []string
	for _, k := range storetest.Keys(t, st, prefix) {
		out = append(out, k[len(prefix):])
	}
	return out
}

type syncMutex = sync.Mutex

func mapsKeys[K comparable, V any](m map[K]V) iter.Seq[K] { return maps.Keys(m) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
