package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/codec/ddbjson"
	"github.com/ddbexport/ddbexport/exportapi"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/localfs"
)

// A KeyAttr is a key attribute of a table: its name and type (S, N or B).
type KeyAttr struct {
	Name string
	Type codec.Type
}

// A Table is one table the service exports: its key schema, whether PITR
// is enabled, and its history. Items in Base exist from Since, the start
// of the PITR window; Changes are writes at their times, in time order
// (a nil Image is a delete).
type Table struct {
	Name  string
	ID    string // the TableId; "" means one derived from the name
	Hash  KeyAttr
	Range *KeyAttr
	PITR  bool
	Since time.Time

	Base    []codec.Item
	Changes []Change
}

// A Change is one write in a table's history.
type Change struct {
	Micros int64      // when it was written, µs since the epoch
	Image  codec.Item // the whole item after the write; nil for a delete
	Keys   codec.Item // the key attributes
}

// keyAttrs returns the table's key attributes in order.
func (t *Table) keyAttrs() []KeyAttr {
	if t.Range == nil {
		return []KeyAttr{t.Hash}
	}
	return []KeyAttr{t.Hash, *t.Range}
}

// keyOf returns an item's key attributes, checked against the schema.
func (t *Table) keyOf(it codec.Item) (codec.Item, error) {
	var keys codec.Item
	for _, k := range t.keyAttrs() {
		v, ok := it.Get(k.Name)
		if !ok {
			return nil, fmt.Errorf("no key attribute %q", k.Name)
		}
		if v.Type != k.Type {
			return nil, fmt.Errorf("key attribute %q is %s, the table's key is %s", k.Name, v.Type, k.Type)
		}
		keys = append(keys, v)
	}
	return keys, nil
}

// keyString identifies an item by its key attributes.
func keyString(keys codec.Item) string { return string(ddbjson.AppendItem(nil, keys)) }

// add adds a record of an items file: an item to Base, or a change.
func (t *Table) add(rec *codec.Record) error {
	if !rec.IsChange() {
		if _, err := t.keyOf(rec.Item); err != nil {
			return err
		}
		t.Base = append(t.Base, rec.Item)
		return nil
	}
	img := rec.NewImage
	if img != nil {
		keys, err := t.keyOf(img)
		if err != nil {
			return fmt.Errorf("NewImage: %w", err)
		}
		if keyString(keys) != keyString(t.orderKeys(rec.Keys)) {
			return errors.New("Keys differ from the NewImage's key attributes")
		}
	}
	keys, err := t.keyOf(rec.Keys)
	if err != nil {
		return fmt.Errorf("Keys: %w", err)
	}
	t.Changes = append(t.Changes, Change{Micros: rec.WriteTimestampMicros, Image: img, Keys: keys})
	return nil
}

// orderKeys returns keys in the schema's order (Keys may list them in any).
func (t *Table) orderKeys(keys codec.Item) codec.Item {
	var out codec.Item
	for _, k := range t.keyAttrs() {
		if v, ok := keys.Get(k.Name); ok {
			out = append(out, v)
		}
	}
	return out
}

// sortChanges puts Changes in time order, keeping the file's order of
// writes with the same time.
func (t *Table) sortChanges() {
	slices.SortStableFunc(t.Changes, func(a, b Change) int {
		switch {
		case a.Micros < b.Micros:
			return -1
		case a.Micros > b.Micros:
			return 1
		}
		return 0
	})
}

// stateAt returns the table's items just before t (writes at times < at),
// by key string.
func (t *Table) stateAt(at time.Time) map[string]codec.Item {
	state := make(map[string]codec.Item, len(t.Base))
	for _, it := range t.Base {
		keys, _ := t.keyOf(it)
		state[keyString(keys)] = it
	}
	micros := at.UnixMicro()
	for _, c := range t.Changes {
		if c.Micros >= micros {
			break
		}
		if c.Image == nil {
			delete(state, keyString(c.Keys))
		} else {
			state[keyString(c.Keys)] = c.Image
		}
	}
	return state
}

// ParseTableSpec parses a --table spec:
//
//	name=NAME,items=PATH,key=ATTR:TYPE[,sort=ATTR:TYPE][,pitr=true|false][,since=RFC3339]
//
// and loads its items (see LoadItems). since defaults to defaultSince;
// pitr to true. PATH may not contain a comma.
func ParseTableSpec(ctx context.Context, spec string, defaultSince time.Time) (*Table, error) {
	t := &Table{PITR: true, Since: defaultSince}
	var items string
	seen := map[string]bool{}
	for part := range strings.SplitSeq(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("table spec %q: %q is not KEY=VALUE", spec, part)
		}
		if seen[k] {
			return nil, fmt.Errorf("table spec %q: %s given twice", spec, k)
		}
		seen[k] = true
		switch k {
		case "name":
			t.Name = v
		case "items":
			items = v
		case "key", "sort":
			a, err := parseKeyAttr(v)
			if err != nil {
				return nil, fmt.Errorf("table spec %q: %s=%s: %v", spec, k, v, err)
			}
			if k == "key" {
				t.Hash = a
			} else {
				t.Range = &a
			}
		case "pitr":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("table spec %q: pitr=%s: want true or false", spec, v)
			}
			t.PITR = b
		case "since":
			s, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, fmt.Errorf("table spec %q: since=%s: want an RFC 3339 time such as 2026-03-01T00:00:00Z", spec, v)
			}
			t.Since = s.UTC()
		default:
			return nil, fmt.Errorf("table spec %q: unknown key %q (want name, items, key, sort, pitr, since)", spec, k)
		}
	}
	switch {
	case t.Name == "":
		return nil, fmt.Errorf("table spec %q: name= is required", spec)
	case !validTableName(t.Name):
		return nil, fmt.Errorf("table spec %q: %q is not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ . -)", spec, t.Name)
	case t.Hash.Name == "":
		return nil, fmt.Errorf("table spec %q: key=ATTR:TYPE is required", spec)
	case t.Range != nil && t.Range.Name == t.Hash.Name:
		return nil, fmt.Errorf("table spec %q: the sort key is the partition key", spec)
	}
	if items != "" {
		if err := LoadItems(ctx, t, items); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func validTableName(name string) bool {
	_, err := exportapi.ParseTableARN("arn:aws:dynamodb:us-east-1:000000000000:table/" + name)
	return err == nil
}

func parseKeyAttr(s string) (KeyAttr, error) {
	name, typ, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return KeyAttr{}, errors.New("want ATTR:TYPE, TYPE one of S, N, B")
	}
	switch typ {
	case "S":
		return KeyAttr{name, codec.TypeS}, nil
	case "N":
		return KeyAttr{name, codec.TypeN}, nil
	case "B":
		return KeyAttr{name, codec.TypeB}, nil
	}
	return KeyAttr{}, fmt.Errorf("key type %q: want S, N or B", typ)
}

// maxLine bounds one line of an items file.
const maxLine = codec.DefaultMaxRecordBytes

// LoadItems adds to t the items or changes in path: a file (optionally
// gzip) of DYNAMODB_JSON lines, each an item ({"pk":{"S":"a"},…}), a full
// export record ({"Item":{…}}) or an incremental record (Metadata,
// Keys, NewImage, OldImage); or a folder holding one DynamoDB export (full
// or incremental, either format). Items join the base state; changes are
// the table's history. Blank lines are skipped.
func LoadItems(ctx context.Context, t *Table, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("table %s: items: %w", t.Name, err)
	}
	if fi.IsDir() {
		err = loadExport(ctx, t, path)
	} else {
		err = loadFile(t, path)
	}
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	t.sortChanges()
	return nil
}

func loadFile(t *Table, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := codec.Open(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := readLine(br)
		if len(b) > 0 {
			rec, derr := parseLine(b)
			if derr == nil {
				derr = t.add(rec)
			}
			if derr != nil {
				return fmt.Errorf("%s:%d: %v", path, line, derr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSpace(line), err
	}
}

// parseLine decodes one line of an items file: a record as an export
// writes it, or else a bare item.
func parseLine(b []byte) (*codec.Record, error) {
	rec, err := ddbjson.DecodeRecord(b, codec.KindAny)
	if err == nil {
		return rec, nil
	}
	wrapped := make([]byte, 0, len(b)+10)
	wrapped = append(append(append(wrapped, `{"Item":`...), b...), '}')
	if rec, err2 := ddbjson.DecodeRecord(wrapped, codec.KindFull); err2 == nil {
		return rec, nil
	}
	return nil, err
}

// loadExport reads the one export under dir.
func loadExport(ctx context.Context, t *Table, dir string) error {
	st := localfs.New(dir)
	refs, err := manifest.Find(ctx, st, "")
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(refs) != 1 || !refs[0].HasSummary {
		return fmt.Errorf("%s: want one finished export, found %d", dir, len(refs))
	}
	ref := refs[0]
	raw, err := store.ReadAll(ctx, st, ref.Key(manifest.SummaryName), manifest.MaxSummaryBytes)
	if err != nil {
		return err
	}
	sum, err := manifest.ParseSummary(ref.Key(manifest.SummaryName), raw)
	if err != nil {
		return err
	}
	files, bad, _, err := manifest.ReadFiles(ctx, st, ref.Key(manifest.FilesName))
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return bad[0]
	}
	for _, f := range files {
		key, err := ref.Resolve(sum, f.DataFileS3Key)
		if err != nil {
			return err
		}
		if err := loadDataFile(ctx, t, st, key, sum.Format()); err != nil {
			return err
		}
	}
	return nil
}

func loadDataFile(ctx context.Context, t *Table, st store.Store, key string, f codec.Format) error {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	r, err := codec.Open(rc)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	defer r.Close()
	dec, err := codec.NewDecoder(f, r, codec.DecodeOptions{File: key})
	if err != nil {
		return err
	}
	for dec.Next() {
		if err := t.add(dec.Record()); err != nil {
			return fmt.Errorf("%s:%d: %v", key, dec.Line(), err)
		}
	}
	return dec.Err()
}
