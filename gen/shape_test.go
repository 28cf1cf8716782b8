package gen_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/gen"
	"github.com/ddbexport/ddbexport/manifest"
)

// TestShapeVariedGolden pins the records of ShapeVaried, the default, to
// those generated before shapes existed.
func TestShapeVariedGolden(t *testing.T) {
	for _, tt := range []struct {
		opt  gen.Options
		want string
	}{
		{gen.Options{Items: 400, Files: 3, Seed: 21}, "8d30a6ed081e200f23ff855599c7c98d96132f92274870458b6521497dcae822"},
		{gen.Options{Items: 400, Files: 3, Seed: 22, Kind: gen.Incremental, Keys: gen.KeySchema{Sort: gen.Key{Name: "sk", Type: codec.TypeN}}},
			"ec91a38acf959df0955de84a4179d2195fa235336371ef6a5e046b182b9cb6f8"},
		{gen.Options{Items: 300, Files: 2, Seed: 23, Kind: gen.Incremental, View: manifest.ViewNewImage, MaxItemBytes: 4096, Shape: gen.ShapeVaried},
			"60ab00828100682089da84784ac7f6cc05bdd243edcc7cdb6c0dcd2c791dbb39"},
	} {
		if got := recordsHash(t, tt.opt); got != tt.want {
			t.Errorf("%v %s seed %d: records hash %s, want %s", tt.opt.Kind, tt.opt.View, tt.opt.Seed, got, tt.want)
		}
	}
}

// recordsHash is the SHA-256 of the DynamoDB JSON lines of a Source's
// records.
func recordsHash(t *testing.T, opt gen.Options) string {
	t.Helper()
	h := sha256.New()
	var b []byte
	for rec := range newSource(t, opt).Records() {
		b = append(ddbjson.AppendRecord(b[:0], rec), '\n')
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestParseShape(t *testing.T) {
	for s, want := range map[string]gen.Shape{"varied": gen.ShapeVaried, "TABLE": gen.ShapeTable, " table ": gen.ShapeTable} {
		if sh, err := gen.ParseShape(s); err != nil || sh != want || sh.String() != strings.ToLower(strings.TrimSpace(s)) {
			t.Errorf("ParseShape(%q) = %v, %v", s, sh, err)
		}
	}
	if _, err := gen.ParseShape("wide"); err == nil {
		t.Error("ParseShape(wide): no error")
	}
	if gen.ShapeVaried != 0 {
		t.Error("ShapeVaried is not the zero Shape")
	}
	if _, err := gen.NewSource(gen.Options{Shape: 9}); err == nil {
		t.Error("Shape 9: no error")
	}
}

// paths records the type of every attribute path of an item: members of
// maps as parent.name, elements of lists as parent[]; sets are leaves.
func paths(it codec.Item, f func(path string, t codec.Type)) {
	var visit func(p string, v codec.Value)
	visit = func(p string, v codec.Value) {
		f(p, v.Type)
		switch v.Type {
		case codec.TypeM:
			for _, e := range v.Elems {
				visit(p+"."+e.Name, e)
			}
		case codec.TypeL:
			for _, e := range v.Elems {
				visit(p+"[]", e)
			}
		}
	}
	for _, a := range it {
		visit(a.Name, a)
	}
}

// schema collects the types seen at every path over many items.
type schema map[string]map[codec.Type]int

func (sc schema) add(it codec.Item) {
	paths(it, func(p string, t codec.Type) {
		if sc[p] == nil {
			sc[p] = map[codec.Type]int{}
		}
		sc[p][t]++
	})
}

// check reports paths of more than one type, but ext, which must be S or N.
func (sc schema) check(t *testing.T) {
	t.Helper()
	for p, ts := range sc {
		if p == "ext" {
			if len(ts) != 2 || ts[codec.TypeS] == 0 || ts[codec.TypeN] == 0 {
				t.Errorf("ext: types %v, want S and N", ts)
			}
			continue
		}
		if len(ts) != 1 {
			t.Errorf("%s: types %v, want one", p, ts)
		}
	}
}

func TestShapeTable(t *testing.T) {
	const n = 10_000
	ks := gen.KeySchema{Partition: gen.Key{Name: "pk", Type: codec.TypeS}, Sort: gen.Key{Name: "sk", Type: codec.TypeN}}
	src := newSource(t, gen.Options{Items: n, Seed: 5, Keys: ks, Shape: gen.ShapeTable})
	sc := schema{}
	top := map[string]int{}
	types := map[codec.Type]int{}
	var emptyS, emptyB, bigDigits, tiny, huge, negative, fraction, unicode, geoless bool
	small, medium, large := 0, 0, 0
	keys := map[string]bool{}
	i := 0
	for it := range src.Items() {
		if err := codec.ValidateItem(it); err != nil {
			t.Fatalf("item %d: %v: %v", i, err, it)
		}
		switch sz := gen.ItemSize(it); {
		case sz > gen.MaxItemBytes:
			t.Fatalf("item %d: %d bytes", i, sz)
		case sz <= 2048:
			small++
		case sz <= 100_000:
			medium++
		default:
			large++
		}
		id := checkKey(t, src, i, it)
		if keys[id] {
			t.Fatalf("item %d: duplicate key %q", i, id)
		}
		keys[id] = true
		sc.add(it)
		for _, a := range it {
			top[a.Name]++
			walk(a, 1, func(v codec.Value, _ int) {
				types[v.Type]++
				switch v.Type {
				case codec.TypeS:
					emptyS = emptyS || v.Str == ""
					unicode = unicode || strings.ContainsAny(v.Str, "üéøł東")
				case codec.TypeB:
					emptyB = emptyB || v.Str == ""
				case codec.TypeN:
					c, _ := codec.AppendCanonicalNumber(nil, v.Str)
					m, _, _ := strings.Cut(strings.TrimPrefix(string(c), "-"), "E")
					bigDigits = bigDigits || len(strings.TrimLeft(strings.Replace(m, ".", "", 1), "0")) == 38
					tiny = tiny || strings.HasSuffix(v.Str, "E-130")
					huge = huge || strings.HasSuffix(v.Str, "E+125")
					negative = negative || strings.HasPrefix(v.Str, "-")
					fraction = fraction || strings.Contains(v.Str, ".")
				}
			})
		}
		if a, ok := it.Get("address"); ok {
			if _, ok := a.Get("geo"); !ok {
				geoless = true
			}
		}
		i++
	}
	t.Logf("top-level attributes: %v", top)
	t.Logf("sizes: %d small, %d medium, %d large", small, medium, large)
	if len(top) > 20+2 {
		t.Errorf("%d distinct top-level attributes, want at most 22", len(top))
	}
	sc.check(t)
	for tp := codec.TypeS; tp <= codec.TypeBS; tp++ {
		if types[tp] == 0 {
			t.Errorf("no %v value in %d items", tp, n)
		}
	}
	for what, ok := range map[string]bool{
		"empty S": emptyS, "empty B": emptyB, "38 digits": bigDigits, "E-130": tiny, "E+125": huge,
		"negative number": negative, "fraction": fraction, "Unicode": unicode, "address without geo": geoless,
	} {
		if !ok {
			t.Errorf("no %s in %d items", what, n)
		}
	}
	// Presence of the catalogue's attributes, roughly as documented.
	for name, want := range map[string]float64{
		"customer": 1, "status": 1, "amount": 1, "created_at": 1, "updated_at": 1, "active": 1, "lines": 1, "raw": 1,
		"address": 0.95, "tags": 0.6, "scores": 0.3, "thumbs": 0.1, "notes": 0.3, "deleted_at": 0.05, "ext": 0.8, "big": 0.01,
	} {
		got := float64(top[name]) / n
		if tol := 0.1*want + 4*math.Sqrt(want*(1-want)/n); math.Abs(got-want) > tol {
			t.Errorf("%s in %.3f of items, want about %.2f", name, got, want)
		}
	}
	// Sizes still follow the distribution: mostly small, about 5% medium.
	if small < n*85/100 || medium < n*3/100 || medium > n*8/100 {
		t.Errorf("sizes: %d small, %d medium, %d large of %d", small, medium, large, n)
	}
}

// TestShapeTableValues checks the catalogue's values: amount and quantity
// are the lines' sums, updated_at follows created_at, numbers as DynamoDB
// stores them.
func TestShapeTableValues(t *testing.T) {
	src := newSource(t, gen.Options{Items: 500, Seed: 8, Shape: gen.ShapeTable})
	statuses := map[string]bool{}
	for it := range src.Items() {
		st, _ := it.Get("status")
		statuses[st.Str] = true
		lines, _ := it.Get("lines")
		if len(lines.Elems) < 1 || len(lines.Elems) > 5 {
			t.Errorf("%d lines", len(lines.Elems))
		}
		var cents, qty int64
		for _, l := range lines.Elems {
			q, _ := l.Get("qty")
			p, _ := l.Get("price")
			qi, _ := strconv.ParseInt(q.Str, 10, 64)
			w, f, _ := strings.Cut(p.Str, ".")
			whole, _ := strconv.ParseInt(w, 10, 64)
			var frac int64
			if f != "" {
				if strings.HasSuffix(f, "0") || len(f) > 2 {
					t.Errorf("price %q", p.Str)
				}
				frac, _ = strconv.ParseInt((f + "0")[:2], 10, 64)
			}
			cents += qi * (whole*100 + frac)
			qty += qi
		}
		amount, _ := it.Get("amount")
		quantity, _ := it.Get("quantity")
		if want := fmt.Sprintf("%d.%02d", cents/100, cents%100); strings.TrimSuffix(strings.TrimRight(want, "0"), ".") != amount.Str {
			t.Errorf("amount %s, lines total %s", amount.Str, want)
		}
		if quantity.Str != fmt.Sprint(qty) {
			t.Errorf("quantity %s, lines %d", quantity.Str, qty)
		}
		c, _ := it.Get("created_at")
		u, _ := it.Get("updated_at")
		if !strings.HasSuffix(c.Str, "Z") || len(c.Str) != len("2026-01-14T10:35:00.000Z") || u.Str <= "1" {
			t.Errorf("created_at %q, updated_at %q", c.Str, u.Str)
		}
	}
	if len(statuses) != 6 {
		t.Errorf("statuses %v", slices.Sorted(maps.Keys(statuses)))
	}
}

func TestShapeTableIncremental(t *testing.T) {
	for _, view := range []string{manifest.ViewNewAndOldImages, manifest.ViewNewImage} {
		t.Run(view, func(t *testing.T) {
			sc := schema{}
			olds, updates := 0, 0
			for k, ks := range schemas() {
				opt := gen.Options{Items: 600, Seed: int64(k), Kind: gen.Incremental, View: view, Keys: ks, MaxItemBytes: 4096, Shape: gen.ShapeTable}
				src := newSource(t, opt)
				i := 0
				for rec := range src.Records() {
					checkKey(t, src, i, rec.Keys)
					for _, img := range []codec.Item{rec.NewImage, rec.OldImage} {
						if img == nil {
							continue
						}
						if err := codec.ValidateItem(img); err != nil {
							t.Fatalf("record %d: %v", i, err)
						}
						if sz := gen.ItemSize(img); sz > 4096 {
							t.Errorf("record %d: image of %d bytes", i, sz)
						}
						for _, k := range rec.Keys {
							if a, ok := img.Get(k.Name); !ok || !codec.Equal(a, k) {
								t.Errorf("record %d: image key %s = %v, Keys has %v", i, k.Name, a, k)
							}
						}
						sc.add(img)
					}
					if rec.OldImage != nil {
						olds++
					}
					if rec.NewImage != nil && rec.OldImage != nil {
						updates++
						if codec.ItemEqual(rec.NewImage, rec.OldImage) {
							t.Errorf("record %d: update with equal images", i)
						}
						nu, _ := rec.NewImage.Get("updated_at")
						ou, _ := rec.OldImage.Get("updated_at")
						if len(ou.Str) > len(nu.Str) || (len(ou.Str) == len(nu.Str) && ou.Str >= nu.Str) {
							t.Errorf("record %d: updated_at %s before the update, %s after", i, ou.Str, nu.Str)
						}
						for _, nm := range []string{"created_at", "ext"} {
							a, aok := rec.NewImage.Get(nm)
							b, bok := rec.OldImage.Get(nm)
							if aok != bok || (aok && !codec.Equal(a, b)) {
								t.Errorf("record %d: %s changed by an update: %v → %v", i, nm, b, a)
							}
						}
					}
					i++
				}
			}
			sc.check(t)
			if view == manifest.ViewNewImage && olds > 0 {
				t.Errorf("%d old images under NEW_IMAGE", olds)
			}
			if view == manifest.ViewNewAndOldImages && updates < 500 {
				t.Errorf("%d updates", updates)
			}
		})
	}
}

// TestShapeTableDeterminism: the same bytes whatever Workers and
// MaxOpenFiles are, and other bytes than ShapeVaried's.
func TestShapeTableDeterminism(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 400, Files: 5, Seed: 3, Shape: gen.ShapeTable},
		{Items: 400, Files: 3, Seed: 3, Shape: gen.ShapeTable, Kind: gen.Incremental, Keys: gen.KeySchema{Sort: gen.Key{Name: "sk", Type: codec.TypeS}}},
		{Items: 300, Files: 4, Seed: 3, Shape: gen.ShapeTable, Kind: gen.Incremental, View: manifest.ViewNewImage, Keys: gen.KeySchema{Partition: gen.Key{Name: "id", Type: codec.TypeN}}},
	} {
		t.Run(fmt.Sprintf("%v/%s", opt.Kind, opt.View), func(t *testing.T) {
			st1, _, _ := write(t, opt)
			a := objects(t, st1)
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
			if recordsHash(t, opt) != recordsHash(t, opt) {
				t.Error("records differ between Sources")
			}
			varied := opt
			varied.Shape = gen.ShapeVaried
			if recordsHash(t, opt) == recordsHash(t, varied) {
				t.Error("ShapeTable gives ShapeVaried's records")
			}
		})
	}
}

// TestShapeTableLimits: small MaxItemBytes, key names of the catalogue,
// and ItemOfSize.
func TestShapeTableLimits(t *testing.T) {
	for _, opt := range []gen.Options{
		{Items: 300, Seed: 1, Shape: gen.ShapeTable, MaxItemBytes: gen.MinItemBytes},
		{Items: 300, Seed: 2, Shape: gen.ShapeTable, MaxItemBytes: 400, Kind: gen.Incremental,
			Keys: gen.KeySchema{Partition: gen.Key{Name: "customer"}, Sort: gen.Key{Name: "created_at", Type: codec.TypeN}}},
		{Items: 300, Seed: 3, Shape: gen.ShapeTable, Kind: gen.Incremental,
			Keys: gen.KeySchema{Partition: gen.Key{Name: "payload", Type: codec.TypeB}, Sort: gen.Key{Name: "deleted_at"}}},
	} {
		src := newSource(t, opt)
		o := src.Options()
		sc := schema{}
		i := 0
		for rec := range src.Records() {
			for _, img := range []codec.Item{rec.Item, rec.NewImage, rec.OldImage} {
				if img == nil {
					continue
				}
				if err := codec.ValidateItem(img); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if sz := gen.ItemSize(img); sz > o.MaxItemBytes {
					t.Errorf("record %d: %d bytes, limit %d", i, sz, o.MaxItemBytes)
				}
				checkKey(t, src, i, img)
				sc.add(img[len(src.Key(i)):])
			}
			if rec.NewImage != nil && rec.OldImage != nil && codec.ItemEqual(rec.NewImage, rec.OldImage) {
				t.Errorf("record %d: update with equal images", i)
			}
			i++
		}
		for p, ts := range sc {
			if len(ts) != 1 && p != "ext" {
				t.Errorf("%s: types %v", p, ts)
			}
		}
	}
	src := newSource(t, gen.Options{Seed: 4, Shape: gen.ShapeTable})
	for _, size := range []int{1500, 50_000, gen.MaxItemBytes} {
		it := src.ItemOfSize(7, size)
		if got := gen.ItemSize(it); got != size {
			t.Errorf("ItemOfSize(7, %d): %d bytes", size, got)
		}
		if _, ok := it.Get("payload"); !ok {
			t.Errorf("ItemOfSize(7, %d): no payload", size)
		}
	}
}
