package core

// staleCache keeps each visitor's last good recommendations (by user_id), bounded by a
// least-recently-used policy, so a page can show them (marked stale) while Personyze is
// failing. It holds only what that visitor was already shown.
type staleCache struct{ c *lru[uint32, []*Action] }

// newStaleCache returns a cache of at most max visitors; max <= 0 disables it.
func newStaleCache(max int) *staleCache { return &staleCache{newLRU[uint32, []*Action](max)} }

// put remembers actions as the visitor's last good recommendations.
func (s *staleCache) put(userID uint32, actions []*Action) {
	if len(actions) == 0 {
		return
	}
	s.c.update(userID, func([]*Action, bool) []*Action { return actions })
}

// get returns the visitor's last good recommendations, or nil.
func (s *staleCache) get(userID uint32) []*Action {
	a, _ := s.c.get(userID)
	return a
}

// len returns the number of visitors held.
func (s *staleCache) len() int { return s.c.len() }
