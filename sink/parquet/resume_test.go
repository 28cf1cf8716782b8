package parquet_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/sink/parquet"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

// resumeInputs are six inputs of items of about 2 KB that compress
// little, so that files of 16 KiB roll every few records.
func resumeInputs() []input {
	items := newTableItems()
	var inputs []input
	for k := range 6 {
		in := input{File: fmt.Sprintf("data/in-%d.json.gz", k)}
		for i := range 30 + 15*k {
			in.Records = append(in.Records, &codec.Record{Item: items.item(1000*k + i)})
		}
		inputs = append(inputs, in)
	}
	return inputs
}

var resumeOptions = parquet.Options{Prefix: "out/", TargetFileSize: 16 << 10, RowGroupSize: 8 << 10}

// dirNames lists the names of the files under dir, relative to it.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestWriter_atomic checks, in a local folder, what a reader sees while a
// run is under way: every *.parquet file is published whole (it reads
// back, and has its _parts/ record), the files being written have
// temporary names no *.parquet glob matches, and _SUCCESS and the
// manifest appear only with Close.
func TestWriter_atomic(t *testing.T) {
	ctx := context.Background()
	inputs := resumeInputs()
	root := t.TempDir()
	st := localfs.New(root)
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Three partitions mid-way, one closed.
	var parts []*parquet.Partition
	for k, in := range inputs[:4] {
		p := w.Partition(ctx, in.File)
		for _, r := range in.Records[:len(in.Records)-3] {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if k == 0 {
			for _, r := range in.Records[len(in.Records)-3:] {
				p.Write(r)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
		parts = append(parts, p)
	}
	names := dirNames(t, filepath.Join(root, "out"))
	temps, published := 0, 0
	for _, n := range names {
		base := filepath.Base(n)
		switch {
		case strings.HasPrefix(base, ".ddbexport-tmp"):
			temps++
			if matched, _ := filepath.Match("*.parquet", base); matched {
				t.Errorf("temporary file %s matches *.parquet", n)
			}
		case strings.HasSuffix(n, ".parquet"):
			published++
			if !slices.Contains(names, "_parts/"+strings.TrimSuffix(n, ".parquet")+".json") {
				t.Errorf("%s without its _parts record", n)
			}
			b, err := os.ReadFile(filepath.Join(root, "out", n))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := readParquet(b); err != nil {
				t.Errorf("%s, published mid-run: %v", n, err)
			}
		case n == parquet.SuccessName || n == parquet.ManifestName:
			t.Errorf("%s before Close", n)
		}
	}
	if temps == 0 || published == 0 {
		t.Fatalf("mid-run: %d temporary files, %d published; want both (%q)", temps, published, names)
	}
	for _, p := range parts[1:] {
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The partitions wrote all but 3 records of inputs 1 to 3.
	want := slices.Clone(inputs[:4])
	for k := 1; k < 4; k++ {
		want[k].Records = want[k].Records[:len(want[k].Records)-3]
	}
	out := readOutput(t, st, "out/")
	checkSame(t, want, out, nil)
	for _, n := range dirNames(t, filepath.Join(root, "out")) {
		if strings.HasPrefix(filepath.Base(n), ".") {
			t.Errorf("%s left after Close", n)
		}
	}
}

// TestWriter_abortDiscard checks that Abort with discard leaves nothing,
// and that Close after Abort fails.
func TestWriter_abortDiscard(t *testing.T) {
	ctx := context.Background()
	inputs := resumeInputs()
	root := t.TempDir()
	st := localfs.New(root)
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInputs(ctx, w, inputs[:3], 2); err != nil {
		t.Fatal(err)
	}
	p := w.Partition(ctx, inputs[3].File)
	for _, r := range inputs[3].Records[:5] {
		p.Write(r)
	}
	if n := len(keysOf(t, st, "out/")); n < 3 {
		t.Fatalf("%d objects before Abort; want published files", n)
	}
	if err := w.Abort(ctx, true); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, root); len(names) != 0 {
		t.Errorf("Abort(discard) left %q", names)
	}
	// Bug fixed: Close after Abort published the discarded files (empty)
	// and wrote _SUCCESS.
	if _, err := w.Close(ctx); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if names := dirNames(t, root); len(names) != 0 {
		t.Errorf("Close after Abort wrote %q", names)
	}
}

// interrupt writes the inputs as an interrupted run does: the first
// complete, the next ones cut short at various points, the last not
// begun; then Abort keeps what was published.
func interrupt(t *testing.T, st store.Store, opt parquet.Options, inputs []input) {
	t.Helper()
	ctx := context.Background()
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	for k, in := range inputs[:len(inputs)-1] {
		p := w.Partition(ctx, in.File)
		n := len(in.Records)
		if k > 1 {
			n = n * k / len(inputs)
		}
		for _, r := range in.Records[:n] {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if k <= 1 {
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Abort(ctx, false); err != nil {
		t.Fatal(err)
	}
	keys := keysOf(t, st, opt.Prefix)
	if slices.Contains(keys, parquet.SuccessName) || slices.Contains(keys, parquet.ManifestName) {
		t.Fatalf("an interrupted run left %q", keys)
	}
	if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "_parts/") }) {
		t.Fatalf("no _parts/ records after Abort(ctx, false): %q", keys)
	}
}

// resume continues an interrupted output and writes what it does not
// hold yet, then checks the output: every record exactly once, in order.
func resume(t *testing.T, st store.Store, opt parquet.Options, inputs []input) (map[string]parquet.Progress, *output) {
	t.Helper()
	ctx := context.Background()
	w, progress, err := parquet.Resume(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	var rest []input
	for _, in := range inputs {
		pr := progress[in.File]
		if pr.Done {
			continue
		}
		rest = append(rest, in)
	}
	// The resumed run writes each input not done whole, through
	// PartitionAt, which skips what the output holds.
	for _, in := range rest {
		p := w.PartitionAt(ctx, in.File, progress[in.File])
		for _, r := range in.Records {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	out := readOutput(t, st, opt.Prefix)
	checkSame(t, inputs, out, nil)
	return progress, out
}

func TestResume(t *testing.T) {
	inputs := resumeInputs()
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	st := storetest.NewMem()
	interrupt(t, st, opt, inputs)
	before := keysOf(t, st, "out/")
	progress, out := resume(t, st, parquet.Options{Prefix: opt.Prefix, TargetFileSize: opt.TargetFileSize, RowGroupSize: opt.RowGroupSize}, inputs)
	partial := 0
	for k, in := range inputs {
		pr := progress[in.File]
		if (k <= 1) != pr.Done {
			t.Errorf("%s: progress %+v", in.File, pr)
		}
		if !pr.Done && pr.Rows > 0 {
			partial++
		}
	}
	if partial == 0 {
		t.Errorf("progress %+v: no input cut short continues from its published parts", progress)
	}
	// Files kept from the first run are still there, unchanged in name.
	kept := 0
	for _, f := range out.Manifest.Files {
		if slices.Contains(before, f.Path) {
			kept++
		}
	}
	if kept == 0 {
		t.Error("no file of the first run kept")
	}
}

// TestResume_shared interrupts a run in which one file holds a complete
// input and the first part of one cut short: the file is kept, and the
// resumed run continues the second input after the rows it holds.
func TestResume_shared(t *testing.T) {
	ctx := context.Background()
	all := resumeInputs()
	inputs := []input{{File: all[0].File, Records: all[0].Records[:3]}, all[5]}
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	st := storetest.NewMem()
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeInputs(ctx, w, inputs[:1], 1); err != nil {
		t.Fatal(err)
	}
	p := w.Partition(ctx, inputs[1].File)
	for _, r := range inputs[1].Records[:len(inputs[1].Records)/2] {
		if err := p.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Abort(ctx, false); err != nil {
		t.Fatal(err)
	}
	var shared string
	for _, k := range keysOf(t, st, "out/_parts/") {
		var f parquet.OutputFile
		readJSON(t, st, "out/_parts/"+k, &f)
		if len(f.Inputs) == 2 && f.Inputs[0].File == inputs[0].File && f.Inputs[0].Last && f.Inputs[1].File == inputs[1].File && f.Inputs[1].Part == 0 {
			shared = f.Path
		}
	}
	if shared == "" {
		t.Fatal("no file published holding both inputs")
	}
	progress, out := resume(t, st, parquet.Options{Prefix: "out/"}, inputs)
	if !progress[inputs[0].File].Done || progress[inputs[1].File].Done || progress[inputs[1].File].Rows == 0 {
		t.Errorf("progress %+v", progress)
	}
	if _, ok := out.Files[shared]; !ok {
		t.Errorf("%s, holding a complete input and part 0 of one cut short, not kept", shared)
	}
}

// TestResume_gap removes a published file of the interrupted run: the
// files holding later parts of its inputs must go too (they continue no
// kept part), and the resumed run writes those inputs again from there.
func TestResume_gap(t *testing.T) {
	inputs := resumeInputs()
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	st := storetest.NewMem()
	interrupt(t, st, opt, inputs)
	// Remove the file holding part 0 of the input with the most parts.
	ctx := context.Background()
	records := map[string]parquet.OutputFile{}
	parts := map[string]int{}
	for _, k := range keysOf(t, st, "out/_parts/") {
		var f parquet.OutputFile
		readJSON(t, st, "out/_parts/"+k, &f)
		records[f.Path] = f
		for _, in := range f.Inputs {
			parts[in.File] = max(parts[in.File], in.Part+1)
		}
	}
	var victim, file string
	for name, f := range records {
		for _, in := range f.Inputs {
			if in.Part == 0 && parts[in.File] >= 2 && (file == "" || in.File < file) {
				victim, file = name, in.File
			}
		}
	}
	if victim == "" {
		t.Fatalf("no input in several files: %v", parts)
	}
	if err := st.Remove(ctx, "out/"+victim); err != nil {
		t.Fatal(err)
	}
	progress, out := resume(t, st, parquet.Options{Prefix: "out/"}, inputs)
	if pr := progress[file]; pr.Rows != 0 || pr.Parts != 0 {
		t.Errorf("%s, its part 0 removed: progress %+v", file, pr)
	}
	for _, f := range out.Manifest.Files {
		if rec, ok := records[f.Path]; ok {
			for _, in := range rec.Inputs {
				if in.File == file {
					t.Errorf("%s, holding part %d of %s, kept", f.Path, in.Part, file)
				}
			}
		}
	}
}

func readJSON(t *testing.T, st store.Store, key string, v any) {
	t.Helper()
	b := storetest.Get(t, st, key)
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func TestResume_edges(t *testing.T) {
	ctx := context.Background()
	inputs := resumeInputs()[:2]
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})

	// An empty folder: nothing to resume.
	st := storetest.NewMem()
	if _, _, err := parquet.Resume(ctx, st, opt); !errors.Is(err, parquet.ErrNothingToResume) {
		t.Errorf("empty folder: %v", err)
	}
	// A complete output: nothing to resume either, and it says so.
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, inputs, 2)
	if _, _, err := parquet.Resume(ctx, st, opt); err == nil || !strings.Contains(err.Error(), "complete") {
		t.Errorf("complete output: %v", err)
	}
	// New refuses a folder that is not empty.
	if _, err := parquet.New(ctx, st, opt); err == nil {
		t.Error("New in a folder holding an output")
	}
	// Another schema than the interrupted run's.
	st = storetest.NewMem()
	interrupt(t, st, opt, resumeInputs())
	other := infer(t, []input{{Records: fullRecords(typesItems()[:3])}}, parquet.InferOptions{})
	o2 := opt
	o2.Schema = other
	if _, _, err := parquet.Resume(ctx, st, o2); err == nil || !strings.Contains(err.Error(), "schema differs") {
		t.Errorf("other schema: %v", err)
	}
	// The same schema given is accepted.
	if _, _, err := parquet.Resume(ctx, st, opt); err != nil {
		t.Errorf("same schema: %v", err)
	}
}

// TestResume_killed: a run that dies (no Abort, no Close: the process was
// killed) leaves the temporary files of the Parquet files it was writing
// in a local folder. Resume removes them along with the files it does not
// keep, and the resumed output holds nothing else.
func TestResume_killed(t *testing.T) {
	ctx := context.Background()
	inputs := resumeInputs()
	opt := resumeOptions
	opt.Schema = infer(t, inputs, parquet.InferOptions{})
	dir := t.TempDir()
	st := localfs.New(dir)
	w, err := parquet.New(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	for k, in := range inputs {
		p := w.Partition(ctx, in.File)
		for _, r := range in.Records {
			if err := p.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if k < 2 {
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Killed here.
	hidden := func() []string {
		var names []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), ".") && p != dir {
				names = append(names, p)
			}
			return nil
		})
		return names
	}
	if len(hidden()) == 0 {
		t.Fatal("the killed run left no temporary file: the test shows nothing")
	}
	resume(t, st, parquet.Options{Prefix: opt.Prefix, TargetFileSize: opt.TargetFileSize, RowGroupSize: opt.RowGroupSize}, inputs)
	if h := hidden(); len(h) > 0 {
		t.Errorf("left after the resumed run: %q", h)
	}
}
