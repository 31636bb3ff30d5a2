package core

import "testing"

func TestStaleCacheIsBoundedLRU(t *testing.T) {
	c := newStaleCache(2)
	a := func(id int64) result { return result{actions: []*Action{{ID: id}}} }
	c.put(1, a(1))
	c.put(2, a(2))
	if c.get(1).actions[0].ID != 1 { // 1 becomes most recent
		t.Fatal("lost visitor 1")
	}
	c.put(3, a(3)) // evicts 2
	if c.get(2) != nil || c.get(1) == nil || c.get(3) == nil || c.len() != 2 {
		t.Fatalf("LRU eviction wrong: len %d", c.len())
	}
	c.put(3, a(33))
	if c.get(3).actions[0].ID != 33 {
		t.Fatal("update not kept")
	}
	if c.get(4) != nil {
		t.Fatal("unknown visitor has a result")
	}
	var off *staleCache = newStaleCache(-1)
	off.put(1, a(1))
	if off.get(1) != nil || off.len() != 0 {
		t.Fatal("disabled cache holds data")
	}
}
