package dupcheck

import (
	"strconv"
	"testing"

	"github.com/ddbexport/ddbexport/codec"
)

func TestChecker(t *testing.T) {
	var c Checker
	for _, n := range []int{2, 8, 9, 100, 5000} { // pairwise and hashed
		names := make([]codec.Value, n)
		nums := make([]codec.Value, n)
		for i := range n {
			names[i] = codec.S("x").Named("a" + strconv.Itoa(i))
			nums[i] = codec.N(strconv.Itoa(i) + ".5")
		}
		if k := c.Names(names); k != -1 {
			t.Errorf("n=%d: distinct names: %d", n, k)
		}
		if k := c.Numbers(nums); k != -1 {
			t.Errorf("n=%d: distinct numbers: %d", n, k)
		}
		names[n-1].Name = names[0].Name
		if k := c.Names(names); k != n-1 {
			t.Errorf("n=%d: repeated name found at %d", n, k)
		}
		nums[n-1].Str = "0.50" // 0.5 again, by value
		if k := c.Numbers(nums); k != n-1 {
			t.Errorf("n=%d: repeated number found at %d", n, k)
		}
		ints := []codec.Value{codec.N("1"), codec.N("-1"), codec.N("10"), codec.N("1")}
		if k := c.Numbers(ints); k != 3 {
			t.Errorf("integers: %d", k)
		}
		if k := c.Strings([]codec.Value{codec.S("a"), codec.S("b"), codec.S("a")}); k != 2 {
			t.Errorf("strings: %d", k)
		}
	}
}
