package parquet_test

import (
	"fmt"
	"strconv"

	"github.com/ddbexport/ddbexport/codec"
)

// tableItems builds items of a realistic table: a dozen attributes of
// stable types (S, N integers, N decimals, BOOL, SS, a nested M, an L of
// maps, B), about 2 KB of DynamoDB JSON each (mostly a description of
// random words, which compresses about as well as text), the same for the
// same i.
type tableItems struct {
	buf []byte
}

func newTableItems() *tableItems { return &tableItems{} }

// text returns n bytes of random lower-case words drawn from seed.
func (t *tableItems) text(seed uint64, n int) string {
	t.buf = t.buf[:0]
	x := seed | 1
	for len(t.buf) < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for k := 0; k < 8 && len(t.buf) < n; k++ {
			c := byte(x >> (8 * k))
			if c%6 == 0 {
				t.buf = append(t.buf, ' ')
			} else {
				t.buf = append(t.buf, 'a'+c%26)
			}
		}
	}
	return string(t.buf)
}

func (t *tableItems) item(i int) codec.Item {
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	h ^= h >> 29
	n := 1000 + int(h>>40)%1000
	cents := int64(h>>20) % 1000000
	return codec.Item{
		codec.S("customer#" + strconv.Itoa(i/4)).Named("pk"),
		codec.N(strconv.Itoa(i % 4)).Named("sk"),
		codec.N(strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)).Named("price"),
		codec.N(strconv.FormatInt(int64(h>>33), 10)).Named("score"),
		codec.Bool(h&1 == 0).Named("active"),
		codec.SS("tag"+strconv.Itoa(int(h%7)), "tag"+strconv.Itoa(int(h%11)+7), "all").Named("tags"),
		codec.M(
			codec.S(strconv.Itoa(int(h%9999))+" Main Street").Named("street"),
			codec.S([]string{"Paris", "Lyon", "Berlin", "Oslo", "Lima"}[h%5]).Named("city"),
			codec.N(strconv.Itoa(10000+int(h%89999))).Named("zip"),
			codec.M(
				codec.N(fmt.Sprintf("%d.%06d", int(h%90), int(h>>8)%1000000)).Named("lat"),
				codec.N(fmt.Sprintf("-%d.%06d", int(h%180), int(h>>16)%1000000)).Named("lon"),
			).Named("geo"),
		).Named("address"),
		codec.L(
			codec.M(codec.N(strconv.Itoa(1600000000+i)).Named("ts"), codec.S("created").Named("event")),
			codec.M(codec.N(strconv.Itoa(1600000100+i)).Named("ts"), codec.S("updated").Named("event")),
		).Named("history"),
		codec.S(t.text(h, n)).Named("description"),
		codec.N(fmt.Sprintf("%d.%d", h%5, h%10)).Named("rating"),
		codec.B([]byte(t.text(h>>3, 64))).Named("blob"),
		codec.S(fmt.Sprintf("2024-%02d-%02dT10:00:00Z", 1+h%12, 1+h%28)).Named("created"),
	}
}
