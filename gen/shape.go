package gen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ddbexport/ddbexport/codec"
)

// Shape is the shape of generated items: which attributes they have and
// of which types.
type Shape uint8

const (
	// ShapeVaried (the default) gives every item its own attributes: random
	// names (plain, with spaces, symbols and Unicode) of random types, nested
	// at random. It is a torture test for decoders, unlike a real table:
	// a converter inferring one column per attribute path finds thousands.
	ShapeVaried Shape = iota
	// ShapeTable gives the items of one realistic table, an orders table:
	// the key attributes, then attributes of a fixed catalogue with stable
	// types, as an application writes them (see the package documentation).
	// Only "ext" changes type from item to item (S or N).
	ShapeTable
)

// String returns "varied" or "table".
func (sh Shape) String() string {
	switch sh {
	case ShapeVaried:
		return "varied"
	case ShapeTable:
		return "table"
	}
	return fmt.Sprintf("Shape(%d)", uint8(sh))
}

// ParseShape parses "varied" or "table", case-insensitively.
func ParseShape(s string) (Shape, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "varied":
		return ShapeVaried, nil
	case "table":
		return ShapeTable, nil
	}
	return 0, fmt.Errorf("gen: unknown item shape %q (want varied or table)", s)
}

// tableAttrs are the attributes of ShapeTable items after the key, in the
// order items list them; "payload" pads items to their drawn size. An
// attribute named like a key attribute is left out.
var tableAttrs = [...]string{
	"customer",   // S, always
	"status",     // S, one of orderStatuses
	"amount",     // N, 2 decimals at most (the sum of the lines)
	"quantity",   // N, an integer (the sum of the lines' qty)
	"created_at", // S, ISO 8601 UTC with milliseconds
	"updated_at", // N, epoch seconds, after created_at
	"active",     // BOOL
	"address",    // M {street S, city S, zip S, geo M {lat N, lon N}}; 95%, geo in 80% of them
	"lines",      // L of 1 to 5 M {sku S, qty N, price N}
	"tags",       // SS, 60%
	"scores",     // NS, 30%
	"thumbs",     // BS, 10%
	"notes",      // S, 30%, a fifth of them empty
	"deleted_at", // NULL, 5%
	"ext",        // S or N (a mixed-type attribute), 80%
	"big",        // N of 38 significant digits or at the exponent limits, 1%
	"raw",        // B, 5% empty
	"payload",    // S, padding to the drawn size, when needed
}

var (
	orderStatuses = []string{"pending", "paid", "shipped", "delivered", "cancelled", "returned"}
	orderTags     = []string{"gift", "express", "fragile", "prime", "b2b", "promo", "international", "returning", "vip", "eco"}
	streets       = []string{"Main Street", "Baker Street", "Hauptstraße", "Rue de l'Église", "Calle Mayor", "Rua Augusta", "O'Connell Street", "Nørrebrogade", "Ulica Długa", "Market St"}
	cities        = []string{"Seattle", "London", "München", "Paris", "Madrid", "São Paulo", "Dublin", "København", "Kraków", "東京", "القاهرة", "תל אביב", "Reykjavík", "New York"}
)

// isKey reports whether name is a key attribute's.
func (s *Source) isKey(name string) bool {
	return name == s.opt.Keys.Partition.Name || (s.opt.Keys.HasSort() && name == s.opt.Keys.Sort.Name)
}

// tableTime is the latest time of ShapeTable items: a full export's
// exportTime, an incremental export's exportToTime.
func (s *Source) tableTime() time.Time {
	if s.opt.Kind == Incremental {
		return s.sum.ExportToTime
	}
	return s.sum.ExportTime
}

// decimal returns units × 10^-scale as DynamoDB stores it: no leading or
// trailing zeros ("12.3" for 1230 with scale 2, "12" for 1200).
func decimal(units int64, scale int) string {
	neg := units < 0
	if neg {
		units = -units
	}
	s := strconv.FormatInt(units, 10)
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		ip, fp := s[:len(s)-scale], strings.TrimRight(s[len(s)-scale:], "0")
		s = ip
		if fp != "" {
			s += "." + fp
		}
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// bigNumber returns a number of 38 significant digits or at the limits of
// DynamoDB's exponent range.
func bigNumber(r *rand.Rand) string {
	d := string(digits(r, 38))
	var s string
	switch r.IntN(6) {
	case 0:
		s = d
	case 1:
		p := 1 + r.IntN(37)
		s = d[:p] + "." + d[p:]
	case 2:
		s = "9.9999999999999999999999999999999999999E+125"
	case 3:
		s = "1E-130"
	case 4:
		s = d[:1] + "." + d[1:] + "E+125"
	default:
		s = d[:1] + "." + d[1:] + "E-130"
	}
	if r.IntN(3) == 0 {
		s = "-" + s
	}
	return s
}

// tableBody returns the catalogue attributes of one order, without the
// key and the padding, in tableAttrs order.
func (s *Source) tableBody(r *rand.Rand) codec.Item {
	it := make(codec.Item, 0, len(tableAttrs))
	add := func(name string, v codec.Value) {
		if !s.isKey(name) {
			it = append(it, v.Named(name))
		}
	}
	t0 := s.tableTime()
	createdMs := t0.UnixMilli() - 2000 - r.Int64N(2*365*24*3600*1000)
	createdS := createdMs / 1000
	updatedS := createdS + 1 + r.Int64N(t0.Unix()-createdS-1)

	// The lines first: amount and quantity are their sums.
	lines := make([]codec.Value, 1+r.IntN(5))
	var cents int64
	qty := 0
	for j := range lines {
		q := 1
		if r.IntN(3) == 0 {
			q = 2 + r.IntN(9)
		}
		price := 50 + r.Int64N(50_000)
		lines[j] = codec.M(
			codec.S(fmt.Sprintf("SKU-%05d", r.IntN(100_000))).Named("sku"),
			codec.N(strconv.Itoa(q)).Named("qty"),
			codec.N(decimal(price, 2)).Named("price"),
		)
		cents += int64(q) * price
		qty += q
	}

	add("customer", codec.S(fmt.Sprintf("CUST-%06d", r.IntN(100_000))))
	add("status", codec.S(orderStatuses[r.IntN(len(orderStatuses))]))
	add("amount", codec.N(decimal(cents, 2)))
	add("quantity", codec.N(strconv.Itoa(qty)))
	add("created_at", codec.S(time.UnixMilli(createdMs).UTC().Format("2006-01-02T15:04:05.000Z")))
	add("updated_at", codec.N(strconv.FormatInt(updatedS, 10)))
	add("active", codec.Bool(r.IntN(10) != 0))
	if r.IntN(20) != 0 {
		addr := []codec.Value{
			codec.S(strconv.Itoa(1+r.IntN(999)) + " " + streets[r.IntN(len(streets))]).Named("street"),
			codec.S(cities[r.IntN(len(cities))]).Named("city"),
			codec.S(fmt.Sprintf("%05d", r.IntN(100_000))).Named("zip"), // leading zeros: a string
		}
		if r.IntN(5) != 0 {
			addr = append(addr, codec.M(
				codec.N(decimal(r.Int64N(180_000_001)-90_000_000, 6)).Named("lat"),
				codec.N(decimal(r.Int64N(360_000_001)-180_000_000, 6)).Named("lon"),
			).Named("geo"))
		}
		add("address", codec.M(addr...))
	}
	add("lines", codec.L(lines...))
	if r.IntN(10) < 6 {
		n := 1 + r.IntN(4)
		var tags []string
		for _, j := range r.Perm(len(orderTags))[:n] {
			tags = append(tags, orderTags[j])
		}
		add("tags", codec.SS(tags...))
	}
	if r.IntN(10) < 3 {
		n := 1 + r.IntN(5)
		seen := map[string]bool{}
		var scores []string
		for range n {
			sc := decimal(r.Int64N(1501)-500, 1) // -50 to 100, canonical: distinct text, distinct values
			if !seen[sc] {
				seen[sc] = true
				scores = append(scores, sc)
			}
		}
		add("scores", codec.NS(scores...))
	}
	if r.IntN(10) == 0 {
		n := 1 + r.IntN(3)
		seen := map[string]bool{}
		var thumbs [][]byte
		for range n {
			b := randomBytes(r, 16+r.IntN(17))
			if !seen[string(b)] {
				seen[string(b)] = true
				thumbs = append(thumbs, b)
			}
		}
		add("thumbs", codec.BS(thumbs...))
	}
	if r.IntN(10) < 3 {
		note := ""
		if r.IntN(5) != 0 {
			note = text(r, shortLen(r, 300))
		}
		add("notes", codec.S(note))
	}
	if r.IntN(20) == 0 {
		add("deleted_at", codec.Null())
	}
	if r.IntN(5) != 0 {
		if r.IntN(2) == 0 {
			add("ext", codec.S("EXT-"+strconv.FormatInt(r.Int64N(1<<40), 36)))
		} else {
			add("ext", codec.N(strconv.FormatInt(r.Int64N(1e12), 10)))
		}
	}
	if r.IntN(100) == 0 {
		add("big", codec.N(bigNumber(r)))
	}
	var raw []byte
	if r.IntN(20) != 0 {
		raw = randomBytes(r, 8+r.IntN(25))
	}
	add("raw", codec.B(raw))
	return it
}

// buildTable returns a ShapeTable item: key, the catalogue attributes, and
// a "payload" string filling it to target bytes when they fall short.
// Attributes are left out from the end while the item exceeds MaxItemBytes.
func (s *Source) buildTable(r *rand.Rand, key codec.Item, target int) codec.Item {
	body := s.tableBody(r)
	it := make(codec.Item, 0, len(key)+len(body)+1)
	it = append(append(it, key...), body...)
	limit := s.opt.MaxItemBytes
	size := ItemSize(it)
	for size > limit && len(it) > len(key) {
		size -= len(it[len(it)-1].Name) + ValueSize(it[len(it)-1])
		it = it[:len(it)-1]
	}
	const pad = "payload"
	if rest := min(target, limit) - size - len(pad); rest >= 0 && size < target && !s.isKey(pad) {
		it = append(it, codec.S(text(r, rest)).Named(pad))
	}
	return it
}

// mutateTable is mutate for ShapeTable: the image before the update has
// the same catalogue, so the same types. created_at and ext stay;
// updated_at is earlier; lines (with amount and quantity) change in a
// quarter of updates; every other attribute, in a quarter of updates,
// takes another order's value or presence: changed, added by the update
// or removed by it.
func (s *Source) mutateTable(r *rand.Rand, img codec.Item, nkeys int) codec.Item {
	fresh := s.buildTable(r, img[:nkeys], ItemSize(img))[nkeys:]
	cur := img[nkeys:]
	linesToo := r.IntN(4) == 0
	old := make(codec.Item, 0, len(img)+2)
	old = append(old, img[:nkeys]...)
	for _, nm := range tableAttrs {
		from := cur
		switch nm {
		case "created_at", "ext", "updated_at":
		case "lines", "amount", "quantity":
			if linesToo {
				from = fresh
			}
		default:
			if r.IntN(4) == 0 {
				from = fresh
			}
		}
		v, ok := from.Get(nm)
		if !ok {
			continue
		}
		if nm == "updated_at" {
			u, err := strconv.ParseInt(v.Str, 10, 64)
			if err == nil {
				earlier := u - 1 - r.Int64N(24*3600)
				if c, ok := cur.Get("created_at"); ok {
					if ct, err := time.Parse(time.RFC3339, c.Str); err == nil {
						earlier = max(earlier, ct.Unix())
					}
				}
				v = codec.N(strconv.FormatInt(earlier, 10)).Named(nm)
			}
		}
		old = append(old, v.Named(nm))
	}
	for len(old) > nkeys && ItemSize(old) > s.opt.MaxItemBytes {
		old = old[:len(old)-1]
	}
	if codec.ItemEqual(old, img) { // no updated_at (a tiny MaxItemBytes), nothing drawn differs
		if len(old) > nkeys {
			old = old[:len(old)-1] // the update added the last attribute
		} else {
			for _, a := range []codec.Value{codec.Null().Named("deleted_at"), codec.S("").Named("notes"), codec.Bool(true).Named("active")} {
				if !s.isKey(a.Name) {
					old = append(old, a) // or removed one
					break
				}
			}
		}
	}
	return old
}
