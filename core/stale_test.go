package core

import (
	"strings"
	"testing"
	"unsafe"
)

func TestStaleCacheIsBoundedLRU(t *testing.T) {
	c := newStaleCache(2)
	a := func(id int64) result { return result{actions: []*Action{{ID: id}}} }
	c.put(1, a(1), 0)
	c.put(2, a(2), 0)
	if c.get(1).actions[0].ID != 1 { // 1 becomes most recent
		t.Fatal("lost visitor 1")
	}
	c.put(3, a(3), 0) // evicts 2
	if c.get(2) != nil || c.get(1) == nil || c.get(3) == nil || c.len() != 2 {
		t.Fatalf("LRU eviction wrong: len %d", c.len())
	}
	c.put(3, a(33), 0)
	if c.get(3).actions[0].ID != 33 {
		t.Fatal("update not kept")
	}
	if c.get(4) != nil {
		t.Fatal("unknown visitor has a result")
	}
	var off *staleCache = newStaleCache(-1)
	off.put(1, a(1), 0)
	if off.get(1) != nil || off.len() != 0 {
		t.Fatal("disabled cache holds data")
	}
}

// TestStaleCacheBoundsBytes: large results push out the least recently used visitors
// once staleCacheBytes is reached, whatever the visitor bound allows, and a result
// larger than the whole bound is not kept.
func TestStaleCacheBoundsBytes(t *testing.T) {
	c := newStaleCache(10000)
	big := func(id int64) result {
		return result{actions: []*Action{{ID: id, Data: map[string]string{"message": strings.Repeat("x", 1<<20)}}}}
	}
	per := big(0)
	perSize := per.size()
	fit := staleCacheBytes / perSize
	for u := range uint32(fit + 10) {
		c.put(u, big(int64(u)), 0)
		if _, b := c.c.Held(); b > staleCacheBytes {
			t.Fatalf("after %d visitors: %d bytes held, over %d", u+1, b, staleCacheBytes)
		}
	}
	n, b := c.c.Held()
	if n != fit || b != fit*perSize {
		t.Errorf("held %d visitors, %d bytes; want %d visitors of %d bytes", n, b, fit, perSize)
	}
	for u := range uint32(10) {
		if c.get(u) != nil {
			t.Errorf("visitor %d, among the least recently used, is still held", u)
		}
	}
	if r := c.get(uint32(fit + 9)); r == nil || r.actions[0].ID != int64(fit+9) {
		t.Error("the newest visitor was evicted")
	}
	huge := result{actions: []*Action{{ID: 1, Data: map[string]string{"message": strings.Repeat("x", staleCacheBytes)}}}}
	c.put(1<<30, huge, 0)
	if c.get(1<<30) != nil {
		t.Error("a result larger than the whole bound is kept")
	}
	if got, _ := c.c.Held(); got != fit {
		t.Errorf("a result too large to keep evicted others: %d visitors held, want %d", got, fit)
	}
}

// TestStaleCacheCopiesSmallParts: a result that keeps a small part of a large answer holds
// copies, not the answer's text; one that is most of its answer shares it.
func TestStaleCacheCopiesSmallParts(t *testing.T) {
	body := strings.Repeat("b", 1<<20) // the answer's text, which the data share
	small := result{actions: []*Action{{ID: 1, Data: map[string]string{"title": body[:10]}}}}
	c := newStaleCache(10)
	c.put(1, small, len(body))
	got := c.get(1)
	if v := got.actions[0].Data["title"]; v != body[:10] || shares(v, body) {
		t.Errorf("kept %q, sharing the answer: %v", v, shares(v, body))
	}
	if got.actions[0] == small.actions[0] || got.actions[0].ID != 1 {
		t.Error("the kept action is not a copy")
	}
	most := result{actions: []*Action{{ID: 2, Data: map[string]string{"data": body[:len(body)-100]}}}}
	c.put(2, most, len(body))
	if got := c.get(2); got.actions[0] != most.actions[0] {
		t.Error("a result that is most of its answer was copied")
	}
}

// shares reports whether s points into the memory of big.
func shares(s, big string) bool {
	if len(s) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(big)))
	return p >= lo && p < lo+uintptr(len(big))
}
