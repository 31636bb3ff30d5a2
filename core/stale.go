package core

// staleCache keeps each visitor's last good result (by user_id), bounded by a
// least-recently-used policy: a page shows it (marked stale) while Personyze is failing, and
// an event-only call merges its answer into it. It holds only what that visitor was already
// shown.
type staleCache struct{ c *lru[uint32, *result] }

// newStaleCache returns a cache of at most max visitors; max <= 0 disables it.
func newStaleCache(max int) *staleCache { return &staleCache{newLRU[uint32, *result](max)} }

// put remembers res as the visitor's last good result.
func (s *staleCache) put(userID uint32, res result) {
	s.c.update(userID, func(*result, bool) *result { return &res })
}

// get returns the visitor's last good result, or nil.
func (s *staleCache) get(userID uint32) *result {
	r, _ := s.c.get(userID)
	return r
}

// len returns the number of visitors held.
func (s *staleCache) len() int { return s.c.len() }
