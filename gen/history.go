package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ddbexport/ddbexport/codec"
	"github.com/ddbexport/ddbexport/manifest"
	"github.com/ddbexport/ddbexport/sink/export"
	"github.com/ddbexport/ddbexport/store"
)

// streamHistory draws a history's events and its items' later versions.
const streamHistory uint64 = 100

// TruthName is the name of the table state file WriteHistory writes beside
// the exports, in the folder above AWSDynamoDB/.
const TruthName = "table-state.json"

// HistoryOptions configures a table's history: a full export and Exports
// chained incremental exports of the same table.
type HistoryOptions struct {
	// Options describes the table and its full export (the base): Items
	// (the table's items at the start), Files, Keys, Shape, Seed, Prefix,
	// Table, Bucket, Region, Account, MaxItemBytes, and ExportTime, the
	// base's exportTime (truncated to the minute; zero means one derived
	// from Seed). Kind, View and Window must be zero; Format is the base's
	// format and, without Formats, every export's.
	Options
	// Exports is the number of incremental exports, at least 1.
	Exports int
	// Changes is the number of keys changed in each window; 0 means a
	// quarter of Items (at least 1).
	Changes int
	// Window is the time between two incremental exports' ends; 0 means
	// DefaultWindow. Every third window also overlaps the previous one by
	// a quarter of it; the first starts 5 minutes before the base's
	// exportTime.
	Window time.Duration
	// Views are the incremental exports' views, used in turn; nil means
	// NEW_AND_OLD_IMAGES then NEW_IMAGE.
	Views []string
	// Formats are the exports' formats, used in turn from the base; nil
	// means Format for every export. An encoder for each must be
	// registered with codec.RegisterEncoder (import codec/ddbjson and
	// codec/ion).
	Formats []codec.Format
}

// A History is what WriteHistory wrote.
type History struct {
	Base         manifest.Ref
	Incrementals []manifest.Ref
	Summaries    []*manifest.Summary // the base's, then each incremental's
	// TruthKey is the store key of the table state at the end of the last
	// window: one DYNAMODB_JSON line {"Item":…} per live item, in key order.
	TruthKey string
	// Items is the number of live items at the end.
	Items int
}

// An event is one write: the key's new version at time t (micros), or a
// delete (ver < 0).
type event struct {
	t   int64
	ver int32
}

type history struct {
	src    *Source
	opt    HistoryOptions
	t0     time.Time
	froms  []time.Time // window k's bounds, k = 0 … Exports-1
	tos    []time.Time
	start  []int32   // version of each key before any event (-1: absent)
	events [][]event // per key, in time order
}

// WriteHistory writes a table's history into st: a full export at the
// base's exportTime, then opt.Exports incremental exports whose windows
// chain (each starts at or before the previous one's end, every third
// overlapping it, the first starting 5 minutes before the base), with
// inserts, updates and deletes, keys written several times in one window,
// items inserted and deleted in one window (a delete record: under
// NEW_AND_OLD_IMAGES with the last version before the delete as its
// OldImage, as a stream's REMOVE record has, since leaving the key out, as
// the local export service does, would lose the delete when an earlier
// overlapping window saw the insert; Keys only under NEW_IMAGE), deleted
// keys inserted again,
// and number keys written in several notations (10, 10.0, 100E-1). Each
// record is the key's state at its window's end, stamped with its last
// write in the window; under NEW_AND_OLD_IMAGES its OldImage is the state
// at the window's start. The table state the history implies at the end
// of the last window is written beside the exports (TruthName). The same
// options give the same bytes.
func WriteHistory(ctx context.Context, st store.Store, opt HistoryOptions) (*History, error) {
	h, err := newHistory(opt)
	if err != nil {
		return nil, err
	}
	out := &History{}
	for e := 0; e <= h.opt.Exports; e++ {
		ref, sum, err := h.write(ctx, st, e)
		if err != nil {
			return nil, err
		}
		if e == 0 {
			out.Base = ref
		} else {
			out.Incrementals = append(out.Incrementals, ref)
		}
		out.Summaries = append(out.Summaries, sum)
	}
	var buf bytes.Buffer
	enc, err := codec.NewEncoder(codec.FormatDynamoDBJSON, &buf)
	if err != nil {
		return nil, err
	}
	end := h.tos[len(h.tos)-1].UnixMicro()
	for i := range h.start {
		if v := h.versionBefore(i, end); v >= 0 {
			if err := enc.Encode(&codec.Record{Item: h.item(i, v, 0)}); err != nil {
				return nil, err
			}
			out.Items++
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out.TruthKey = TruthName
	if h.opt.Prefix != "" {
		out.TruthKey = h.opt.Prefix + "/" + TruthName
	}
	if err := putObject(ctx, st, out.TruthKey, buf.Bytes()); err != nil {
		return nil, err
	}
	return out, nil
}

func putObject(ctx context.Context, st store.Store, key string, data []byte) error {
	w, err := st.Create(ctx, key)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

func newHistory(opt HistoryOptions) (*history, error) {
	if opt.Kind != Full || opt.View != "" || opt.Options.Window != 0 {
		return nil, errors.New("gen: a history's Options describe its full export: Kind, View and Window must be zero")
	}
	if opt.Exports < 1 {
		return nil, fmt.Errorf("gen: Exports is %d, want at least 1", opt.Exports)
	}
	if opt.Changes < 0 {
		return nil, fmt.Errorf("gen: Changes is %d, want 0 or more", opt.Changes)
	}
	if opt.Changes == 0 {
		opt.Changes = max(opt.Items/4, 1)
	}
	if opt.Window == 0 {
		opt.Window = DefaultWindow
	}
	opt.Window = opt.Window.Truncate(time.Second)
	if opt.Window < MinWindow || opt.Window*5/4 > MaxWindow {
		return nil, fmt.Errorf("gen: Window %v out of range [%v, %v]", opt.Window, MinWindow, MaxWindow*4/5)
	}
	if opt.Views == nil {
		opt.Views = []string{manifest.ViewNewAndOldImages, manifest.ViewNewImage}
	}
	for _, v := range opt.Views {
		if v != manifest.ViewNewAndOldImages && v != manifest.ViewNewImage {
			return nil, fmt.Errorf("gen: unknown view %q", v)
		}
	}
	src, err := NewSource(opt.Options)
	if err != nil {
		return nil, err
	}
	opt.Options = src.opt
	if opt.Formats == nil {
		opt.Formats = []codec.Format{opt.Format}
	}
	for _, f := range opt.Formats {
		if _, err := codec.NewEncoder(f, io.Discard); err != nil {
			return nil, fmt.Errorf("gen: format %v: %w", f, err)
		}
	}
	t0 := opt.ExportTime
	if t0.IsZero() {
		t0 = src.Summary().ExportTime
	}
	t0 = t0.UTC().Truncate(time.Minute)
	opt.ExportTime = t0
	if src, err = NewSource(opt.Options); err != nil {
		return nil, err
	}
	h := &history{src: src, opt: opt, t0: t0}
	prevTo := t0
	for k := range opt.Exports {
		from := prevTo
		switch {
		case k == 0:
			from = t0.Add(-5 * time.Minute)
		case k%3 == 2:
			from = prevTo.Add(-opt.Window / 4)
		}
		to := prevTo.Add(opt.Window)
		h.froms, h.tos = append(h.froms, from), append(h.tos, to)
		prevTo = to
	}
	h.simulate()
	return h, nil
}

// simulate draws the events: a few just before the base's exportTime
// (inside the first window), then Changes keys per window.
func (h *history) simulate() {
	n := h.opt.Items
	h.start = make([]int32, n)
	h.events = make([][]event, n)
	r := rand.New(h.src.chacha(streamHistory))
	cur := make([]int32, n) // the latest version drawn, -1 when deleted
	next := make([]int32, n)
	for i := range next {
		next[i] = 1
	}
	newKey := func() int {
		h.start = append(h.start, -1)
		h.events = append(h.events, nil)
		cur = append(cur, -1)
		next = append(next, 1)
		return len(h.start) - 1
	}
	segment := func(lo, hi time.Time, changes int) {
		span := hi.UnixMicro() - lo.UnixMicro()
		for range changes {
			var i int
			switch u := r.IntN(10); {
			case u < 3 || len(cur) == 0:
				i = newKey()
			default:
				i = r.IntN(len(cur))
			}
			// 1 to 3 writes, at distinct times in order.
			nw := 1
			if r.IntN(4) == 0 {
				nw = 2 + r.IntN(2)
			}
			ts := make([]int64, nw)
			for j := range ts {
				ts[j] = lo.UnixMicro() + r.Int64N(span)
			}
			slices.Sort(ts)
			last := int64(-1)
			if e := h.events[i]; len(e) > 0 {
				last = e[len(e)-1].t
			}
			for _, t := range ts {
				if t <= last {
					continue // keep one write per microsecond and key, in order
				}
				last = t
				var ver int32
				switch {
				case cur[i] < 0: // insert, or insert again
					ver = next[i]
					next[i]++
				case r.IntN(3) == 0: // delete
					ver = -1
				default: // update
					ver = next[i]
					next[i]++
				}
				cur[i] = ver
				h.events[i] = append(h.events[i], event{t: t, ver: ver})
			}
		}
	}
	segment(h.t0.Add(-5*time.Minute), h.t0, max(h.opt.Changes/10, 1))
	prev := h.t0
	for k := range h.opt.Exports {
		segment(prev, h.tos[k], h.opt.Changes)
		prev = h.tos[k]
	}
}

// versionBefore returns key i's version just before time t (micros), or
// -1 when it does not exist then.
func (h *history) versionBefore(i int, t int64) int32 {
	v := h.start[i]
	for _, e := range h.events[i] {
		if e.t >= t {
			break
		}
		v = e.ver
	}
	return v
}

// item returns version v of key i, its number keys written in notation
// variant nv.
func (h *history) item(i int, v int32, nv int) codec.Item {
	var it codec.Item
	if v == 0 {
		it = h.src.Item(i)
	} else {
		r := h.src.rng(streamHistory+uint64(v), i)
		it = h.src.build(r, h.src.Key(i), h.src.targetSize(r))
	}
	return h.notation(it, len(h.src.Key(i)), nv+i)
}

func (h *history) keys(i, nv int) codec.Item {
	k := h.src.Key(i)
	return h.notation(k, len(k), nv+i)
}

// notation rewrites the first nkeys attributes' numbers in variant v%3:
// as generated, with a trailing zero (10 → 10.0), or with an exponent
// (10 → 100E-1).
func (h *history) notation(it codec.Item, nkeys, v int) codec.Item {
	if v%3 == 0 {
		return it
	}
	for k := range nkeys {
		if it[k].Type != codec.TypeN {
			continue
		}
		it[k].Str = renumber(it[k].Str, v%3)
	}
	return it
}

func renumber(s string, variant int) string {
	if strings.ContainsAny(s, "eE") {
		return s
	}
	if variant == 1 {
		if strings.Contains(s, ".") {
			return s + "0"
		}
		return s + ".0"
	}
	// mantissa without the point, one more zero, exponent accordingly.
	intPart, frac, _ := strings.Cut(s, ".")
	return intPart + frac + "0E-" + strconv.Itoa(len(frac)+1)
}

// write writes export e: the base (0) or incremental export e.
func (h *history) write(ctx context.Context, st store.Store, e int) (manifest.Ref, *manifest.Summary, error) {
	o := h.opt
	format := o.Formats[e%len(o.Formats)]
	bo := o.Options
	bo.Format = format
	var view string
	if e > 0 {
		view = o.Views[(e-1)%len(o.Views)]
		bo.Kind = Incremental
		bo.View = view
		bo.ExportTime = h.tos[e-1]
		bo.Window = h.tos[e-1].Sub(h.froms[e-1])
		bo.Seed = o.Seed + int64(e)*7919
	}
	src, err := NewSource(bo)
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	sum := src.Summary()
	sum.TableID = h.src.Summary().TableID
	var records []int // keys with a record, in key order
	var from, to int64
	if e == 0 {
		to = h.t0.UnixMicro()
		for i := range h.start {
			if h.versionBefore(i, to) >= 0 {
				records = append(records, i)
			}
		}
	} else {
		from, to = h.froms[e-1].UnixMicro(), h.tos[e-1].UnixMicro()
		for i := range h.start {
			for _, ev := range h.events[i] {
				if ev.t >= from && ev.t < to {
					records = append(records, i)
					break
				}
			}
		}
	}
	var billed int64
	w, err := export.New(ctx, st, export.Options{
		Summary: sum,
		Format:  format,
		Files:   o.Files,
		NewEncoder: func(w io.Writer) codec.Encoder {
			enc, _ := codec.NewEncoder(format, w)
			return enc
		},
		Rand: src.names(),
		BilledSizeBytes: func(export.Stats) int64 {
			if e > 0 {
				return max(billed, incrementalMinBilled)
			}
			return billed
		},
		Overwrite: o.Overwrite,
	})
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	byPart := make([][]int, o.Files)
	for _, i := range records {
		p := h.src.Partition(i)
		byPart[p] = append(byPart[p], i)
	}
	for p, keys := range byPart {
		if len(keys) == 0 {
			continue
		}
		part, err := w.Partition(ctx, p)
		if err != nil {
			w.Abort()
			return manifest.Ref{}, nil, err
		}
		for _, i := range keys {
			rec := h.record(i, e, view, from, to)
			billed += int64(ItemSize(rec.Item) + ItemSize(rec.NewImage) + ItemSize(rec.OldImage))
			if err := part.Write(rec); err != nil {
				w.Abort()
				return manifest.Ref{}, nil, err
			}
		}
		if err := part.Close(); err != nil {
			w.Abort()
			return manifest.Ref{}, nil, err
		}
	}
	s, _, err := w.Close(ctx)
	if err != nil {
		return manifest.Ref{}, nil, err
	}
	ref := w.Ref()
	ref.HasSummary, ref.HasStarted = true, true
	return ref, s, nil
}

// record returns key i's record in export e (window [from, to) for an
// incremental one).
func (h *history) record(i, e int, view string, from, to int64) *codec.Record {
	if e == 0 {
		return &codec.Record{Item: h.item(i, h.versionBefore(i, to), e)}
	}
	old, cur := h.versionBefore(i, from), h.versionBefore(i, to)
	var last int64
	for _, ev := range h.events[i] {
		if ev.t >= from && ev.t < to {
			last = ev.t
		}
	}
	rec := &codec.Record{WriteTimestampMicros: last, Keys: h.keys(i, e)}
	if cur >= 0 {
		rec.NewImage = h.item(i, cur, e)
	}
	if view == manifest.ViewNewAndOldImages {
		if old < 0 && cur < 0 {
			// Inserted and deleted in the window. Leaving the key out
			// would lose the delete when an earlier, overlapping window
			// saw the insert: the record is a delete whose OldImage is the
			// last version before it, as a stream's REMOVE record has.
			for _, ev := range h.events[i] {
				if ev.t >= from && ev.t < to && ev.ver >= 0 {
					old = ev.ver
				}
			}
		}
		if old >= 0 {
			rec.OldImage = h.item(i, old, e)
		}
	}
	return rec
}
