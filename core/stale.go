package core

import (
	"strings"

	"github.com/gopersonyze/personyze/core/internal/lru"
)

// staleCacheBytes bounds the bytes the last good results hold in all (see staleCache.size),
// whatever Config.StaleCacheSize allows: with the simulator's answers (about 3 KB kept per
// visitor) the 10,000 visitors of the default fit in it, while answers of a megabyte would
// otherwise let 10,000 visitors hold 10 GB.
const staleCacheBytes = 32 << 20

// staleCache keeps each visitor's last good result (by user_id), bounded by a
// least-recently-used policy in visitors (Config.StaleCacheSize) and in bytes
// (staleCacheBytes): a page shows it (marked stale) while Personyze is failing, and an
// event-only call merges its answer into it. It holds only what that visitor was already
// shown.
type staleCache struct{ c *lru.Cache[uint32, *result] }

// newStaleCache returns a cache of at most max visitors; max <= 0 disables it.
func newStaleCache(max int) *staleCache {
	return &staleCache{lru.NewSized(max, staleCacheBytes, func(_ uint32, r *result) int { return r.size() })}
}

// put remembers res as the visitor's last good result; bodyLen is the length of the answer
// it came from. The actions' data share the answer's text (see wire.Decode): when they are
// a small part of it, put keeps copies, so that a few bytes kept do not hold a whole answer.
func (s *staleCache) put(userID uint32, res result, bodyLen int) {
	if s.c == nil {
		return
	}
	if bodyLen > 2*res.dataBytes()+staleCopyMin {
		res = res.compacted()
	}
	s.c.Update(userID, func(*result, bool) *result { return &res })
}

// staleCopyMin is the answer size below which a result keeps sharing it: copying would cost
// more than the few kilobytes it could free.
const staleCopyMin = 4 << 10

// get returns the visitor's last good result, or nil.
func (s *staleCache) get(userID uint32) *result {
	r, _ := s.c.Get(userID)
	return r
}

// len returns the number of visitors held.
func (s *staleCache) len() int { return s.c.Len() }

// Estimated bytes of a result's parts besides their text, for staleCache's byte bound.
const (
	resultOverhead   = 128 // the entry, its list element and map slot
	actionOverhead   = 256 // an Action and its data map
	dataPairOverhead = 48  // a data map slot
	campaignBytes    = 48
)

// size estimates the bytes a kept result holds: its data text twice (the items parsed or
// the HTML rendered from it stay with the action) and the structures around it.
func (r *result) size() int {
	n := resultOverhead + 2*r.dataBytes() + len(r.actions)*actionOverhead + len(r.campaigns)*campaignBytes
	for _, a := range r.actions {
		n += len(a.Data) * dataPairOverhead
	}
	return n
}

// dataBytes is the length of the keys and values of the actions' data.
func (r *result) dataBytes() int {
	n := 0
	for _, a := range r.actions {
		for k, v := range a.Data {
			n += len(k) + len(v)
		}
	}
	return n
}

// compacted returns r with actions whose data are copies, sharing no answer's text. The
// copies parse their items and render their HTML again when shown.
func (r result) compacted() result {
	out := result{actions: make([]*Action, len(r.actions)), campaigns: r.campaigns}
	for i, a := range r.actions {
		data := make(map[string]string, len(a.Data))
		for k, v := range a.Data {
			data[strings.Clone(k)] = strings.Clone(v)
		}
		out.actions[i] = &Action{ID: a.ID, Data: data, meta: a.meta, places: a.places}
	}
	return out
}
