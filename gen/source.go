package gen

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"iter"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
)

// Random streams: each value derives from (seed, stream, index) alone, so
// any record can be generated on its own, in any order, by any goroutine.
const (
	streamPK uint64 = iota + 1
	streamSK
	streamItem
	streamChange
	streamMeta
	streamNames
)

// Proportions of the generated data.
const (
	largeEvery   = 2000    // about 1 item in 2000 is large (above 100 KB)
	largeMin     = 100_000 // large items are 100 KB to MaxItemBytes
	mediumPerMil = 50      // 5% of items are 2 KB to 100 KB
	smallMin     = 100     // most items are 100 B to 2 KB
	smallMax     = 2048
	collection   = 4 // items per partition key value with a sort key
)

// A Source generates the records of one export, deterministically from
// Options (Seed included): record i is the same whatever else is
// generated, so records may be generated in any order and concurrently.
// A Source is immutable and safe for concurrent use.
type Source struct {
	opt  Options
	seed uint64
	sum  manifest.Summary
}

// NewSource validates opt and returns a Source of its records.
func NewSource(opt Options) (*Source, error) {
	o, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	s := &Source{opt: o, seed: uint64(o.Seed)}
	s.sum = s.summary()
	return s, nil
}

// Options returns the options with every default filled in.
func (s *Source) Options() Options { return s.opt }

// Len returns the number of records, Options.Items.
func (s *Source) Len() int { return s.opt.Items }

// Summary returns the export's summary as Write begins it: identity,
// ARNs, table ID, times, bucket, prefix, format, view and type. Write
// fills in the totals and manifestFilesS3Key.
func (s *Source) Summary() manifest.Summary { return s.sum }

// splitmix is SplitMix64's finalizer, a bijective mixer.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (s *Source) rng(stream uint64, i int) *rand.Rand {
	hi := splitmix(s.seed ^ splitmix(stream))
	lo := splitmix(hi ^ uint64(i))
	return rand.New(rand.NewPCG(hi, lo))
}

func (s *Source) chacha(stream uint64) *rand.ChaCha8 {
	var key [32]byte
	for j := range 4 {
		binary.LittleEndian.PutUint64(key[8*j:], splitmix(s.seed^splitmix(stream)+uint64(j)))
	}
	return rand.NewChaCha8(key)
}

// names returns the source of data file names: the seed and the export
// ID select it, so two exports never draw the same names (incremental
// exports share one data folder).
func (s *Source) names() *rand.ChaCha8 {
	h := fnv.New64a()
	h.Write([]byte(s.sum.ExportArn))
	var key [32]byte
	for j := range 4 {
		binary.LittleEndian.PutUint64(key[8*j:], splitmix(s.seed^splitmix(streamNames)^h.Sum64()+uint64(j)))
	}
	return rand.NewChaCha8(key)
}

// summary derives the export's identity and times from the seed.
func (s *Source) summary() manifest.Summary {
	o := &s.opt
	r := rand.New(s.chacha(streamMeta))
	// Draw in a fixed order, whatever the options.
	delayMs := 1000 + r.Int64N(120_000)  // full export with ExportTime: request → start
	delayS := 10 + r.Int64N(290)         // incremental: window end → start
	runMs := 120_000 + r.Int64N(360_000) // start → end
	suffix := r.Uint32()
	u1, u2 := r.Uint64(), r.Uint64()
	ms := time.Millisecond
	defTime := baseTime.Add(time.Duration(splitmix(s.seed)%(300*24*3600*1000)) * ms)

	sum := manifest.Summary{
		S3Bucket:       o.Bucket,
		S3Prefix:       o.Prefix,
		S3SseAlgorithm: "AES256",
		OutputFormat:   o.Format.String(),
	}
	if o.Kind == Full {
		sum.Version = manifest.VersionFull
		if o.ExportTime.IsZero() {
			sum.ExportTime = defTime
			sum.StartTime = defTime
		} else {
			sum.ExportTime = o.ExportTime.UTC().Truncate(ms)
			sum.StartTime = sum.ExportTime.Add(time.Duration(delayMs) * ms)
		}
	} else {
		sum.Version = manifest.VersionIncremental
		sum.ExportType = manifest.IncrementalExport
		sum.OutputView = o.View
		if o.ExportTime.IsZero() {
			sum.ExportToTime = defTime.Truncate(time.Minute)
		} else {
			sum.ExportToTime = o.ExportTime.UTC().Truncate(time.Second)
		}
		sum.ExportFromTime = sum.ExportToTime.Add(-o.Window)
		sum.StartTime = sum.ExportToTime.Add(time.Duration(delayS) * time.Second)
	}
	sum.EndTime = sum.StartTime.Add(time.Duration(runMs) * ms)
	id := fmt.Sprintf("0%013d-%08x", sum.StartTime.UnixMilli(), suffix)
	sum.TableArn = "arn:aws:dynamodb:" + o.Region + ":" + o.Account + ":table/" + o.Table
	sum.ExportArn = sum.TableArn + "/export/" + id
	u1 = u1&^(0xf<<12) | 4<<12 // UUID version 4
	u2 = u2&^(3<<62) | 2<<62   // RFC 4122 variant
	sum.TableID = fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", u1>>32, (u1>>16)&0xffff, u1&0xffff, u2>>48, u2&0xffffffffffff)
	return sum
}

// keyValue returns the key value number idx of type t: distinct for
// distinct idx, never empty.
func (s *Source) keyValue(stream uint64, idx int, t codec.Type) codec.Value {
	r := s.rng(stream, idx)
	switch t {
	case codec.TypeN:
		// Four disjoint ranges keep values distinct: small integers,
		// negative integers, halves, and 38-digit integers.
		switch r.IntN(4) {
		case 0:
			return codec.N(strconv.Itoa(idx))
		case 1:
			return codec.N("-" + strconv.Itoa(idx+1))
		case 2:
			return codec.N(strconv.Itoa(idx) + ".5")
		default:
			return codec.N(fmt.Sprintf("1%037d", idx))
		}
	case codec.TypeB:
		b := binary.BigEndian.AppendUint64(nil, uint64(idx))
		return codec.B(append(b, randomBytes(r, r.IntN(9))...))
	default:
		// word#<idx in base 36>-<random>: words hold no '#'.
		w := keyWords[r.IntN(len(keyWords))]
		tail := make([]byte, r.IntN(9))
		for j := range tail {
			tail[j] = "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]
		}
		return codec.S(w + "#" + strconv.FormatInt(int64(idx), 36) + "-" + string(tail))
	}
}

func (s *Source) partitionKey(i int) codec.Value {
	idx := i
	if s.opt.Keys.HasSort() {
		idx = i / collection
	}
	return s.keyValue(streamPK, idx, s.opt.Keys.Partition.Type).Named(s.opt.Keys.Partition.Name)
}

// Key returns record i's primary key attributes: the partition key, then
// the sort key if the schema has one. Keys are distinct for distinct i.
func (s *Source) Key(i int) codec.Item {
	pk := s.partitionKey(i)
	if !s.opt.Keys.HasSort() {
		return codec.Item{pk}
	}
	sk := s.keyValue(streamSK, i, s.opt.Keys.Sort.Type).Named(s.opt.Keys.Sort.Name)
	return codec.Item{pk, sk}
}

// Partition returns the data file (0 ≤ p < Files) of record i, a hash of
// its partition key value: items sharing a partition key share a file.
func (s *Source) Partition(i int) int {
	pk := s.partitionKey(i)
	h := fnv.New64a()
	h.Write([]byte{byte(pk.Type)})
	h.Write([]byte(pk.Str))
	return int(h.Sum64() % uint64(s.opt.Files))
}

// targetSize draws an item's size: mostly small, some medium, rarely
// large (about 1 in 2000 above 100 KB), never above MaxItemBytes.
func (s *Source) targetSize(r *rand.Rand) int {
	max := s.opt.MaxItemBytes
	logUniform := func(lo, hi int) int {
		if hi <= lo {
			return hi
		}
		return int(math.Exp(math.Log(float64(lo)) + r.Float64()*(math.Log(float64(hi))-math.Log(float64(lo)))))
	}
	var n int
	switch u := r.IntN(largeEvery * 1000); {
	case u < 1000:
		n = max
		if max > largeMin {
			n = largeMin + r.IntN(max-largeMin+1)
		}
	case u < mediumPerMil*largeEvery:
		n = logUniform(smallMax, largeMin)
	default:
		n = logUniform(smallMin, smallMax)
	}
	return min(n, max)
}

// Item returns item i: its key and generated attributes, of
// Options.Shape, of a size drawn from the size distribution.
func (s *Source) Item(i int) codec.Item {
	r := s.rng(streamItem, i)
	return s.build(r, s.Key(i), s.targetSize(r))
}

// ItemOfSize returns item i's key with attributes filling it to about
// size bytes by ItemSize (exactly, when size is large enough), never above
// MaxItemBytes. It is for tests and benchmarks of large items.
func (s *Source) ItemOfSize(i, size int) codec.Item {
	r := s.rng(streamItem, i)
	s.targetSize(r) // keep the stream aligned with Item
	return s.build(r, s.Key(i), min(size, s.opt.MaxItemBytes))
}

// build adds attributes to key until the item reaches target bytes,
// staying within MaxItemBytes (for ShapeTable, see buildTable).
func (s *Source) build(r *rand.Rand, key codec.Item, target int) codec.Item {
	if s.opt.Shape == ShapeTable {
		return s.buildTable(r, key, target)
	}
	limit := s.opt.MaxItemBytes
	it := make(codec.Item, len(key), len(key)+8)
	copy(it, key)
	used := make(map[string]bool, 16)
	for _, k := range key {
		used[k.Name] = true
	}
	size := ItemSize(it)
	first := true
	for tries := 0; size < target && tries < 100_000; tries++ {
		left := target - size
		nm := name(r, used)
		budget := left - len(nm)
		if budget < 1 {
			delete(used, nm)
			break
		}
		var v codec.Value
		switch {
		case first && r.IntN(12) == 0 && budget >= 400:
			v = nested(r, 1+r.IntN(5))
		case budget > 4096 && r.IntN(3) == 0:
			v = bulk(r, budget)
		default:
			v = value(r, 0, budget)
		}
		first = false
		n := len(nm) + ValueSize(v)
		if size+n > limit {
			delete(used, nm)
			continue
		}
		it = append(it, v.Named(nm))
		size += n
		if left := target - size; left > 0 && left < 64 && r.IntN(2) == 0 {
			// Close enough: fill the rest exactly with a string.
			nm := name(r, used)
			if rest := left - len(nm); rest >= 0 {
				it = append(it, codec.S(text(r, rest)).Named(nm))
				size += len(nm) + rest
			}
			break
		}
	}
	return it
}

// Record returns record i: a full export's item record, or an incremental
// export's change record for key i (see the package documentation for
// the mix of changes).
func (s *Source) Record(i int) *codec.Record {
	if s.opt.Kind == Full {
		return &codec.Record{Item: s.Item(i)}
	}
	r := s.rng(streamChange, i)
	op := r.IntN(10)
	from := s.sum.ExportFromTime.UnixMicro()
	span := s.sum.ExportToTime.UnixMicro() - from
	rec := &codec.Record{
		WriteTimestampMicros: from + r.Int64N(span),
		Keys:                 s.Key(i),
	}
	both := s.opt.View == manifest.ViewNewAndOldImages
	switch {
	case op < 4: // insert
		rec.NewImage = s.Item(i)
	case op < 8: // update
		rec.NewImage = s.Item(i)
		if both {
			rec.OldImage = s.mutate(r, rec.NewImage, len(rec.Keys))
		}
	default: // delete: OldImage, or Keys only under NEW_IMAGE
		if both {
			rec.OldImage = s.Item(i)
		}
	}
	return rec
}

// mutate returns the image before an update that led to img: some
// attributes changed, some absent (the update added them), some extra
// (the update removed them). The first nkeys attributes are the key and
// stay. The result differs from img.
func (s *Source) mutate(r *rand.Rand, img codec.Item, nkeys int) codec.Item {
	if s.opt.Shape == ShapeTable {
		return s.mutateTable(r, img, nkeys)
	}
	old := make(codec.Item, 0, len(img)+2)
	old = append(old, img[:nkeys]...)
	used := map[string]bool{}
	for _, a := range img {
		used[a.Name] = true
	}
	changed := false
	for _, a := range img[nkeys:] {
		switch r.IntN(5) {
		case 0: // added by the update
			changed = true
			continue
		case 1: // changed by the update
			a = value(r, 0, max(ValueSize(a), 16)).Named(a.Name)
			changed = true
		}
		old = append(old, a)
	}
	for n := r.IntN(3); n > 0 || !changed; n-- { // removed by the update
		nm := name(r, used)
		old = append(old, value(r, 0, 64).Named(nm))
		changed = true
	}
	for len(old) > nkeys && ItemSize(old) > s.opt.MaxItemBytes {
		old = old[:len(old)-1]
	}
	if codec.ItemEqual(old, img) { // a changed value came out the same
		if len(old) > nkeys {
			old = old[:len(old)-1] // the update added the last attribute
		} else {
			old = append(old, codec.Null().Named(name(r, used))) // or removed one
		}
	}
	return old
}

// Items yields the items of a full export, 0 to Len()-1, whatever Kind is.
func (s *Source) Items() iter.Seq[codec.Item] {
	return func(yield func(codec.Item) bool) {
		for i := range s.opt.Items {
			if !yield(s.Item(i)) {
				return
			}
		}
	}
}

// Records yields records 0 to Len()-1 in order (see Record).
func (s *Source) Records() iter.Seq[*codec.Record] {
	return func(yield func(*codec.Record) bool) {
		for i := range s.opt.Items {
			if !yield(s.Record(i)) {
				return
			}
		}
	}
}
