package gen_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func newEncoder(w io.Writer) codec.Encoder { return ddbjson.NewEncoder(w) }

func newSource(t testing.TB, opt gen.Options) *gen.Source {
	t.Helper()
	src, err := gen.NewSource(opt)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// objects returns every object of a store: key → bytes.
func objects(t testing.TB, st store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	for obj, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.ReadAll(ctx, st, obj.Key, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		out[obj.Key] = b
	}
	return out
}

// write writes an export into a new in-memory store (localfs would fsync
// every object).
func write(t testing.TB, opt gen.Options) (store.Store, manifest.Ref, *manifest.Summary) {
	t.Helper()
	st := storetest.NewMem()
	ref, sum, err := gen.Write(context.Background(), st, opt, newEncoder)
	if err != nil {
		t.Fatal(err)
	}
	return st, ref, sum
}

func TestDeterminism(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 300, Files: 5, Seed: 7},
		{Items: 300, Files: 3, Seed: 7, Kind: gen.Incremental, Prefix: "p/q"},
		{Items: 200, Files: 4, Seed: 7, Kind: gen.Incremental, View: manifest.ViewNewImage, Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeN}, Sort: gen.Key{Name: "ts", Type: codec.TypeB}}},
	} {
		t.Run(fmt.Sprintf("%v/%s", opt.Kind, opt.View), func(t *testing.T) {
			st1, _, _ := write(t, opt)
			a := objects(t, st1)
			// Other worker counts and open-file limits give the same bytes.
			opt2 := opt
			opt2.Workers, opt2.MaxOpenFiles = 1, 2
			st2, _, _ := write(t, opt2)
			b := objects(t, st2)
			opt3 := opt
			opt3.Workers = 3
			st3, _, _ := write(t, opt3)
			c := objects(t, st3)
			if len(a) != len(b) || len(a) != len(c) {
				t.Fatalf("%d, %d, %d objects", len(a), len(b), len(c))
			}
			for k, v := range a {
				if !bytes.Equal(v, b[k]) || !bytes.Equal(v, c[k]) {
					t.Errorf("%s differs between runs", k)
				}
			}
			// Another seed gives another export.
			opt4 := opt
			opt4.Seed++
			st4, _, _ := write(t, opt4)
			d := objects(t, st4)
			same := 0
			for k, v := range d {
				if w, ok := a[k]; ok && bytes.Equal(v, w) {
					same++
				}
			}
			if same > 0 {
				t.Errorf("seed %d and %d share %d identical objects", opt.Seed, opt4.Seed, same)
			}
		})
	}
}

// walk calls f on v and every value inside it, with its depth (1 for an
// attribute).
func walk(v codec.Value, depth int, f func(codec.Value, int)) {
	f(v, depth)
	for _, e := range v.Elems {
		walk(e, depth+1, f)
	}
}

func TestCoverage(t *testing.T) {
	src := newSource(t, gen.Options{Items: 300, Seed: 1})
	types := map[codec.Type]int{}
	var emptyS, emptyB, emptyM, emptyL, mlm, emoji, rtl, combining, escapes, lineSep, exponent, maxDigits, tiny, huge, negative, fraction bool
	names := map[string]bool{}
	for it := range src.Items() {
		for _, a := range it {
			names[a.Name] = true
			walk(a, 1, func(v codec.Value, _ int) {
				types[v.Type]++
				if v.Name != "" {
					names[v.Name] = true
				}
				switch v.Type {
				case codec.TypeS:
					emptyS = emptyS || v.Str == ""
					emoji = emoji || strings.Contains(v.Str, "👨‍👩‍👧") || strings.Contains(v.Str, "👍🏽")
					rtl = rtl || strings.ContainsAny(v.Str, "עא\u200f")
					combining = combining || strings.Contains(v.Str, "\u0301") || strings.Contains(v.Str, "\u0308")
					escapes = escapes || (strings.ContainsAny(v.Str, "\"\\") && strings.ContainsAny(v.Str, "\x00\x01\x1f\n"))
					lineSep = lineSep || strings.Contains(v.Str, "\u2028")
				case codec.TypeB:
					emptyB = emptyB || v.Str == ""
				case codec.TypeM:
					emptyM = emptyM || len(v.Elems) == 0
					for _, e := range v.Elems {
						if e.Type == codec.TypeL && slices.ContainsFunc(e.Elems, func(x codec.Value) bool { return x.Type == codec.TypeM }) {
							mlm = true
						}
					}
				case codec.TypeL:
					emptyL = emptyL || len(v.Elems) == 0
				case codec.TypeN:
					exponent = exponent || strings.ContainsAny(v.Str, "E")
					c, _ := codec.AppendCanonicalNumber(nil, v.Str)
					m, _, _ := strings.Cut(strings.TrimPrefix(string(c), "-"), "E")
					maxDigits = maxDigits || len(m) == 38
					tiny = tiny || strings.HasSuffix(v.Str, "E-130")
					huge = huge || strings.HasSuffix(v.Str, "E+125")
					negative = negative || strings.HasPrefix(v.Str, "-")
					fraction = fraction || strings.Contains(v.Str, ".")
				}
			})
		}
	}
	for tp := codec.TypeS; tp <= codec.TypeBS; tp++ {
		if types[tp] == 0 {
			t.Errorf("no %v value in 300 items", tp)
		}
	}
	for what, ok := range map[string]bool{
		"empty S": emptyS, "empty B": emptyB, "empty M": emptyM, "empty L": emptyL,
		"map of lists of maps": mlm, "emoji": emoji, "RTL": rtl, "combining marks": combining,
		"quotes/backslashes/control chars": escapes, "U+2028": lineSep,
		"exponent form": exponent, "38 digits": maxDigits, "1E-130": tiny, "E+125": huge,
		"negative": negative, "fraction": fraction,
	} {
		if !ok {
			t.Errorf("no %s in 300 items", what)
		}
	}
	var space, dash, dot, unicode bool
	for n := range names {
		space = space || strings.Contains(n, " ")
		dash = dash || strings.Contains(n, "-")
		dot = dot || strings.Contains(n, ".")
		unicode = unicode || utf8.RuneCountInString(n) < len(n)
	}
	if !space || !dash || !dot || !unicode {
		t.Errorf("attribute names: space %v, dash %v, dot %v, unicode %v", space, dash, dot, unicode)
	}
}

func schemas() []gen.KeySchema {
	return []gen.KeySchema{
		{},
		{Partition: gen.Key{Name: "id", Type: codec.TypeN}},
		{Partition: gen.Key{Name: "bin key", Type: codec.TypeB}, Sort: gen.Key{Name: "sk", Type: codec.TypeS}},
		{Partition: gen.Key{Name: "pk", Type: codec.TypeS}, Sort: gen.Key{Name: "n.sort", Type: codec.TypeN}},
		{Partition: gen.Key{Name: "名前", Type: codec.TypeN}, Sort: gen.Key{Name: "b", Type: codec.TypeB}},
	}
}

// checkKey checks that it starts with the schema's keys, typed and
// non-empty, and returns the key's identity.
func checkKey(t *testing.T, src *gen.Source, i int, it codec.Item) string {
	t.Helper()
	ks := src.Options().Keys
	want := []gen.Key{ks.Partition}
	if ks.HasSort() {
		want = append(want, ks.Sort)
	}
	if len(it) < len(want) {
		t.Fatalf("item %d: %d attributes", i, len(it))
	}
	var id strings.Builder
	for j, k := range want {
		a, ok := it.Get(k.Name)
		if !ok || a.Type != k.Type || a.Str == "" {
			t.Fatalf("item %d: key %s %v = %v", i, k.Name, k.Type, a)
		}
		if j > 0 {
			id.WriteByte(0)
		}
		c, ok := codec.AppendCanonicalNumber(nil, a.Str)
		if a.Type == codec.TypeN && ok {
			id.Write(c)
		} else {
			id.WriteString(a.Str)
		}
	}
	if !codec.ItemEqual(src.Key(i), it[:len(want)]) {
		t.Errorf("item %d: key %v, want %v", i, it[:len(want)], src.Key(i))
	}
	return id.String()
}

func TestValidity(t *testing.T) {
	n := 0
	for seed := int64(0); seed < 30; seed++ {
		for _, ks := range schemas() {
			src := newSource(t, gen.Options{Items: 40, Seed: seed, Keys: ks})
			keys := map[string]bool{}
			i := 0
			for it := range src.Items() {
				if err := codec.ValidateItem(it); err != nil {
					t.Fatalf("seed %d item %d: %v: %v", seed, i, err, it)
				}
				if sz := gen.ItemSize(it); sz > gen.MaxItemBytes {
					t.Fatalf("seed %d item %d: %d bytes", seed, i, sz)
				}
				for _, a := range it {
					walk(a, 1, func(_ codec.Value, d int) {
						if d > 32 {
							t.Fatalf("seed %d item %d: nesting deeper than DynamoDB's 32 levels", seed, i)
						}
					})
				}
				id := checkKey(t, src, i, it)
				if keys[id] {
					t.Fatalf("seed %d item %d: duplicate key %q", seed, i, id)
				}
				keys[id] = true
				i++
				n++
			}
		}
	}
	t.Logf("%d items valid", n)
}

func TestIncremental(t *testing.T) {
	for _, view := range []string{manifest.ViewNewAndOldImages, manifest.ViewNewImage} {
		for _, ks := range schemas() {
			t.Run(view, func(t *testing.T) {
				for seed := int64(0); seed < 5; seed++ {
					opt := gen.Options{Items: 200, Seed: seed, Kind: gen.Incremental, View: view, Keys: ks, MaxItemBytes: 4096}
					if seed == 1 {
						opt.Window = 24 * time.Hour
						opt.ExportTime = time.Date(2026, 5, 1, 12, 30, 15, 999_000_000, time.UTC)
					}
					src := newSource(t, opt)
					sum := src.Summary()
					from, to := sum.ExportFromTime, sum.ExportToTime
					if d := to.Sub(from); d < gen.MinWindow || d > gen.MaxWindow {
						t.Fatalf("window %v", d)
					}
					ops := map[string]int{}
					keys := map[string]bool{}
					i := 0
					for rec := range src.Records() {
						if !rec.IsChange() || rec.Item != nil {
							t.Fatalf("record %d is not a change record", i)
						}
						if wt := rec.WriteTime(); wt.Before(from) || !wt.Before(to) {
							t.Errorf("record %d: write time %v outside [%v, %v)", i, wt, from, to)
						}
						id := checkKey(t, src, i, rec.Keys)
						if len(rec.Keys) != len(src.Key(i)) {
							t.Errorf("record %d: Keys has %d attributes", i, len(rec.Keys))
						}
						if keys[id] {
							t.Errorf("record %d: key %q twice (not compacted)", i, id)
						}
						keys[id] = true
						for _, img := range []codec.Item{rec.NewImage, rec.OldImage} {
							if img == nil {
								continue
							}
							if err := codec.ValidateItem(img); err != nil {
								t.Fatalf("record %d: %v", i, err)
							}
							for _, k := range rec.Keys {
								if a, ok := img.Get(k.Name); !ok || !codec.Equal(a, k) {
									t.Errorf("record %d: image key %s = %v, Keys has %v", i, k.Name, a, k)
								}
							}
							if sz := gen.ItemSize(img); sz > 4096 {
								t.Errorf("record %d: image of %d bytes", i, sz)
							}
						}
						switch {
						case rec.NewImage != nil && rec.OldImage != nil:
							ops["update"]++
							if codec.ItemEqual(rec.NewImage, rec.OldImage) {
								t.Errorf("record %d: update with equal images", i)
							}
							if view == manifest.ViewNewImage {
								t.Errorf("record %d: OldImage under NEW_IMAGE", i)
							}
						case rec.NewImage != nil:
							ops["insert"]++
						case rec.OldImage != nil:
							ops["delete"]++
						default:
							ops["delete (keys only)"]++
							if view != manifest.ViewNewImage {
								t.Errorf("record %d: no image under %s", i, view)
							}
							if rec.Op() != codec.OpRemove {
								t.Errorf("record %d: Op %v", i, rec.Op())
							}
						}
						i++
					}
					want := []string{"insert", "update", "delete"}
					if view == manifest.ViewNewImage {
						want = []string{"insert", "delete (keys only)"}
					}
					for _, op := range want {
						if ops[op] == 0 {
							t.Errorf("seed %d: no %s in %v", seed, op, ops)
						}
					}
					if len(ops) != len(want) {
						t.Errorf("seed %d: ops %v, want only %v", seed, ops, want)
					}
				}
			})
		}
	}
}

func TestSizeBound(t *testing.T) {
	for _, max := range []int{gen.MinItemBytes, 1024, 5000} {
		src := newSource(t, gen.Options{Items: 1500, Seed: int64(max), MaxItemBytes: max})
		biggest := 0
		for it := range src.Items() {
			sz := gen.ItemSize(it)
			if sz > max {
				t.Fatalf("MaxItemBytes %d: item of %d bytes", max, sz)
			}
			biggest = maxOf(biggest, sz)
			if err := codec.ValidateItem(it); err != nil {
				t.Fatal(err)
			}
		}
		if biggest < max*3/4 {
			t.Errorf("MaxItemBytes %d: biggest item only %d bytes", max, biggest)
		}
	}
}

func maxOf(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// TestLargeItem makes a 400 KB item and round-trips it through DynamoDB
// JSON.
func TestLargeItem(t *testing.T) {
	for seed := int64(0); seed < 4; seed++ {
		src := newSource(t, gen.Options{Seed: seed, Keys: gen.KeySchema{Sort: gen.Key{Name: "sk"}}})
		it := src.ItemOfSize(3, gen.MaxItemBytes)
		sz := gen.ItemSize(it)
		if sz > gen.MaxItemBytes || sz < gen.MaxItemBytes-64 {
			t.Fatalf("seed %d: item of %d bytes, want close to %d", seed, sz, gen.MaxItemBytes)
		}
		if err := codec.ValidateItem(it); err != nil {
			t.Fatal(err)
		}
		line := ddbjson.AppendRecord(nil, &codec.Record{Item: it})
		rec, err := ddbjson.DecodeRecord(line, codec.KindFull)
		if err != nil {
			t.Fatal(err)
		}
		if !codec.ItemEqual(rec.Item, it) {
			t.Fatal("400 KB item does not round-trip")
		}
		t.Logf("seed %d: %d bytes, %d attributes, line of %d bytes", seed, sz, len(it), len(line))
	}
}

var (
	idRE   = regexp.MustCompile(`^0[0-9]{13}-[0-9a-f]{8}$`)
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func TestSummary(t *testing.T) {
	for _, opt := range []gen.Options{
		{Seed: 1},
		{Seed: -5, Table: "My.Table_1", Region: "eu-north-1", Account: "999999999999", Bucket: "my-bucket"},
		{Seed: 2, ExportTime: time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.UTC)},
		{Seed: 3, Kind: gen.Incremental},
		{Seed: 4, Kind: gen.Incremental, View: manifest.ViewNewImage, Window: 15 * time.Minute, ExportTime: time.Date(2026, 1, 14, 10, 35, 0, 0, time.UTC)},
	} {
		src := newSource(t, opt)
		o := src.Options()
		s := src.Summary()
		id := s.ExportID()
		if !idRE.MatchString(id) {
			t.Errorf("export ID %q", id)
		}
		if id[1:14] != fmt.Sprintf("%013d", s.StartTime.UnixMilli()) {
			t.Errorf("export ID %s does not hold startTime %v", id, s.StartTime)
		}
		tableArn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", o.Region, o.Account, o.Table)
		if s.TableArn != tableArn || s.ExportArn != tableArn+"/export/"+id || s.TableName() != o.Table {
			t.Errorf("ARNs %s, %s", s.TableArn, s.ExportArn)
		}
		if !uuidRE.MatchString(s.TableID) {
			t.Errorf("tableId %q", s.TableID)
		}
		if d := s.EndTime.Sub(s.StartTime); d < 2*time.Minute || d >= 8*time.Minute {
			t.Errorf("endTime - startTime = %v", d)
		}
		if opt.Kind == gen.Full {
			if s.ExportTime.After(s.StartTime) || s.Version != manifest.VersionFull || s.Incremental() {
				t.Errorf("full summary %+v", s)
			}
			if opt.ExportTime.IsZero() && (!s.ExportTime.Equal(s.StartTime) || s.StartTime.Year() != 2026) {
				t.Errorf("default exportTime %v, startTime %v", s.ExportTime, s.StartTime)
			}
			if !opt.ExportTime.IsZero() && !s.ExportTime.Equal(opt.ExportTime.Truncate(time.Millisecond)) {
				t.Errorf("exportTime %v, want %v", s.ExportTime, opt.ExportTime)
			}
		} else {
			if !s.StartTime.After(s.ExportToTime) || s.Version != manifest.VersionIncremental || s.OutputView != o.View || !s.Incremental() {
				t.Errorf("incremental summary %+v", s)
			}
			if s.StartTime.Nanosecond() != 0 || s.ExportToTime.Nanosecond() != 0 {
				t.Errorf("incremental times not whole seconds: %v %v", s.StartTime, s.ExportToTime)
			}
			if s.ExportToTime.Sub(s.ExportFromTime) != o.Window {
				t.Errorf("window %v, want %v", s.ExportToTime.Sub(s.ExportFromTime), o.Window)
			}
		}
	}
	// Distinct seeds, distinct exports.
	a := newSource(t, gen.Options{Seed: 1}).Summary()
	b := newSource(t, gen.Options{Seed: 2}).Summary()
	if a.ExportArn == b.ExportArn || a.TableID == b.TableID {
		t.Error("seeds 1 and 2 give the same export")
	}
}

// TestLayout writes full and incremental exports with and without a
// prefix, then reads everything back: layout, checksums, counts, and the
// records themselves, decoded with ddbjson and compared with the Source's.
func TestLayout(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		kind   gen.Kind
		view   string
		prefix string
	}{
		{gen.Full, "", ""},
		{gen.Full, "", "demo_prefix"},
		{gen.Incremental, "", ""},
		{gen.Incremental, manifest.ViewNewImage, "some/prefix"},
	} {
		t.Run(fmt.Sprintf("%v/%s/%s", tt.kind, tt.view, tt.prefix), func(t *testing.T) {
			opt := gen.Options{Items: 250, Files: 6, Seed: 11, Kind: tt.kind, View: tt.view, Prefix: tt.prefix,
				Keys: gen.KeySchema{Sort: gen.Key{Name: "sk", Type: codec.TypeN}}}
			st := localfs.New(t.TempDir()) // a real directory tree
			ref, sum, err := gen.Write(ctx, st, opt, newEncoder)
			if err != nil {
				t.Fatal(err)
			}
			src := newSource(t, opt)
			root := ""
			if tt.prefix != "" {
				root = tt.prefix + "/"
			}
			if ref.Root != root+"AWSDynamoDB/" || ref.ID != sum.ExportID() || !ref.HasSummary || !ref.HasStarted {
				t.Errorf("ref %+v", ref)
			}
			refs, err := manifest.Find(ctx, st, "")
			if err != nil || len(refs) != 1 || refs[0].ID != ref.ID || refs[0].Root != ref.Root {
				t.Fatalf("Find: %v %+v", err, refs)
			}
			objs := objects(t, st)
			if b, ok := objs[ref.Key("_started")]; !ok || len(b) != 0 {
				t.Error("no empty _started")
			}
			sb := objs[ref.Key(manifest.SummaryName)]
			if string(objs[ref.Key(manifest.SummaryMD5Name)]) != string(manifest.MD5File(sb)) {
				t.Error("manifest-summary.md5 mismatch")
			}
			if !bytes.Equal(sb, sum.Marshal()) {
				t.Error("summary bytes differ from the returned summary")
			}
			fb := objs[ref.Key(manifest.FilesName)]
			if string(objs[ref.Key(manifest.FilesMD5Name)]) != string(manifest.MD5File(fb)) {
				t.Error("manifest-files.md5 mismatch")
			}
			if sum.ManifestFilesS3Key != ref.Key(manifest.FilesName) {
				t.Errorf("manifestFilesS3Key %q", sum.ManifestFilesS3Key)
			}
			if (sum.S3Prefix == "") != (tt.prefix == "") || !bytes.Contains(sb, []byte(`"s3Prefix":`)) {
				t.Errorf("s3Prefix %q", sum.S3Prefix)
			}
			dataDir := ref.Dir() + "data/"
			if tt.kind == gen.Incremental {
				dataDir = root + "AWSDynamoDB/data/"
				if sum.BilledSizeBytes < 10_000_000 {
					t.Errorf("incremental billedSizeBytes %d", sum.BilledSizeBytes)
				}
			}
			// Records each file should hold, in index order.
			want := make([][]*codec.Record, opt.Files)
			for i := range opt.Items {
				p := src.Partition(i)
				want[p] = append(want[p], src.Record(i))
			}
			var total int64
			nfiles, empty := 0, 0
			for f, err := range manifest.ParseFiles("manifest-files.json", bytes.NewReader(fb)) {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(f.DataFileS3Key, dataDir) {
					t.Errorf("data file %q not in %s", f.DataFileS3Key, dataDir)
				}
				b := objs[f.DataFileS3Key]
				m := md5.Sum(b)
				if manifest.EncodeMD5(m) != f.MD5Checksum || manifest.ETagFor(m) != f.ETag {
					t.Errorf("%s: checksum mismatch", f.DataFileS3Key)
				}
				w := want[f.Line-1]
				if f.ItemCount != int64(len(w)) {
					t.Fatalf("%s: itemCount %d, want %d", f.DataFileS3Key, f.ItemCount, len(w))
				}
				// The bytes are exactly the DynamoDB JSON of the Source's records.
				zr, err := codec.Open(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				var lines []byte
				for _, r := range w {
					lines = append(ddbjson.AppendRecord(lines, r), '\n')
				}
				if !bytes.Equal(data, lines) {
					t.Fatalf("%s: content differs from the Source's records", f.DataFileS3Key)
				}
				// And they decode back to the same records, deletes under
				// NEW_IMAGE (Keys and no image) included.
				kind := codec.KindFull
				if tt.kind == gen.Incremental {
					kind = codec.KindChange
				}
				dec := ddbjson.NewDecoder(bytes.NewReader(data), codec.DecodeOptions{File: f.DataFileS3Key, Kind: kind})
				var got []*codec.Record
				for dec.Next() {
					got = append(got, dec.Record())
				}
				if err := dec.Err(); err != nil {
					t.Fatal(err)
				}
				expect := w
				if len(got) != len(expect) {
					t.Fatalf("%s: decoded %d records, want %d", f.DataFileS3Key, len(got), len(expect))
				}
				for j := range got {
					g, x := got[j], expect[j]
					if !codec.ItemEqual(g.Item, x.Item) || !codec.ItemEqual(g.Keys, x.Keys) || !codec.ItemEqual(g.NewImage, x.NewImage) ||
						!codec.ItemEqual(g.OldImage, x.OldImage) || (g.NewImage == nil) != (x.NewImage == nil) ||
						(g.OldImage == nil) != (x.OldImage == nil) || g.WriteTimestampMicros != x.WriteTimestampMicros {
						t.Fatalf("%s record %d differs", f.DataFileS3Key, j)
					}
				}
				total += f.ItemCount
				nfiles++
				if f.ItemCount == 0 {
					empty++
				}
			}
			if nfiles != opt.Files || total != int64(opt.Items) || sum.ItemCount != total {
				t.Errorf("%d files, %d records, summary itemCount %d", nfiles, total, sum.ItemCount)
			}
			// Every object is accounted for.
			if len(objs) != 5+nfiles {
				t.Errorf("%d objects, want %d", len(objs), 5+nfiles)
			}
		})
	}
}

// TestEmptyFiles: with more files than partition key values some files
// are empty, with DynamoDB's exact empty-file checksums.
func TestEmptyFiles(t *testing.T) {
	st, ref, sum := write(t, gen.Options{Items: 3, Files: 8, Seed: 1})
	if sum.ItemCount != 3 {
		t.Fatalf("itemCount %d", sum.ItemCount)
	}
	fb, _ := store.ReadAll(context.Background(), st, ref.Key(manifest.FilesName), 1<<20)
	empty := 0
	for f, err := range manifest.ParseFiles("", bytes.NewReader(fb)) {
		if err != nil {
			t.Fatal(err)
		}
		if f.ItemCount == 0 {
			empty++
			if f.MD5Checksum != "FjvgqIxwymKf1RbbqtrZag==" || f.ETag != "7deb4078f238dd87d6af0538152c04e9-1" {
				t.Errorf("empty file %+v", f)
			}
		}
	}
	if empty < 5 {
		t.Errorf("%d empty files of 8 for 3 items", empty)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  gen.Options
	}{
		{"items", gen.Options{Items: -1}},
		{"files", gen.Options{Files: -1}},
		{"kind", gen.Options{Kind: 7}},
		{"view on full", gen.Options{View: manifest.ViewNewImage}},
		{"view", gen.Options{Kind: gen.Incremental, View: "OLD_IMAGE"}},
		{"window on full", gen.Options{Window: time.Hour}},
		{"window short", gen.Options{Kind: gen.Incremental, Window: 14 * time.Minute}},
		{"window long", gen.Options{Kind: gen.Incremental, Window: 25 * time.Hour}},
		{"key type", gen.Options{Keys: gen.KeySchema{Partition: gen.Key{Type: codec.TypeBOOL}}}},
		{"sort key type", gen.Options{Keys: gen.KeySchema{Sort: gen.Key{Name: "s", Type: codec.TypeM}}}},
		{"sort type without name", gen.Options{Keys: gen.KeySchema{Sort: gen.Key{Type: codec.TypeN}}}},
		{"same key names", gen.Options{Keys: gen.KeySchema{Sort: gen.Key{Name: "pk"}}}},
		{"key name", gen.Options{Keys: gen.KeySchema{Partition: gen.Key{Name: "\xff"}}}},
		{"format", gen.Options{Format: 9}},
		{"prefix", gen.Options{Prefix: "p/"}},
		{"table", gen.Options{Table: "t"}},
		{"bucket", gen.Options{Bucket: "Bad_Bucket"}},
		{"region", gen.Options{Region: "moon"}},
		{"account", gen.Options{Account: "12"}},
		{"max item small", gen.Options{MaxItemBytes: 100}},
		{"max item large", gen.Options{MaxItemBytes: 400_001 + 10_000}},
		{"workers", gen.Options{Workers: -1}},
		{"open files", gen.Options{MaxOpenFiles: -2}},
		{"export time", gen.Options{ExportTime: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := gen.NewSource(tt.opt); err == nil {
				t.Error("NewSource: no error")
			}
			st := storetest.NewMem()
			if _, _, err := gen.Write(context.Background(), st, tt.opt, newEncoder); err == nil {
				t.Error("Write: no error")
			}
			if n := len(objects(t, st)); n != 0 {
				t.Errorf("wrote %d objects", n)
			}
		})
	}
	ctx := context.Background()
	if _, _, err := gen.Write(ctx, storetest.NewMem(), gen.Options{Format: codec.FormatION}, nil); !errors.Is(err, gen.ErrFormatNotSupported) {
		t.Errorf("ION without an encoder: %v", err)
	}
	if _, _, err := gen.Write(ctx, storetest.NewMem(), gen.Options{}, nil); err == nil {
		t.Error("no encoder: no error")
	}
	// The zero Options are valid: an export of 4 empty files.
	st := storetest.NewMem()
	if _, sum, err := gen.Write(ctx, st, gen.Options{}, newEncoder); err != nil || sum.ItemCount != 0 || len(objects(t, st)) != 9 {
		t.Errorf("zero Options: %v", err)
	}
	// An existing export is not overwritten unless asked.
	if _, _, err := gen.Write(ctx, st, gen.Options{}, newEncoder); err == nil {
		t.Error("second Write of the same export: no error")
	}
	if _, _, err := gen.Write(ctx, st, gen.Options{Overwrite: true}, newEncoder); err != nil {
		t.Errorf("Overwrite: %v", err)
	}
}

// TestFormatION: with an encoder for ION, data files are *.ion.gz and the
// summary says ION. (The encoder here writes JSON; only the plumbing is
// tested.)
func TestFormatION(t *testing.T) {
	st := storetest.NewMem()
	ref, sum, err := gen.Write(context.Background(), st, gen.Options{Items: 10, Format: codec.FormatION, Seed: 1}, newEncoder)
	if err != nil {
		t.Fatal(err)
	}
	if sum.OutputFormat != "ION" {
		t.Errorf("outputFormat %q", sum.OutputFormat)
	}
	fb, _ := store.ReadAll(context.Background(), st, ref.Key(manifest.FilesName), 1<<20)
	for f, err := range manifest.ParseFiles("", bytes.NewReader(fb)) {
		if err != nil || !strings.HasSuffix(f.DataFileS3Key, ".ion.gz") {
			t.Errorf("%s: %v", f.DataFileS3Key, err)
		}
	}
}

// TestSharedDataFolder: incremental exports share AWSDynamoDB/data/;
// exports of one seed at different times draw different names, and
// rewriting an export with Overwrite replaces its own files.
func TestSharedDataFolder(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewMem()
	opt := gen.Options{Items: 50, Files: 3, Seed: 9, Kind: gen.Incremental, ExportTime: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	if _, _, err := gen.Write(ctx, st, opt, newEncoder); err != nil {
		t.Fatal(err)
	}
	first := objects(t, st)
	opt2 := opt
	opt2.ExportTime = opt.ExportTime.Add(time.Hour)
	if _, _, err := gen.Write(ctx, st, opt2, newEncoder); err != nil {
		t.Fatal(err)
	}
	both := objects(t, st)
	if len(both) != 2*len(first) {
		t.Errorf("%d objects after two exports of %d", len(both), len(first))
	}
	for k, v := range first {
		if !bytes.Equal(both[k], v) {
			t.Errorf("%s changed by the second export", k)
		}
	}
	opt.Overwrite = true
	if _, _, err := gen.Write(ctx, st, opt, newEncoder); err != nil {
		t.Fatal(err)
	}
	again := objects(t, st)
	if len(again) != len(both) {
		t.Errorf("rewrite left %d objects, want %d", len(again), len(both))
	}
	for k, v := range both {
		if !bytes.Equal(again[k], v) {
			t.Errorf("%s differs after the rewrite", k)
		}
	}
}

type failStore struct{ store.Store }

var errDisk = errors.New("disk full")

func (f failStore) Create(ctx context.Context, key string) (store.Writer, error) {
	if strings.Contains(key, "/data/") {
		return nil, errDisk
	}
	return f.Store.Create(ctx, key)
}

func TestStoreError(t *testing.T) {
	st := failStore{storetest.NewMem()}
	_, sum, err := gen.Write(context.Background(), st, gen.Options{Items: 100, Files: 3}, newEncoder)
	if !errors.Is(err, errDisk) || sum != nil {
		t.Fatalf("Write: %v", err)
	}
	for obj := range st.List(context.Background(), "") {
		if strings.HasSuffix(obj.Key, manifest.SummaryName) {
			t.Error("a failed export has a summary")
		}
	}
}

func TestKind(t *testing.T) {
	for s, want := range map[string]gen.Kind{"full": gen.Full, "FULL_EXPORT": gen.Full, "incremental": gen.Incremental, "INCREMENTAL_EXPORT": gen.Incremental} {
		if k, err := gen.ParseKind(s); err != nil || k != want || (k.String() != "full" && k.String() != "incremental") {
			t.Errorf("ParseKind(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := gen.ParseKind("delta"); err == nil {
		t.Error("ParseKind(delta): no error")
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st := storetest.NewMem()
	if _, _, err := gen.Write(ctx, st, gen.Options{Items: 5000}, newEncoder); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context: %v", err)
	}
	if _, err := st.Stat(context.Background(), "AWSDynamoDB"); err == nil {
		t.Error("unexpected object")
	}
}

func TestLines(t *testing.T) {
	b, err := gen.Lines(42, 500, newEncoder)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 500 || b[len(b)-1] != '\n' {
		t.Fatalf("%d lines", n)
	}
	b2, _ := gen.Lines(42, 500, newEncoder)
	if !bytes.Equal(b, b2) {
		t.Error("Lines is not deterministic")
	}
	dec := ddbjson.NewDecoder(bytes.NewReader(b), codec.DecodeOptions{Kind: codec.KindFull})
	n := 0
	for dec.Next() {
		n++
	}
	if err := dec.Err(); err != nil || n != 500 {
		t.Fatalf("decoded %d: %v", n, err)
	}
}

func ExampleWrite() {
	st := storetest.NewMem()
	ref, sum, err := gen.Write(context.Background(), st, gen.Options{Items: 100, Seed: 42}, func(w io.Writer) codec.Encoder {
		return ddbjson.NewEncoder(w)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ref.Dir())
	fmt.Println(sum.ExportArn)
	fmt.Println(sum.ItemCount, sum.OutputFormat)
	// Output:
	// AWSDynamoDB/01773900875413-a208b915/
	// arn:aws:dynamodb:us-east-1:123456789012:table/ddbexport-gen/export/01773900875413-a208b915
	// 100 DYNAMODB_JSON
}

func BenchmarkWrite(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			opt := gen.Options{Items: n, Files: 4, Seed: 1, Overwrite: true}
			st := storetest.NewMem()
			if _, _, err := gen.Write(ctx, st, opt, newEncoder); err != nil {
				b.Fatal(err)
			}
			var total int64
			for _, v := range objects(b, st) {
				total += int64(len(v))
			}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := gen.Write(ctx, st, opt, newEncoder); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
