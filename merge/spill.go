package merge

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/s2"

	"github.com/ddbexport/ddbexport/codec"
)

// The spill format. A spill file is a sequence of frames, each the
// uvarint length of an s2 block and the block, which holds records one
// after another:
//
//	uvarint len(key), key      the key's encoding (see appendKey)
//	varint  WriteTimestampMicros (math.MinInt64 for the base's items)
//	uvarint rank               0 for the base, i+1 for the i-th incremental
//	byte    0 delete, 1 put
//	uvarint len(item), item    a put's item (see appendItem)
//
// Frames are compressed by the goroutine that filled them and appended
// under the file's lock, so that many data files spill at once.

// errCorruptSpill is returned for a spill file that cannot be parsed: a
// bug, or a temporary file changed under the merge.
var errCorruptSpill = errors.New("merge: corrupt spill file")

// appendKey appends the encoding of a key's attributes by DynamoDB's
// equality: the type, then the bytes of a string or binary, or the
// canonical form of a number, so that 10, 10.0 and 1E1 are one key.
func appendKey(dst []byte, vals []codec.Value) ([]byte, error) {
	for _, v := range vals {
		dst = append(dst, byte(v.Type))
		switch v.Type {
		case codec.TypeS, codec.TypeB:
			dst = binary.AppendUvarint(dst, uint64(len(v.Str)))
			dst = append(dst, v.Str...)
		case codec.TypeN:
			var buf [64]byte
			c, ok := codec.AppendCanonicalNumber(buf[:0], v.Str)
			if !ok {
				return dst, fmt.Errorf("key number %q is not a number", v.Str)
			}
			dst = binary.AppendUvarint(dst, uint64(len(c)))
			dst = append(dst, c...)
		default:
			return dst, fmt.Errorf("key attribute %q is of type %s, not S, N or B", v.Name, v.Type)
		}
	}
	return dst, nil
}

// appendItem appends a compact binary encoding of it.
func appendItem(dst []byte, it codec.Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(it)))
	for i := range it {
		dst = appendString(dst, it[i].Name)
		dst = appendValue(dst, &it[i])
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendValue(dst []byte, v *codec.Value) []byte {
	dst = append(dst, byte(v.Type))
	switch v.Type {
	case codec.TypeS, codec.TypeN, codec.TypeB:
		dst = appendString(dst, v.Str)
	case codec.TypeBOOL:
		if v.Bool {
			return append(dst, 1)
		}
		return append(dst, 0)
	case codec.TypeNULL:
	case codec.TypeM:
		dst = appendItem(dst, v.Elems)
	default: // L and the sets
		dst = binary.AppendUvarint(dst, uint64(len(v.Elems)))
		for i := range v.Elems {
			dst = appendValue(dst, &v.Elems[i])
		}
	}
	return dst
}

// itemReader decodes what appendItem wrote.
type itemReader struct {
	b   []byte
	err bool
}

func (r *itemReader) uvarint() int {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return int(n)
}

func (r *itemReader) str() string {
	n := r.uvarint()
	if n > len(r.b) {
		r.err, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *itemReader) item() codec.Item {
	n := r.uvarint()
	it := make(codec.Item, n)
	for i := range it {
		it[i].Name = r.str()
		r.value(&it[i])
		if r.err {
			return nil
		}
	}
	return it
}

func (r *itemReader) value(v *codec.Value) {
	if len(r.b) == 0 {
		r.err = true
		return
	}
	v.Type = codec.Type(r.b[0])
	r.b = r.b[1:]
	switch v.Type {
	case codec.TypeS, codec.TypeN, codec.TypeB:
		v.Str = r.str()
	case codec.TypeBOOL:
		if len(r.b) == 0 {
			r.err = true
			return
		}
		v.Bool = r.b[0] == 1
		r.b = r.b[1:]
	case codec.TypeNULL:
	case codec.TypeM:
		v.Elems = r.item()
	case codec.TypeL, codec.TypeSS, codec.TypeNS, codec.TypeBS:
		n := r.uvarint()
		v.Elems = make([]codec.Value, n)
		for i := range v.Elems {
			r.value(&v.Elems[i])
			if r.err {
				return
			}
		}
	default:
		r.err = true
	}
}

func decodeItem(b []byte) (codec.Item, error) {
	r := itemReader{b: b}
	it := r.item()
	if r.err || len(r.b) != 0 {
		return nil, errCorruptSpill
	}
	return it, nil
}

// A spillRecord is one parsed record of a spill file; its slices point
// into the decompressed frame.
type spillRecord struct {
	key  []byte
	ts   int64
	rank uint64
	put  bool
	item []byte
	raw  []byte // the whole record
}

// parseRecord parses the record at the start of b and returns the rest.
func parseRecord(b []byte) (spillRecord, []byte, error) {
	var r spillRecord
	start := b
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return r, nil, errCorruptSpill
	}
	r.key, b = b[k:k+int(n)], b[k+int(n):]
	if r.ts, k = binary.Varint(b); k <= 0 {
		return r, nil, errCorruptSpill
	}
	b = b[k:]
	if r.rank, k = binary.Uvarint(b); k <= 0 || len(b) < k+1 {
		return r, nil, errCorruptSpill
	}
	r.put, b = b[k] == 1, b[k+1:]
	if r.put {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return r, nil, errCorruptSpill
		}
		r.item, b = b[k:k+int(n)], b[k+int(n):]
	}
	r.raw = start[:len(start)-len(b)]
	return r, b, nil
}

// appendRecord appends one spill record.
func appendRecord(dst, key []byte, ts int64, rank int, item codec.Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	dst = binary.AppendVarint(dst, ts)
	dst = binary.AppendUvarint(dst, uint64(rank))
	if item == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	// The item's length is not known before it is encoded: reserve the
	// longest uvarint, then move the item down if it is shorter.
	at := len(dst)
	dst = append(dst, make([]byte, binary.MaxVarintLen64)...)
	dst = appendItem(dst, item)
	n := len(dst) - at - binary.MaxVarintLen64
	var lb [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(lb[:], uint64(n))
	copy(dst[at:], lb[:k])
	copy(dst[at+k:], dst[at+binary.MaxVarintLen64:])
	return dst[:at+k+n]
}

// hashKey places a key in one of n partitions at a split depth.
func hashKey(key []byte, depth int, n int) int {
	h := fnv.New64a()
	h.Write(key)
	x := h.Sum64() ^ uint64(depth)*0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return int(x % uint64(n))
}

// A spillFile is one partition's temporary file.
type spillFile struct {
	path  string
	depth int // split depth of its keys' hash

	mu  sync.Mutex
	f   *os.File
	bw  *bufio.Writer
	err error

	raw     atomic.Int64 // uncompressed record bytes
	records atomic.Int64
}

// newSpillFile creates a spill file whose writes are buffered in bufSize
// bytes.
func newSpillFile(dir string, name string, depth, bufSize int) (*spillFile, error) {
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &spillFile{path: path, depth: depth, f: f, bw: bufio.NewWriterSize(f, bufSize)}, nil
}

// writeBlock appends a compressed frame holding raw bytes of n records.
func (s *spillFile) writeBlock(block []byte, raw, n int) error {
	var lb [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(lb[:], uint64(len(block)))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, err := s.bw.Write(lb[:k]); err != nil {
		s.err = err
		return err
	}
	if _, err := s.bw.Write(block); err != nil {
		s.err = err
		return err
	}
	s.raw.Add(int64(raw))
	s.records.Add(int64(n))
	return nil
}

// finish flushes and closes the file for reading.
func (s *spillFile) finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return s.err
	}
	if s.err == nil {
		s.err = s.bw.Flush()
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = err
	}
	s.f = nil
	return s.err
}

// cost estimates the memory to merge the file in memory: its records'
// bytes plus a map entry each.
func (s *spillFile) cost() int64 { return s.raw.Load() + s.records.Load()*entryOverhead }

// entryOverhead is the memory of a map entry besides its key and item
// bytes: the string header, the entry and the map's own share.
const entryOverhead = 96

// frames calls fn for each decompressed frame of the file.
func (s *spillFile) frames(fn func(frame []byte) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var cbuf, dbuf []byte
	for {
		n, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return nil
		}
		if err != nil || n > math.MaxInt32 {
			return errCorruptSpill
		}
		if uint64(cap(cbuf)) < n {
			cbuf = make([]byte, n)
		}
		cbuf = cbuf[:n]
		if _, err := io.ReadFull(br, cbuf); err != nil {
			return errCorruptSpill
		}
		dn, err := s2.DecodedLen(cbuf)
		if err != nil {
			return errCorruptSpill
		}
		if cap(dbuf) < dn {
			dbuf = make([]byte, dn)
		}
		d, err := s2.Decode(dbuf[:dn], cbuf)
		if err != nil {
			return errCorruptSpill
		}
		if err := fn(d); err != nil {
			return err
		}
	}
}

// A spillBuffer gathers one writer's records per partition and spills a
// partition's records as a frame once they reach chunk bytes.
type spillBuffer struct {
	files []*spillFile
	chunk int
	bufs  [][]byte
	count []int
	enc   []byte
}

func newSpillBuffer(files []*spillFile, chunk int) *spillBuffer {
	return &spillBuffer{files: files, chunk: chunk, bufs: make([][]byte, len(files)), count: make([]int, len(files))}
}

// buf returns partition p's buffer to append a record to.
func (b *spillBuffer) buf(p int) []byte {
	if b.bufs[p] == nil {
		b.bufs[p] = make([]byte, 0, b.chunk+b.chunk/4)
	}
	return b.bufs[p]
}

// added records that partition p's buffer grew by one record to buf.
func (b *spillBuffer) added(p int, buf []byte) error {
	b.bufs[p] = buf
	b.count[p]++
	if len(buf) >= b.chunk {
		return b.flush(p)
	}
	return nil
}

func (b *spillBuffer) flush(p int) error {
	buf := b.bufs[p]
	if len(buf) == 0 {
		return nil
	}
	b.enc = s2.Encode(b.enc[:cap(b.enc)], buf)
	err := b.files[p].writeBlock(b.enc, len(buf), b.count[p])
	if cap(buf) > 4*b.chunk {
		buf = nil // a huge record: do not keep its buffer
	}
	b.bufs[p], b.count[p] = buf[:0], 0
	return err
}

func (b *spillBuffer) flushAll() error {
	for p := range b.bufs {
		if err := b.flush(p); err != nil {
			return err
		}
	}
	return nil
}
