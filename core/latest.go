package core

import (
	"container/list"
	"sync"
)

// latestSessions remembers, per visitor (user_id), the newest session id Personyze answered
// in this process, whichever call brought it: a page's call, a call that outlived its page's
// budget, or a background delivery. Calls answered after their page was sent (an overloaded
// machine, a slow Personyze) otherwise leave the visitor's cookie behind: the next page would
// send a session id Personyze already replaced, and a queued request would resurrect it.
// Begin and background delivery read it to carry the newest id instead. Newer means a later
// session start (the leading Unix time of the id); for the same start the last answer wins.
// Bounded by a least-recently-used policy; per process, so with several instances it only
// narrows the window.
type latestSessions struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *latestEntry
	byID  map[uint32]*list.Element
}

type latestEntry struct {
	userID uint32
	id     string
}

// newLatestSessions returns a registry of at most max visitors; max <= 0 disables it.
func newLatestSessions(max int) *latestSessions {
	if max <= 0 {
		return nil
	}
	return &latestSessions{max: max, order: list.New(), byID: make(map[uint32]*list.Element)}
}

// observe records id as the visitor's session if it is not older than the one known.
func (l *latestSessions) observe(userID uint32, id string) {
	if l == nil || id == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byID[userID]; ok {
		e := el.Value.(*latestEntry)
		if sessionStart(id) >= sessionStart(e.id) {
			e.id = id
		}
		l.order.MoveToFront(el)
		return
	}
	l.byID[userID] = l.order.PushFront(&latestEntry{userID: userID, id: id})
	for l.order.Len() > l.max {
		last := l.order.Back()
		delete(l.byID, last.Value.(*latestEntry).userID)
		l.order.Remove(last)
	}
}

// newer returns the visitor's known session id when it is newer than have (a later start,
// or the same start and a different id), else "".
func (l *latestSessions) newer(userID uint32, have string) string {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byID[userID]
	if !ok {
		return ""
	}
	id := el.Value.(*latestEntry).id
	if id == have || sessionStart(id) < sessionStart(have) {
		return ""
	}
	return id
}
