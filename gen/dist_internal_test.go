package gen

import "testing"

// TestSizeDistribution checks the proportions of drawn item sizes: mostly
// 100 B to 2 KB, about 5% up to 100 KB, about 1 in 2000 above 100 KB, never
// above MaxItemBytes.
func TestSizeDistribution(t *testing.T) {
	s, err := NewSource(Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200_000
	var small, medium, large int
	for i := range n {
		switch sz := s.targetSize(s.rng(streamItem, i)); {
		case sz > MaxItemBytes:
			t.Fatalf("target %d above the limit", sz)
		case sz < smallMin:
			t.Fatalf("target %d below %d", sz, smallMin)
		case sz <= smallMax:
			small++
		case sz <= largeMin:
			medium++
		default:
			large++
		}
	}
	t.Logf("small %d, medium %d, large %d of %d", small, medium, large, n)
	if small < n*90/100 {
		t.Errorf("only %d small of %d", small, n)
	}
	if medium < n*4/100 || medium > n*6/100 {
		t.Errorf("%d medium of %d, want about 5%%", medium, n)
	}
	if want := n / largeEvery; large < want/2 || large > want*2 {
		t.Errorf("%d large of %d, want about %d", large, n, want)
	}
}

// TestItemSizeDistribution generates items and checks the sizes they
// reach, with a limit below the large range.
func TestItemSizeDistribution(t *testing.T) {
	s, err := NewSource(Options{Items: 3000, Seed: 5, MaxItemBytes: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	var small, medium, biggest int
	for it := range s.Items() {
		sz := ItemSize(it)
		if sz > 50_000 {
			t.Fatalf("item of %d bytes", sz)
		}
		biggest = max(biggest, sz)
		if sz <= smallMax+64 {
			small++
		} else {
			medium++
		}
	}
	if small < 2700 || medium < 60 || biggest < 20_000 {
		t.Errorf("small %d, medium %d, biggest %d", small, medium, biggest)
	}
}
