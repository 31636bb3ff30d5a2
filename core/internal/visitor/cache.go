package visitor

import (
	"hash/maphash"
	"strings"
	"sync"
)

// uaCacheMaxKey is the longest User-Agent that is cached. Real browsers
// send 100–300 bytes; longer values are rare or hostile, and caching them
// would let one client pin a lot of memory per entry.
const uaCacheMaxKey = 512

// uaCacheShardMin is the smallest cache that is split into shards; smaller
// caches use one shard so that the bound stays exact and meaningful.
const uaCacheShardMin = 256

// uaCacheMaxSize caps the cache size so node links fit in int32.
const uaCacheMaxSize = 1 << 24

// uaCacheShards is the number of shards of a large cache. Sharding keeps
// lock contention low when many requests hit the cache at once.
const uaCacheShards = 16

// uaCache is a bounded, concurrency-safe LRU cache from User-Agent string to
// the facts derived from it. It is split into shards, each an independent
// LRU with its own lock; the sum of shard capacities never exceeds the
// requested size.
type uaCache struct {
	seed   maphash.Seed
	shards []uaCacheShard
}

// uaCacheShard is one LRU. Entries live in a slice and are linked by index,
// so a hit costs no allocation and eviction reuses the evicted slot.
type uaCacheShard struct {
	mu    sync.Mutex
	index map[string]int32
	nodes []uaCacheNode
	cap   int
	head  int32 // most recently used, -1 when empty
	tail  int32 // least recently used, -1 when empty
}

// uaCacheNode is one cached User-Agent and its doubly linked list links.
type uaCacheNode struct {
	key        string
	val        uaFacts
	prev, next int32
}

// newUACache returns a cache holding at most size entries, or nil (no
// caching) when size <= 0.
func newUACache(size int) *uaCache {
	if size <= 0 {
		return nil
	}
	if size > uaCacheMaxSize {
		size = uaCacheMaxSize // int32 links; no sane deployment needs more
	}
	n := 1
	if size >= uaCacheShardMin {
		n = uaCacheShards
	}
	c := &uaCache{seed: maphash.MakeSeed(), shards: make([]uaCacheShard, n)}
	for i := range c.shards {
		per := size / n
		if i < size%n {
			per++ // spread the remainder so the total is exactly size
		}
		c.shards[i] = uaCacheShard{index: make(map[string]int32), cap: per, head: -1, tail: -1}
	}
	return c
}

// shard picks the shard of key.
func (c *uaCache) shard(key string) *uaCacheShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, key)%uint64(len(c.shards))]
}

// get returns the cached facts for key and marks them recently used.
func (c *uaCache) get(key string) (uaFacts, bool) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[key]
	if !ok {
		return uaFacts{}, false
	}
	s.moveToFront(i)
	return s.nodes[i].val, true
}

// put stores val under key, evicting the least recently used entry when
// the shard is full. Keys longer than uaCacheMaxKey are ignored.
func (c *uaCache) put(key string, val uaFacts) {
	if len(key) > uaCacheMaxKey {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[key]; ok {
		// Two requests missed at once; keep one copy.
		s.nodes[i].val = val
		s.moveToFront(i)
		return
	}
	// Clone so the cache never pins a larger buffer the key was cut from.
	key = strings.Clone(key)
	var i int32
	if len(s.nodes) < s.cap {
		i = int32(len(s.nodes))
		s.nodes = append(s.nodes, uaCacheNode{key: key, val: val, prev: -1, next: -1})
	} else {
		i = s.tail
		s.unlink(i)
		delete(s.index, s.nodes[i].key)
		s.nodes[i] = uaCacheNode{key: key, val: val, prev: -1, next: -1}
	}
	s.index[key] = i
	s.pushFront(i)
}

// capacity returns the total number of entries the cache may hold.
func (c *uaCache) capacity() int {
	n := 0
	for i := range c.shards {
		n += c.shards[i].cap
	}
	return n
}

// len returns the number of cached entries (for tests and stats).
func (c *uaCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

// moveToFront marks node i most recently used. Caller holds s.mu.
func (s *uaCacheShard) moveToFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}

// unlink removes node i from the list. Caller holds s.mu.
func (s *uaCacheShard) unlink(i int32) {
	n := &s.nodes[i]
	if n.prev >= 0 {
		s.nodes[n.prev].next = n.next
	} else {
		s.head = n.next
	}
	if n.next >= 0 {
		s.nodes[n.next].prev = n.prev
	} else {
		s.tail = n.prev
	}
	n.prev, n.next = -1, -1
}

// pushFront links node i as the most recently used. Caller holds s.mu.
func (s *uaCacheShard) pushFront(i int32) {
	n := &s.nodes[i]
	n.prev = -1
	n.next = s.head
	if s.head >= 0 {
		s.nodes[s.head].prev = i
	}
	s.head = i
	if s.tail < 0 {
		s.tail = i
	}
}
