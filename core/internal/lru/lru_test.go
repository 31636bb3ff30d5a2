package lru

import (
	"slices"
	"strings"
	"testing"
)

// TestLRUBounds: the entry bound and the byte bound each evict the least recently used
// entries, an update that grows an entry counts its new size, and an entry larger than
// the byte bound is not kept.
func TestLRUBounds(t *testing.T) {
	c := NewSized(4, 100, func(_ int, v string) int { return len(v) })
	set := func(k int, v string) { c.Update(k, func(string, bool) string { return v }) }
	keys := func() []int {
		var ks []int
		for el := c.order.Front(); el != nil; el = el.Next() {
			ks = append(ks, el.Value.(*entry[int, string]).key)
		}
		return ks
	}
	check := func(step string, wantKeys []int, wantBytes int) {
		t.Helper()
		n, b := c.Held()
		if got := keys(); !slices.Equal(got, wantKeys) || n != len(wantKeys) || b != wantBytes {
			t.Errorf("%s: keys %v (%d), %d bytes; want %v, %d bytes", step, got, n, b, wantKeys, wantBytes)
		}
	}
	for k := 1; k <= 5; k++ {
		set(k, strings.Repeat("x", 10))
	}
	check("count bound", []int{5, 4, 3, 2}, 40)
	c.Get(2) // 2 becomes the most recently used
	set(6, strings.Repeat("x", 75))
	check("byte bound", []int{6, 2, 5}, 95) // 3 went for the count, 4 for the bytes
	set(5, strings.Repeat("x", 20))         // growing an entry counts its new size
	check("growth", []int{5, 6}, 95)
	set(7, strings.Repeat("x", 101))
	check("too large", []int{5, 6}, 95)
	set(5, strings.Repeat("x", 101)) // a known entry growing too large goes
	check("known too large", []int{6}, 75)

	unsized := New[int, string](2)
	unsized.Update(1, func(string, bool) string { return strings.Repeat("x", 1<<20) })
	if n, b := unsized.Held(); n != 1 || b != 0 {
		t.Errorf("without a byte bound: %d entries, %d bytes", n, b)
	}
	var off *Cache[int, string] = NewSized(0, 100, func(int, string) int { return 1 })
	off.Update(1, func(string, bool) string { return "x" })
	if n, _ := off.Held(); n != 0 {
		t.Error("a disabled cache holds entries")
	}
}
