package core

import (
	"container/list"
	"sync"
)

// lru is a small least-recently-used map, safe for concurrent use, for the per-visitor
// caches (stale recommendations, newest session ids, verified cookies). It is bounded in
// entries and, when its entries vary in size, in bytes as well: a count alone lets a few
// large entries (an answer of a megabyte, a long cookie) hold far more memory than the
// count suggests. A nil *lru holds nothing.
type lru[K comparable, V any] struct {
	mu       sync.Mutex
	max      int
	maxBytes int            // 0: no byte bound
	size     func(K, V) int // the bytes an entry holds; nil when maxBytes is 0
	bytes    int            // the sum of size over the entries held
	order    *list.List     // front = most recently used; values are *lruEntry
	byKey    map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key  K
	val  V
	size int
}

// newLRU returns a cache of at most max entries; max <= 0 disables it (nil).
func newLRU[K comparable, V any](max int) *lru[K, V] {
	return newSizedLRU[K, V](max, 0, nil)
}

// newSizedLRU returns a cache of at most max entries holding at most maxBytes bytes, an
// entry counting size(key, value) bytes; max <= 0 disables it (nil), maxBytes <= 0 or a nil
// size leaves the bytes unbounded. An entry larger than maxBytes on its own is not kept.
func newSizedLRU[K comparable, V any](max, maxBytes int, size func(K, V) int) *lru[K, V] {
	if max <= 0 {
		return nil
	}
	if maxBytes <= 0 || size == nil {
		maxBytes, size = 0, nil
	}
	return &lru[K, V]{max: max, maxBytes: maxBytes, size: size, order: list.New(), byKey: make(map[K]*list.Element)}
}

// update sets the value of key to set(old, found) and marks it most recently used, then
// evicts the least recently used entries until both bounds hold.
func (c *lru[K, V]) update(key K, set func(old V, found bool) V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	var e *lruEntry[K, V]
	if ok {
		e = el.Value.(*lruEntry[K, V])
		e.val = set(e.val, true)
		c.order.MoveToFront(el)
	} else {
		var zero V
		e = &lruEntry[K, V]{key: key, val: set(zero, false)}
		el = c.order.PushFront(e)
		c.byKey[key] = el
	}
	if c.size != nil {
		n := c.size(key, e.val)
		c.bytes += n - e.size
		e.size = n
		if n > c.maxBytes {
			c.remove(el) // would push out everything else and still not fit
		}
	}
	for c.order.Len() > c.max || c.maxBytes > 0 && c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

// remove drops el. Callers hold c.mu.
func (c *lru[K, V]) remove(el *list.Element) {
	e := el.Value.(*lruEntry[K, V])
	delete(c.byKey, e.key)
	c.order.Remove(el)
	c.bytes -= e.size
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

// held returns the number of entries and the bytes they hold (0 without a byte bound).
func (c *lru[K, V]) held() (entries, bytes int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
