package core

import (
	"container/list"
	"sync"
)

// staleCache keeps each visitor's last good recommendations, bounded by a least-recently-
// used policy, so a page can show them (marked stale) while Personyze is failing.
// It is keyed by user_id and holds only what that visitor was already shown.
type staleCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *staleEntry
	byID  map[uint32]*list.Element
}

type staleEntry struct {
	userID  uint32
	actions []*Action
}

// newStaleCache returns a cache of at most max visitors; max <= 0 disables it (nil cache).
func newStaleCache(max int) *staleCache {
	if max <= 0 {
		return nil
	}
	return &staleCache{max: max, order: list.New(), byID: make(map[uint32]*list.Element)}
}

// put remembers actions as the visitor's last good recommendations.
func (c *staleCache) put(userID uint32, actions []*Action) {
	if c == nil || len(actions) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[userID]; ok {
		el.Value.(*staleEntry).actions = actions
		c.order.MoveToFront(el)
		return
	}
	c.byID[userID] = c.order.PushFront(&staleEntry{userID: userID, actions: actions})
	for c.order.Len() > c.max {
		last := c.order.Back()
		delete(c.byID, last.Value.(*staleEntry).userID)
		c.order.Remove(last)
	}
}

// get returns the visitor's last good recommendations, or nil.
func (c *staleCache) get(userID uint32) []*Action {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[userID]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*staleEntry).actions
}

// len returns the number of visitors held.
func (c *staleCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
