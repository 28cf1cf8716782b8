package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
)

// words are the plain parts of generated text.
var words = []string{
	"the", "order", "shipped", "customer", "DynamoDB", "export", "item", "value",
	"lorem", "ipsum", "dolor", "sit", "amet", "0", "42", "2026-01-14", "ok", "x",
	" ", " ", " ", ", ", ". ", "-", "_", "/", ":",
}

// special are the fragments that exercise encoders and decoders:
// multi-byte, astral and ZWJ emoji, right-to-left scripts and marks,
// combining marks, and every character JSON must or may escape.
var special = []string{
	"é", "ß", "naïve", "Ωμέγα", "Привет", "漢字", "かな", "한국어", "ñandú",
	"😀", "👍🏽", "👨‍👩‍👧", "🇯🇵", "𝄞", "🎉",
	"עברית", "العربية", "\u200f", "\u200e", "\u202e",
	"e\u0301", "a\u0308", "\u0303", "Z\u0351\u0352\u0353",
	`"`, `\`, `\"`, `\\`, "/", "</script>", "&amp;", "'", "<>", "{\"S\":\"x\"}",
	"\n", "\t", "\r", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f", "\u0085",
	"\u2028", "\u2029", "\ufeff", "\ufffd", "\u00a0",
}

// attrNames are attribute and map member names: plain, with spaces,
// dashes, dots and symbols, Unicode, and characters JSON escapes.
var attrNames = []string{
	"id", "name", "status", "count", "price", "created_at", "updatedAt", "tags",
	"data", "payload", "items", "meta", "x", "v",
	"first name", "with  two spaces", " leading space", "e-mail", "dash-and_underscore",
	"a.b.c", "version.2", "größe", "名前", "🎉", "שם", "اسم", "Ω", "e\u0301",
	"#hash", ":colon", "$dollar", "1starts-with-digit", `quote"name`, `back\slash`,
	"line\u2028sep", "Item", "NewImage", "M", "S",
}

// keyWords start generated string keys; none contains '#'.
var keyWords = []string{"user", "order", "item", "device", "Ünïcødé", "日本", "emoji😀", "a b", `q"uote`, `back\slash`, "rtl-עברית"}

// text returns a string of exactly n bytes of valid UTF-8 (n ≥ 0).
func text(r *rand.Rand, n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	for b.Len() < n {
		var f string
		if r.IntN(4) == 0 {
			f = special[r.IntN(len(special))]
		} else {
			f = words[r.IntN(len(words))]
		}
		if b.Len()+len(f) > n {
			// Pad with ASCII letters to the exact length.
			for b.Len() < n {
				b.WriteByte(byte('a' + r.IntN(26)))
			}
			break
		}
		b.WriteString(f)
	}
	return b.String()
}

// shortLen draws a string or binary length: mostly short, sometimes up to
// a few hundred bytes, never above max.
func shortLen(r *rand.Rand, max int) int {
	n := 1 + r.IntN(24)
	if r.IntN(8) == 0 {
		n = 1 + r.IntN(400)
	}
	return min(n, max)
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		u := r.Uint64()
		for j := i; j < min(i+8, n); j++ {
			b[j] = byte(u)
			u >>= 8
		}
	}
	return b
}

// edgeNumbers are valid DynamoDB numbers at the edges of its range.
var edgeNumbers = []string{
	"0", "1", "-1",
	"1E-130", "-1E-130",
	"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
	"1E+125", "-1E+125", "1.5E-129",
	"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
	"0.00000000000000000000000000000000000001", "12345678901234567890.123456789012345678",
	"3.14159265358979323846264338327950288", "-0.5", "1E+30", "2.5E-7", "6E+2",
}

// digits returns n random decimal digits, the first and last non-zero.
func digits(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	b[0] = byte('1' + r.IntN(9))
	b[n-1] = byte('1' + r.IntN(9))
	return b
}

// number returns a valid DynamoDB number in one of the forms DynamoDB
// accepts: integers, fractions, up to 38 significant digits, exponent
// forms, and the edges of the range.
func number(r *rand.Rand) string {
	var s string
	switch r.IntN(10) {
	case 0:
		s = edgeNumbers[r.IntN(len(edgeNumbers))]
	case 1, 2, 3:
		s = strconv.Itoa(r.IntN(2001) - 1000)
	case 4:
		s = strconv.FormatInt(r.Int64()-r.Int64(), 10)
	case 5, 6: // a fraction, no trailing zeros
		d := digits(r, 1+r.IntN(12))
		p := r.IntN(len(d))
		s = string(d[:p]) + "." + string(d[p:])
		if p == 0 {
			s = "0" + s
		}
	case 7: // up to 38 significant digits, maybe with a point
		d := digits(r, 20+r.IntN(19))
		if p := r.IntN(len(d) + 1); p < len(d) && p > 0 {
			s = string(d[:p]) + "." + string(d[p:])
		} else {
			s = string(d)
		}
	default: // exponent form d.dddE±x, the exponent within the range
		d := digits(r, 1+r.IntN(38))
		m := string(d[:1])
		if len(d) > 1 {
			m += "." + string(d[1:])
		}
		e := r.IntN(codec.MaxNumberExponent-codec.MinNumberExponent+1) + codec.MinNumberExponent
		if e >= 0 {
			s = m + "E+" + strconv.Itoa(e)
		} else {
			s = m + "E" + strconv.Itoa(e)
		}
	}
	if s != "0" && s[0] != '-' && r.IntN(4) == 0 {
		s = "-" + s
	}
	if codec.CheckNumber(s) != nil { // not reached
		return "0"
	}
	return s
}

// name returns an attribute or member name not in used, and marks it.
func name(r *rand.Rand, used map[string]bool) string {
	n := attrNames[r.IntN(len(attrNames))]
	if r.IntN(3) == 0 {
		n = text(r, 1+r.IntN(12))
	}
	for i := 2; n == "" || used[n]; i++ {
		n = attrNames[r.IntN(len(attrNames))] + "_" + strconv.Itoa(i)
	}
	used[n] = true
	return n
}

// Weights of the types of generated values, in Type order S … BS.
var typeWeights = [...]struct {
	t codec.Type
	w int
}{
	{codec.TypeS, 20}, {codec.TypeN, 15}, {codec.TypeB, 7}, {codec.TypeBOOL, 6},
	{codec.TypeNULL, 4}, {codec.TypeM, 10}, {codec.TypeL, 10}, {codec.TypeSS, 6},
	{codec.TypeNS, 6}, {codec.TypeBS, 5},
}

var typeWeightSum = func() int {
	n := 0
	for _, tw := range typeWeights {
		n += tw.w
	}
	return n
}()

func pickType(r *rand.Rand, scalarOnly bool) codec.Type {
	for {
		x := r.IntN(typeWeightSum)
		for _, tw := range typeWeights {
			if x < tw.w {
				if scalarOnly && (tw.t == codec.TypeM || tw.t == codec.TypeL) {
					break
				}
				return tw.t
			}
			x -= tw.w
		}
	}
}

// maxDepth is how deep random values nest; nested() goes deeper.
const maxDepth = 4

// value returns a random value of size at most budget (budget ≥ 1), with
// nesting below depth.
func value(r *rand.Rand, depth, budget int) codec.Value {
	v := value1(r, depth, budget)
	if ValueSize(v) > budget {
		return codec.Bool(r.IntN(2) == 0)
	}
	return v
}

func value1(r *rand.Rand, depth, budget int) codec.Value {
	switch t := pickType(r, depth >= maxDepth); t {
	case codec.TypeS:
		if r.IntN(20) == 0 {
			return codec.S("") // empty strings are allowed outside keys
		}
		return codec.S(text(r, shortLen(r, budget)))
	case codec.TypeN:
		return codec.N(number(r))
	case codec.TypeB:
		if r.IntN(20) == 0 {
			return codec.B(nil)
		}
		return codec.B(randomBytes(r, shortLen(r, budget)))
	case codec.TypeBOOL:
		return codec.Bool(r.IntN(2) == 0)
	case codec.TypeNULL:
		return codec.Null()
	case codec.TypeM:
		n := r.IntN(6) // 0: an empty map
		used := map[string]bool{}
		left := budget - 3
		var ms []codec.Value
		for range n {
			nm := name(r, used)
			b := min(left/max(n, 1), left) - len(nm) - 1
			if b < 1 {
				break
			}
			e := value(r, depth+1, b).Named(nm)
			left -= len(nm) + ValueSize(e) + 1
			ms = append(ms, e)
		}
		return codec.M(ms...)
	case codec.TypeL:
		n := r.IntN(6) // 0: an empty list
		left := budget - 3
		es := []codec.Value{}
		for range n {
			b := min(left/max(n, 1), left) - 1
			if b < 1 {
				break
			}
			e := value(r, depth+1, b)
			left -= ValueSize(e) + 1
			es = append(es, e)
		}
		return codec.L(es...)
	default:
		return set(r, t, 1+r.IntN(6), budget)
	}
}

// set returns a set of type t with up to n distinct elements (at least 1)
// of total size at most budget when possible.
func set(r *rand.Rand, t codec.Type, n, budget int) codec.Value {
	v := codec.Value{Type: t}
	seen := map[string]bool{}
	left := budget
	for tries := 0; len(v.Elems) < n && tries < 4*n+8; tries++ {
		var e codec.Value
		var k string
		switch t {
		case codec.TypeSS:
			e = codec.S(text(r, shortLen(r, max(left/n, 1))))
			k = e.Str
		case codec.TypeNS:
			e = codec.N(number(r))
			c, _ := codec.AppendCanonicalNumber(nil, e.Str) // duplicates by value
			k = string(c)
		default:
			e = codec.B(randomBytes(r, shortLen(r, max(left/n, 1))))
			k = e.Str
		}
		if e.Str == "" || seen[k] || (len(v.Elems) > 0 && ValueSize(e) > left) {
			continue
		}
		seen[k] = true
		left -= ValueSize(e)
		v.Elems = append(v.Elems, e)
	}
	return v
}

// nested returns a map of lists of maps, depth levels deep (depth ≥ 1),
// with scalar leaves.
func nested(r *rand.Rand, depth int) codec.Value {
	leaf := func() codec.Value { return value(r, maxDepth, 64) }
	var build func(d int, isMap bool) codec.Value
	build = func(d int, isMap bool) codec.Value {
		n := 1 + r.IntN(2)
		if isMap {
			used := map[string]bool{}
			ms := []codec.Value{leaf().Named(name(r, used))}
			for range n {
				var e codec.Value
				if d > 0 {
					e = build(d-1, false)
				} else {
					e = leaf()
				}
				ms = append(ms, e.Named(name(r, used)))
			}
			return codec.M(ms...)
		}
		es := []codec.Value{leaf()}
		for range n {
			if d > 0 {
				es = append(es, build(d-1, true))
			} else {
				es = append(es, leaf())
			}
		}
		return codec.L(es...)
	}
	return build(depth, true)
}

// bulk returns a large value of size at most budget (≥ 1) and at least
// about a third of it: a long string, a long binary, or a list, map or
// set of many medium elements.
func bulk(r *rand.Rand, budget int) codec.Value {
	size := budget/3 + r.IntN(budget-budget/3+1)
	switch r.IntN(5) {
	case 0:
		return codec.S(text(r, size))
	case 1:
		return codec.B(randomBytes(r, size))
	case 2: // a list of strings and numbers
		es := []codec.Value{}
		left := size - 3
		for left > 1 {
			var e codec.Value
			if r.IntN(4) == 0 {
				e = codec.N(number(r))
			} else {
				e = codec.S(text(r, min(left-1, 16+r.IntN(1024))))
			}
			if ValueSize(e)+1 > left {
				break
			}
			left -= ValueSize(e) + 1
			es = append(es, e)
		}
		return codec.L(es...)
	case 3: // a map of strings and binaries
		used := map[string]bool{}
		ms := []codec.Value{}
		left := size - 3
		for left > 40 {
			nm := name(r, used)
			var e codec.Value
			n := min(left-len(nm)-1, 16+r.IntN(2048))
			if n < 1 {
				break
			}
			if r.IntN(2) == 0 {
				e = codec.S(text(r, n))
			} else {
				e = codec.B(randomBytes(r, n))
			}
			left -= len(nm) + ValueSize(e) + 1
			ms = append(ms, e.Named(nm))
		}
		return codec.M(ms...)
	default: // a string set of medium strings
		v := codec.Value{Type: codec.TypeSS}
		seen := map[string]bool{}
		left := size
		for left > 0 {
			s := text(r, min(left, 16+r.IntN(512)))
			if seen[s] || s == "" {
				left-- // still progress
				continue
			}
			seen[s] = true
			left -= len(s)
			v.Elems = append(v.Elems, codec.S(s))
		}
		if len(v.Elems) == 0 {
			v.Elems = append(v.Elems, codec.S("x"))
		}
		return v
	}
}
