// Package lru is a small least-recently-used map, safe for concurrent use, bounded in
// entries and, when its entries vary in size, in bytes. core keeps its per-visitor caches in
// it (stale recommendations, newest session ids) and so does the session package (verified
// cookies); it has a package of its own because both use it and neither owns it.
package lru

import (
	"container/list"
	"sync"
)

// Cache is a least-recently-used map for the per-visitor caches (stale recommendations,
// newest session ids, verified cookies). It is bounded in entries and, when its entries
// vary in size, in bytes as well: a count alone lets a few large entries (an answer of a
// megabyte, a long cookie) hold far more memory than the count suggests. A nil *Cache
// holds nothing.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	max      int
	maxBytes int            // 0: no byte bound
	size     func(K, V) int // the bytes an entry holds; nil when maxBytes is 0
	bytes    int            // the sum of size over the entries held
	order    *list.List     // front = most recently used; values are *entry
	byKey    map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int
}

// New returns a cache of at most max entries; max <= 0 disables it (nil).
func New[K comparable, V any](max int) *Cache[K, V] {
	return NewSized[K, V](max, 0, nil)
}

// NewSized returns a cache of at most max entries holding at most maxBytes bytes, an
// entry counting size(key, value) bytes; max <= 0 disables it (nil), maxBytes <= 0 or a nil
// size leaves the bytes unbounded. An entry larger than maxBytes on its own is not kept.
func NewSized[K comparable, V any](max, maxBytes int, size func(K, V) int) *Cache[K, V] {
	if max <= 0 {
		return nil
	}
	if maxBytes <= 0 || size == nil {
		maxBytes, size = 0, nil
	}
	return &Cache[K, V]{max: max, maxBytes: maxBytes, size: size, order: list.New(), byKey: make(map[K]*list.Element)}
}

// Update sets the value of key to set(old, found) and marks it most recently used, then
// evicts the least recently used entries until both bounds hold.
func (c *Cache[K, V]) Update(key K, set func(old V, found bool) V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	var e *entry[K, V]
	if ok {
		e = el.Value.(*entry[K, V])
		e.val = set(e.val, true)
		c.order.MoveToFront(el)
	} else {
		var zero V
		e = &entry[K, V]{key: key, val: set(zero, false)}
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
func (c *Cache[K, V]) remove(el *list.Element) {
	e := el.Value.(*entry[K, V])
	delete(c.byKey, e.key)
	c.order.Remove(el)
	c.bytes -= e.size
}

// Get returns the value of key and marks it most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
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
	return el.Value.(*entry[K, V]).val, true
}

// Len returns the number of entries held.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Held returns the number of entries and the bytes they hold (0 without a byte bound).
func (c *Cache[K, V]) Held() (entries, bytes int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
