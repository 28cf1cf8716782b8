package ddbjson_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
)

// gen makes deterministic, realistic items: 5–30 attributes of all ten
// types, with nesting, names and values that look like real data.
type gen struct {
	r *rand.Rand
}

var words = strings.Fields(`id pk sk name email status created_at updated_at price quantity tags
	address city country zip phone active deleted score rating version owner items
	description title category image thumbnail payload metadata config region tenant`)

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

func (g *gen) text(n int) string {
	const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/"
	var sb strings.Builder
	for range n {
		sb.WriteByte(alpha[g.r.IntN(len(alpha))])
	}
	if g.r.IntN(20) == 0 {
		sb.WriteString("é\"\\ü日本")
	}
	return sb.String()
}

func (g *gen) number() string {
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprint(g.r.Int64())
	case 1:
		return fmt.Sprintf("%d.%02d", g.r.IntN(100000), g.r.IntN(100))
	case 2:
		return fmt.Sprint(1700000000000 + g.r.IntN(1e9))
	case 3:
		return fmt.Sprintf("-%d.%d", g.r.IntN(1000), g.r.IntN(1e6))
	case 4:
		return fmt.Sprintf("%dE%d", 1+g.r.IntN(9), g.r.IntN(100)-50)
	}
	return fmt.Sprint(g.r.IntN(1000))
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

func (g *gen) value(depth int) codec.Value {
	t := codec.Type(1 + g.r.IntN(10))
	if depth >= 3 && (t == codec.TypeM || t == codec.TypeL) {
		t = codec.TypeS
	}
	switch t {
	case codec.TypeS:
		return codec.S(g.text(4 + g.r.IntN(40)))
	case codec.TypeN:
		return codec.N(g.number())
	case codec.TypeB:
		return codec.B(g.bytes(4 + g.r.IntN(40)))
	case codec.TypeBOOL:
		return codec.Bool(g.r.IntN(2) == 0)
	case codec.TypeNULL:
		return codec.Null()
	case codec.TypeM:
		n := g.r.IntN(6)
		var ms []codec.Value
		for i := range n {
			ms = append(ms, g.value(depth+1).Named(fmt.Sprintf("%s%d", g.word(), i)))
		}
		return codec.M(ms...)
	case codec.TypeL:
		n := g.r.IntN(6)
		var ls []codec.Value
		for range n {
			ls = append(ls, g.value(depth+1))
		}
		return codec.L(ls...)
	case codec.TypeSS:
		n := 1 + g.r.IntN(5)
		var ss []string
		for i := range n {
			ss = append(ss, fmt.Sprintf("%s-%d", g.text(3+g.r.IntN(10)), i))
		}
		return codec.SS(ss...)
	case codec.TypeNS:
		n := 1 + g.r.IntN(5)
		var ns []string
		for i := range n {
			ns = append(ns, fmt.Sprint(i*1000+g.r.IntN(1000)))
		}
		return codec.NS(ns...)
	default:
		n := 1 + g.r.IntN(3)
		var bs [][]byte
		for i := range n {
			bs = append(bs, append([]byte{byte(i)}, g.bytes(8+g.r.IntN(24))...))
		}
		return codec.BS(bs...)
	}
}

func (g *gen) item(attrs int) codec.Item {
	it := codec.Item{codec.S(g.text(20)).Named("pk"), codec.S(g.text(10)).Named("sk")}
	for i := 2; i < attrs; i++ {
		it = append(it, g.value(1).Named(fmt.Sprintf("%s_%d", g.word(), i)))
	}
	return it
}

// genLines returns n lines of full-export records between minLen and
// maxLen bytes (items outside the range are drawn again), seeded.
func genLines(seed uint64, n, minLen, maxLen int) []byte {
	g := &gen{r: rand.New(rand.NewPCG(seed, 42))}
	var out []byte
	for k := 0; k < n; {
		rec := &codec.Record{Item: g.item(5 + g.r.IntN(26))}
		if k%10 == 9 { // one in ten is an incremental record
			rec = &codec.Record{WriteTimestampMicros: 1768386096366933 + int64(k), Keys: rec.Item[:2], NewImage: rec.Item}
		}
		start := len(out)
		out = ddbjson.AppendRecord(out, rec)
		if l := len(out) - start; l < minLen || l > maxLen {
			out = out[:start]
			continue
		}
		out = append(out, '\n')
		k++
	}
	return out
}

// genBigLines returns n lines of about size bytes each: large strings,
// binaries and long lists, as a 400 KB item is.
func genBigLines(seed uint64, n, size int) []byte {
	g := &gen{r: rand.New(rand.NewPCG(seed, 7))}
	var out []byte
	for range n {
		it := g.item(10)
		var list []codec.Value
		start := len(out)
		for len(ddbjson.AppendItem(nil, list)) < size/2 {
			list = append(list, g.value(2))
		}
		it = append(it, codec.L(list...).Named("history"),
			codec.S(g.text(size/4)).Named("body"), codec.B(g.bytes(size/8)).Named("blob"))
		out = ddbjson.AppendRecord(out, &codec.Record{Item: it})
		_ = start
		out = append(out, '\n')
	}
	return out
}
