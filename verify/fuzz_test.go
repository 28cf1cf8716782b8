package verify_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
	"github.com/ddbexport/ddbexport/verify"
)

// A fuzzExport is a small generated export, built once, whose objects a
// fuzz input mutates through an overlay: the base store is never written.
type fuzzExport struct {
	st      *storetest.Mem
	ref     manifest.Ref
	targets []string          // keys a fuzz input may pick: data files, then the manifests and .md5 files
	data    int               // targets[:data] are data files
	plain   map[string][]byte // decompressed content of each data file
	baseRep []byte            // the report of the intact export (Workers 1)
}

var (
	fuzzOnce    sync.Once
	fuzzExports []*fuzzExport
	fuzzErr     error
)

func fuzzSetup(tb testing.TB) []*fuzzExport {
	tb.Helper()
	fuzzOnce.Do(func() {
		for _, kind := range []gen.Kind{gen.Full, gen.Incremental} {
			e, err := newFuzzExport(kind)
			if err != nil {
				fuzzErr = fmt.Errorf("%v export: %w", kind, err)
				return
			}
			fuzzExports = append(fuzzExports, e)
		}
	})
	if fuzzErr != nil {
		tb.Fatal(fuzzErr)
	}
	return fuzzExports
}

func newFuzzExport(kind gen.Kind) (*fuzzExport, error) {
	ctx := context.Background()
	st := storetest.NewMem()
	opt := gen.Options{Items: 30, Files: 3, Kind: kind, Seed: 7, MaxItemBytes: 4 << 10,
		Keys: gen.KeySchema{Sort: gen.Key{Name: "sk", Type: codec.TypeN}}}
	ref, _, err := gen.Write(ctx, st, opt, func(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) })
	if err != nil {
		return nil, err
	}
	e := &fuzzExport{st: st, ref: ref, plain: map[string][]byte{}}
	files, bad, _, err := manifest.ReadFiles(ctx, st, ref.Key(manifest.FilesName))
	if err != nil || len(bad) > 0 {
		return nil, fmt.Errorf("reading the files manifest: %v %v", err, bad)
	}
	for _, f := range files {
		raw, err := store.ReadAll(ctx, st, f.DataFileS3Key, 64<<20)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		p, err := io.ReadAll(zr)
		if err != nil {
			return nil, err
		}
		e.targets = append(e.targets, f.DataFileS3Key)
		e.plain[f.DataFileS3Key] = p
	}
	e.data = len(e.targets)
	for _, name := range []string{manifest.FilesName, manifest.SummaryName, "manifest-files.md5", "manifest-summary.md5"} {
		e.targets = append(e.targets, ref.Key(name))
	}
	rep, err := verify.Verify(ctx, st, ref, verify.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	if rep.ExitCode() != verify.ExitIntact || len(rep.Warnings) != 0 {
		return nil, fmt.Errorf("the generated export is not intact: %+v %+v %+v", rep.Findings, rep.Warnings, rep.Errors)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		return nil, err
	}
	e.baseRep = buf.Bytes()
	return e, nil
}

func (e *fuzzExport) get(key string) []byte {
	b, err := store.ReadAll(context.Background(), e.st, key, 64<<20)
	if err != nil {
		panic(err)
	}
	return b
}

// overlay is a read-only store.Store that replaces some objects of a base
// store; a nil replacement deletes the object.
type overlay struct {
	base store.Store
	objs map[string][]byte
}

func (o *overlay) Stat(ctx context.Context, key string) (store.Object, error) {
	if b, ok := o.objs[key]; ok {
		if b == nil {
			return store.Object{}, fmt.Errorf("stat %s: %w", key, store.ErrNotExist)
		}
		return store.Object{Key: key, Size: int64(len(b))}, nil
	}
	return o.base.Stat(ctx, key)
}

func (o *overlay) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if b, ok := o.objs[key]; ok {
		if b == nil {
			return nil, fmt.Errorf("open %s: %w", key, store.ErrNotExist)
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	return o.base.Open(ctx, key)
}

func (o *overlay) List(ctx context.Context, prefix string) iter.Seq2[store.Object, error] {
	return func(yield func(store.Object, error) bool) {
		for obj, err := range o.base.List(ctx, prefix) {
			if err != nil {
				yield(obj, err)
				return
			}
			if b, ok := o.objs[obj.Key]; ok {
				if b == nil {
					continue
				}
				obj.Size = int64(len(b))
			}
			if !yield(obj, nil) {
				return
			}
		}
	}
}

func (o *overlay) Create(ctx context.Context, key string) (store.Writer, error) {
	return nil, fmt.Errorf("overlay: read-only")
}

func (o *overlay) Remove(ctx context.Context, key string) error {
	return fmt.Errorf("overlay: read-only")
}

func (o *overlay) String() string { return o.base.String() }

// Mutation operations, chosen by op%6.
const (
	opXor       = iota // xor data into the object from off on, wrapping around
	opTruncate         // cut the object at off
	opInsert           // insert data at off
	opReplace          // replace the object with data
	opOverwrite        // write data over the object from off on, growing it if needed
	opDelete           // delete len(data)+1 bytes from off
	numOps
)

// op bits above the operation, for data files only.
const (
	// opInner applies the mutation to the decompressed content, then
	// gzips it again: the stored bytes change, so the MD5 still catches
	// it, but the decoder sees valid gzip.
	opInner = 8
	// opSealed is opInner plus a manifest "resealed" to match: the new
	// md5Checksum and etag in manifest-files.json, and a new
	// manifest-files.md5. Only the content itself (record count, record
	// validity) can then show the change, and a valid edit cannot be
	// detected, so no finding is required.
	opSealed = 16
)

func mutate(orig []byte, op uint8, off uint16, data []byte) []byte {
	b := bytes.Clone(orig)
	o := 0
	if len(b) > 0 {
		o = int(off) % (len(b) + 1)
	}
	switch op % numOps {
	case opXor:
		if len(b) == 0 {
			return b
		}
		for i, x := range data {
			b[(int(off)+i)%len(b)] ^= x
		}
	case opTruncate:
		b = b[:o]
	case opInsert:
		b = slices.Insert(b, o, data...)
	case opReplace:
		b = bytes.Clone(data)
	case opOverwrite:
		if end := o + len(data); end > len(b) {
			b = append(b, make([]byte, end-len(b))...)
		}
		copy(b[o:], data)
	case opDelete:
		b = slices.Delete(b, o, min(len(b), o+len(data)+1))
	}
	return b
}

func gzipBytes(p []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(p)
	zw.Close()
	return buf.Bytes()
}

// records counts newline-framed records as verify does: newline-terminated
// lines plus a final unterminated one.
func records(p []byte) int {
	n := bytes.Count(p, []byte("\n"))
	if len(p) > 0 && p[len(p)-1] != '\n' {
		n++
	}
	return n
}

// FuzzVerify mutates one object of a generated export (full or
// incremental): a data file, manifest-files.json, manifest-summary.json or
// one of the .md5 files. Verify must not panic or hang, must return no
// error, must give byte-identical reports with 1 and 3 workers, and must
// report a finding for every change, except those undetectable by design:
//
//   - a .md5 file whose trimmed content is another spelling of the same MD5
//     (white space around it, or the 32-digit hex form, in either case),
//     which manifest.DecodeMD5 accepts on purpose;
//   - an edit of a data file's content that is resealed (opSealed: new
//     md5Checksum, etag and manifest-files.md5) and leaves valid records
//     in the same number. Nothing binds the data to the manifests but
//     those checksums and counts; the summary's itemCount is the only
//     check across manifests, and it holds. A resealed edit that changes
//     the number of records must be reported.
//
// Every unchanged input must leave the report of the intact export.
func FuzzVerify(f *testing.F) {
	// Seeds: which export (bit 0 of sel) and which target (sel>>1), the
	// operation, its offset and data.
	type seed struct {
		sel, op uint8
		off     uint16
		data    string
	}
	const (
		files   = 3 // target index of manifest-files.json
		summary = 4
		filesMD = 5
		sumMD   = 6
	)
	t := func(export, target int) uint8 { return uint8(target<<1 | export) }
	seeds := []seed{
		{t(0, 0), opXor, 0, ""},                                               // no change
		{t(0, 0), opXor, 30, "\x01"},                                          // a data byte flipped: checksum_mismatch
		{t(1, 1), opTruncate, 25, ""},                                         // a truncated gzip
		{t(0, 2), opReplace, 0, ""},                                           // an empty data file
		{t(0, 0), opInner | opXor, 5, "\x20"},                                 // a record edited inside valid gzip
		{t(1, 0), opSealed | opDelete, 0, strings.Repeat("x", 40)},            // a resealed edit breaking the first record
		{t(0, 1), opSealed | opInsert, 0, "\n"},                               // a resealed empty line: count and empty_line
		{t(1, 2), opSealed | opInsert, 0, `{"Item":{"pk":{"S":"x"}}}` + "\n"}, // a full record in an incremental export
		{t(0, files), opXor, 14, "\x01"},                                      // itemCount edited in manifest-files.json
		{t(0, files), opTruncate, 0, ""},                                      // an empty files manifest
		{t(1, files), opInsert, 0, "\n\n"},                                    // blank lines: still the MD5
		{t(0, files), opInsert, 0, strings.Repeat("y", 70<<10)},               // a line too long
		{t(1, summary), opInsert, 1, `"unknownKey":1,`},                       // an unknown key: parsed the same, caught by the .md5
		{t(0, summary), opInsert, 0, " "},                                     // white space before the object
		{t(0, summary), opReplace, 0, "{}"},                                   // an empty summary
		{t(1, summary), opTruncate, 100, ""},                                  // a truncated summary
		{t(0, filesMD), opInsert, 24, "\n"},                                   // a trailing newline in a .md5: undetectable by design
		{t(1, sumMD), opXor, 21, "\x01"},                                      // a stray bit in the last base64 character
		{t(0, sumMD), opOverwrite, 0, strings.Repeat("A", 2000)},              // a .md5 far too large
		{t(1, filesMD), opReplace, 0, ""},                                     // an empty .md5
	}
	for _, s := range seeds {
		f.Add(s.sel, s.op, s.off, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, sel, op uint8, off uint16, data []byte) {
		exps := fuzzSetup(t)
		e := exps[int(sel&1)%len(exps)]
		target := e.targets[int(sel>>1)%len(e.targets)]
		objs := map[string][]byte{}
		orig := e.get(target)
		changed := false   // the stored bytes of some object differ
		mustDetect := true // the change must give a finding
		isData := slices.Index(e.targets, target) < e.data
		if isData && op&(opInner|opSealed) != 0 {
			p := e.plain[target]
			np := mutate(p, op, off, data)
			if bytes.Equal(np, p) {
				return // the same records, in a gzip stream of other bytes: nothing to learn
			}
			nb := gzipBytes(np)
			objs[target] = nb
			changed = true
			if op&opSealed != 0 {
				filesKey := e.ref.Key(manifest.FilesName)
				var out []byte
				for file, err := range manifest.ParseFiles("m", bytes.NewReader(e.get(filesKey))) {
					if err != nil {
						t.Fatal(err)
					}
					if file.DataFileS3Key == target {
						file.MD5Checksum = manifest.EncodeMD5(md5.Sum(nb))
						file.ETag = manifest.ETagFor(md5.Sum(nb))
					}
					out = append(out, file.Marshal()...)
				}
				objs[filesKey] = out
				objs[e.ref.Key("manifest-files.md5")] = manifest.MD5File(out)
				mustDetect = records(np) != records(p)
			}
		} else {
			nb := mutate(orig, op, off, data)
			objs[target] = nb
			changed = !bytes.Equal(nb, orig)
			if strings.HasSuffix(target, ".md5") {
				want, err1 := manifest.DecodeMD5(string(orig))
				got, err2 := manifest.DecodeMD5(string(nb))
				if err1 == nil && err2 == nil && want == got {
					mustDetect = false // another spelling of the same MD5
				}
			}
		}
		st := &overlay{base: e.st, objs: objs}

		var reports [][]byte
		var exit int
		for _, opt := range []verify.Options{{Workers: 1}, {Workers: 3}} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			rep, err := verify.Verify(ctx, st, e.ref, opt)
			cancel()
			if err != nil {
				t.Fatalf("Verify(Workers %d) of %s mutated by op %d at %d with %q: %v", opt.Workers, target, op, off, truncateBytes(data), err)
			}
			var buf bytes.Buffer
			if err := rep.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			reports = append(reports, buf.Bytes())
			exit = rep.ExitCode()
		}
		if !bytes.Equal(reports[0], reports[1]) {
			t.Fatalf("reports differ between 1 and 3 workers:\n%s\n%s", reports[0], reports[1])
		}
		switch {
		case !changed:
			if !bytes.Equal(reports[0], e.baseRep) {
				t.Fatalf("unchanged export, report differs:\n%s\nwant:\n%s", reports[0], e.baseRep)
			}
		case mustDetect && exit != verify.ExitFindings:
			t.Fatalf("%s mutated by op %d at %d with %q: exit code %d, want %d\n%s", target, op, off, truncateBytes(data), exit, verify.ExitFindings, reports[0])
		case !mustDetect && exit == verify.ExitIncomplete:
			t.Fatalf("%s mutated by op %d: could not check\n%s", target, op, reports[0])
		}
	})
}

func truncateBytes(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}
