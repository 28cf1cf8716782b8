package pipeline

import (
	"slices"
	"testing"

	"github.com/ddbexport/ddbexport/manifest"
)

// TestDispatchOrder: with several workers, the files with the most items
// start first (ties and unknown counts keep the manifest's order); with
// one worker, or records streamed out in file order, the manifest's order.
func TestDispatchOrder(t *testing.T) {
	var tasks []Task
	for _, n := range []int64{5, 50, 10, -1, 50, 0} {
		tasks = append(tasks, Task{File: manifest.File{ItemCount: n}})
	}
	for _, c := range []struct {
		workers int
		ordered bool
		want    []int
	}{
		{2, false, []int{1, 4, 2, 0, 5, 3}},
		{8, false, []int{1, 4, 2, 0, 5, 3}},
		{1, false, []int{0, 1, 2, 3, 4, 5}},
		{4, true, []int{0, 1, 2, 3, 4, 5}},
	} {
		if got := dispatchOrder(tasks, c.workers, c.ordered); !slices.Equal(got, c.want) {
			t.Errorf("dispatchOrder(%d workers, ordered %v) = %v, want %v", c.workers, c.ordered, got, c.want)
		}
	}
}
