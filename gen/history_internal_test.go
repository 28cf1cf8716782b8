package gen

import "testing"

// TestHistoryEvents checks that a history has the cases a merge must get
// right: keys written several times in one window, keys inserted and
// deleted in one window, deleted keys inserted again.
func TestHistoryEvents(t *testing.T) {
	h, err := newHistory(HistoryOptions{Options: Options{Items: 400, Seed: 11}, Exports: 3})
	if err != nil {
		t.Fatal(err)
	}
	var several, insertDelete, reinserted int
	for k := range h.froms {
		from, to := h.froms[k].UnixMicro(), h.tos[k].UnixMicro()
		for i := range h.start {
			n := 0
			for _, ev := range h.events[i] {
				if ev.t >= from && ev.t < to {
					n++
				}
			}
			if n >= 2 {
				several++
			}
			if n > 0 && h.versionBefore(i, from) < 0 && h.versionBefore(i, to) < 0 {
				insertDelete++
			}
		}
	}
	for i := range h.start {
		dead := h.start[i] < 0
		for _, ev := range h.events[i] {
			if dead && ev.ver >= 0 && i < 400 {
				reinserted++
			}
			dead = ev.ver < 0
		}
	}
	if several < 10 || insertDelete < 1 || reinserted < 1 {
		t.Errorf("several writes in a window: %d keys; inserted and deleted: %d; reinserted: %d", several, insertDelete, reinserted)
	}
}
