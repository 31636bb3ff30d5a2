package core

// latestSessions remembers, per visitor (user_id), the newest session id Personyze answered
// in this process, whichever call brought it: a page's call, a call that outlived its page's
// budget, or a background delivery. Calls answered after their page was sent (an overloaded
// machine, a slow Personyze) otherwise leave the visitor's cookie behind: the next page would
// send a session id Personyze already replaced, and a queued request would resurrect it.
// Begin and background delivery read it to carry the newest id instead. Newer means a later
// session start (the leading Unix time of the id); for the same start the last answer wins.
// Bounded by a least-recently-used policy; per process, so with several instances it only
// narrows the window.
type latestSessions struct{ c *lru[uint32, string] }

// newLatestSessions returns a registry of at most max visitors; max <= 0 disables it.
func newLatestSessions(max int) *latestSessions {
	return &latestSessions{newLRU[uint32, string](max)}
}

// observe records id as the visitor's session if it is not older than the one known.
func (l *latestSessions) observe(userID uint32, id string) {
	if id == "" {
		return
	}
	l.c.update(userID, func(old string, found bool) string {
		if found && sessionStart(id) < sessionStart(old) {
			return old // a late answer from an earlier session
		}
		return id
	})
}

// newer returns the visitor's known session id when it is newer than have (a later start,
// or the same start and a different id), else "".
func (l *latestSessions) newer(userID uint32, have string) string {
	id, ok := l.c.get(userID)
	if !ok || id == have || sessionStart(id) < sessionStart(have) {
		return ""
	}
	return id
}
