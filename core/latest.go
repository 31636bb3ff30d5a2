package core

import (
	"strings"

	"github.com/gopersonyze/personyze/core/internal/lru"
	"github.com/gopersonyze/personyze/core/internal/session"
)

// latestSessions remembers, per visitor (user_id), the newest session id Personyze answered
// in this process, whichever call brought it: a page's call, a call that outlived its page's
// budget, or a background delivery. Calls answered after their page was sent (an overloaded
// machine, a slow Personyze) otherwise leave the visitor's cookie behind: the next page would
// send a session id Personyze already replaced, and a queued request would resurrect it.
// Begin and background delivery read it to carry the newest id instead. Newer means a later
// session start (the leading Unix time of the id); for the same start the last answer wins.
// Bounded by a least-recently-used policy, in visitors and in bytes (latestSessionsBytes:
// a session id is whatever Personyze sends); per process, so with several instances it
// only narrows the window.
type latestSessions struct{ c *lru.Cache[uint32, string] }

// latestSessionsBytes bounds the bytes the registry holds: with ids of 27 characters, the
// visitor bound (latestSessionsSize) is reached first.
const latestSessionsBytes = 4 << 20

// latestEntryOverhead estimates the bytes of an entry besides its id: the entry, its list
// element and map slot.
const latestEntryOverhead = 96

// newLatestSessions returns a registry of at most max visitors; max <= 0 disables it.
func newLatestSessions(max int) *latestSessions {
	return &latestSessions{lru.NewSized(max, latestSessionsBytes, func(_ uint32, id string) int {
		return len(id) + latestEntryOverhead
	})}
}

// observe records id as the visitor's session if it is not older than the one known, and
// returns id as a string of its own (see ownSessionID): the one kept when it is the same.
func (l *latestSessions) observe(userID uint32, id string) string {
	if id == "" {
		return ""
	}
	own := ""
	l.c.Update(userID, func(old string, found bool) string {
		if found && id == old {
			own = old
			return old
		}
		if found && session.Start(id) < session.Start(old) {
			return old // a late answer from an earlier session
		}
		own = ownSessionID(id)
		return own
	})
	if own == "" { // a disabled registry, or a late answer
		own = ownSessionID(id)
	}
	return own
}

// newer returns the visitor's known session id when it is newer than have (a later start,
// or the same start and a different id), else "".
func (l *latestSessions) newer(userID uint32, have string) string {
	id, ok := l.c.Get(userID)
	if !ok || id == have || session.Start(id) < session.Start(have) {
		return ""
	}
	return id
}

// ownSessionID returns a copy of a session id from an answer, for keeping beyond the page:
// the decoded id shares the text of the whole answer (see wire.Decode), which a few bytes
// kept would otherwise hold in memory, up to Config.MaxResponseBytes per visitor.
func ownSessionID(id string) string { return strings.Clone(id) }
