package storetest_test

import (
	"slices"
	"testing"

	"github.com/ddbexport/ddbexport/store"
	"github.com/ddbexport/ddbexport/store/storetest"
)

func TestMem_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return storetest.NewMem() })
}

// Unlike a directory, Mem holds "a/b" and "a/b/c" at once, as S3 can.
func TestMem_flatKeys(t *testing.T) {
	m := storetest.NewMem()
	for _, k := range []string{"a/b/c", "a/b", "a.txt"} {
		storetest.Put(t, m, k, []byte(k))
	}
	if got, want := storetest.Keys(t, m, "a"), []string{"a.txt", "a/b", "a/b/c"}; !slices.Equal(got, want) {
		t.Errorf("List(a) = %q; want %q", got, want)
	}
	if got := storetest.Get(t, m, "a/b"); string(got) != "a/b" {
		t.Errorf("a/b = %q", got)
	}
}
