package core

import (
	"container/list"
	"sync"
)

// lru is a small least-recently-used map, safe for concurrent use, for the per-visitor
// caches (stale recommendations, newest session ids). A nil *lru holds nothing.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *lruEntry
	byKey map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

// newLRU returns a cache of at most max entries; max <= 0 disables it (nil).
func newLRU[K comparable, V any](max int) *lru[K, V] {
	if max <= 0 {
		return nil
	}
	return &lru[K, V]{max: max, order: list.New(), byKey: make(map[K]*list.Element)}
}

// update sets the value of key to set(old, found) and marks it most recently used.
func (c *lru[K, V]) update(key K, set func(old V, found bool) V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*lruEntry[K, V])
		e.val = set(e.val, true)
		c.order.MoveToFront(el)
		return
	}
	var zero V
	c.byKey[key] = c.order.PushFront(&lruEntry[K, V]{key: key, val: set(zero, false)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		delete(c.byKey, last.Value.(*lruEntry[K, V]).key)
		c.order.Remove(last)
	}
}

// get returns the value of key and marks it most recently used.
func (c *lru[K, V]) get(key K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[K, V]).val, true
}

// len returns the number of entries held.
func (c *lru[K, V]) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
