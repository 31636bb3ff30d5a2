package personyzetest

import (
	"container/list"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// maxItemsPerList bounds each per-visitor history list; the oldest entry goes first.
const maxItemsPerList = 1000

// VisitorState is a snapshot of what the simulator remembers about one visitor.
// Item lists are in the order the items first entered them.
type VisitorState struct {
	UserID uint32
	// Requests counts the valid requests seen from this visitor; 0 means the simulator
	// does not know (or has forgotten) the visitor.
	Requests int
	// SessionID is the visitor's current session id and SessionStart its start.
	SessionID    string
	SessionStart time.Time
	// Sessions counts the sessions the simulator started for this visitor.
	Sessions int

	Viewed    []string // products viewed
	Cart      []string // products in the cart now
	Liked     []string // products liked and not unliked
	Purchased []string // products purchased, including whole carts

	ArticlesViewed    []string // articles viewed
	ArticlesLiked     []string // articles liked and not unliked
	ArticlesCommented []string // articles commented on
	ArticleGoals      []string // articles that reached their goal

	// Profile holds "User Profile" fields; numbers and booleans are kept as their JSON text.
	Profile map[string]string
	// Documents lists the decoded Navigate document names, oldest first (at most 1000).
	Documents []string
	// Attributions counts `"action_id", N` suffixes per action id.
	Attributions map[int64]int
	// ActionStatuses lists the visitor's "Action Status" reports, oldest first (at most
	// 1000); Server.ActionStatuses returns the same list.
	ActionStatuses []ActionStatus
}

// orderedSet is an insertion-ordered set of bounded size.
type orderedSet struct {
	order []string
	index map[string]struct{}
	bytes int // estimated, see setEntryBytes
}

// add inserts id and reports whether it was new.
func (s *orderedSet) add(id string) bool {
	if s.index == nil {
		s.index = make(map[string]struct{})
	}
	if _, ok := s.index[id]; ok {
		return false
	}
	if len(s.order) >= maxItemsPerList {
		delete(s.index, s.order[0])
		s.bytes -= setEntryBytes(s.order[0])
		s.order = slices.Delete(s.order, 0, 1)
	}
	s.index[id] = struct{}{}
	s.order = append(s.order, id)
	s.bytes += setEntryBytes(id)
	return true
}

func (s *orderedSet) remove(id string) {
	if _, ok := s.index[id]; !ok {
		return
	}
	delete(s.index, id)
	s.bytes -= setEntryBytes(id)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
}

func (s *orderedSet) has(id string) bool {
	_, ok := s.index[id]
	return ok
}

func (s *orderedSet) clear() {
	s.order = nil
	s.index = nil
	s.bytes = 0
}

func (s *orderedSet) list() []string { return slices.Clone(s.order) }

// visitor is the simulator's memory of one user_id.
type visitor struct {
	id           uint32
	requests     int
	sessionID    string
	sessionStart time.Time
	sessions     int

	viewed, cart, liked, purchased              orderedSet
	artViewed, artLiked, artCommented, artGoals orderedSet
	profile                                     map[string]string
	documents                                   []string
	attributions                                map[int64]int
	statuses                                    []ActionStatus
	pastSessionIDs                              []string // earlier sessions, newest last
	lru                                         *list.Element
	// listBytes estimates the bytes of documents, profile, statuses and pastSessionIDs,
	// kept up to date where they change; counted is the visitor's size (see size) as the
	// Server's total last counted it.
	listBytes, counted int
}

// Estimated bytes of a visitor's parts besides their text, for the Server's byte bound
// on visitors (DefaultMaxVisitorBytes).
const (
	visitorOverhead   = 1024 // the visitor, its map slot, list element and empty lists
	listEntryOverhead = 16   // a string in a slice
	setEntryOverhead  = 64   // a string in a slice and in a map
	statusOverhead    = 96   // an ActionStatus
)

func setEntryBytes(s string) int { return len(s) + setEntryOverhead }

func listEntryBytes(s string) int { return len(s) + listEntryOverhead }

func statusBytes(st ActionStatus) int {
	return len(st.Status) + len(st.Arg) + len(st.SessionID) + statusOverhead
}

// size estimates the bytes the visitor holds.
func (v *visitor) size() int {
	n := visitorOverhead + v.listBytes
	for _, s := range []*orderedSet{&v.viewed, &v.cart, &v.liked, &v.purchased,
		&v.artViewed, &v.artLiked, &v.artCommented, &v.artGoals} {
		n += s.bytes
	}
	return n
}

// maxPastSessions bounds the earlier session ids a visitor's stale requests may carry.
const maxPastSessions = 12

// visitorFor returns the visitor for id, creating it and forgetting the least recently
// seen one when over the cap. The caller holds s.mu.
func (s *Server) visitorFor(id uint32) *visitor {
	if v, ok := s.visitors[id]; ok {
		s.lru.MoveToFront(v.lru)
		return v
	}
	if len(s.visitors) >= s.maxVisitors {
		s.forget(s.lru.Back())
	}
	v := &visitor{id: id}
	v.lru = s.lru.PushFront(id)
	s.visitors[id] = v
	return v
}

// forget drops the visitor of el. The caller holds s.mu.
func (s *Server) forget(el *list.Element) {
	id := el.Value.(uint32)
	s.visitorBytes -= s.visitors[id].counted
	s.lru.Remove(el)
	delete(s.visitors, id)
}

// countBytes brings the total of the visitors' bytes up to date after v changed, and
// forgets the least recently seen visitors (never v) while the total is over
// maxVisitorBytes. The caller holds s.mu.
func (s *Server) countBytes(v *visitor) {
	n := v.size()
	s.visitorBytes += n - v.counted
	v.counted = n
	for s.visitorBytes > s.maxVisitorBytes && s.lru.Len() > 1 {
		s.forget(s.lru.Back())
	}
}

// session applies the session rules to a request and returns the id to answer with.
// A new session starts when the visitor has none, the request asks for one
// (new_session), the current one is SessionDuration old, or the request's session_id is
// null or not one this visitor was given. A request that carries an earlier session id
// of the visitor (a stale cookie, a request that raced a rotation) continues the current
// session: a stale id alone never starts a session. The caller holds s.mu.
func (s *Server) session(v *visitor, req *Request, now time.Time) string {
	fresh := v.sessionID == "" || req.NewSession || now.Sub(v.sessionStart) >= SessionDuration ||
		req.SessionID == nil || !v.knowsSession(*req.SessionID)
	if fresh {
		if v.sessionID != "" {
			if len(v.pastSessionIDs) >= maxPastSessions {
				v.listBytes -= listEntryBytes(v.pastSessionIDs[0])
				v.pastSessionIDs = slices.Delete(v.pastSessionIDs, 0, 1)
			}
			v.pastSessionIDs = append(v.pastSessionIDs, v.sessionID)
			v.listBytes += listEntryBytes(v.sessionID)
		}
		v.sessionStart = time.Unix(now.Unix(), 0)
		v.sessionID = fmt.Sprintf("%d %016x", now.Unix(), s.rng.Uint64())
		v.sessions++
	}
	return v.sessionID
}

// knowsSession reports whether id is the visitor's current or an earlier session id.
func (v *visitor) knowsSession(id string) bool {
	return id == v.sessionID || slices.Contains(v.pastSessionIDs, id)
}

// apply records the effect of each command on the visitor and on the popularity counts.
// The caller holds s.mu.
func (v *visitor) apply(cmds []Command, pop *popularity, session string, now time.Time) {
	for _, c := range cmds {
		spec, _ := lookupCommand(c.Name)
		id := c.ItemID()
		if a := c.ActionID(); a > 0 {
			if v.attributions == nil {
				v.attributions = make(map[int64]int)
			}
			v.attributions[a]++
		}
		switch spec.canonical {
		case "Product Viewed":
			if v.viewed.add(id) {
				pop.viewedBy(id, v.id)
			}
		case "Product Added to cart":
			v.cart.add(id)
		case "Product Liked":
			v.liked.add(id)
		case "Product Purchased":
			if v.purchased.add(id) {
				bump(pop.productPurchases, id)
			}
			v.cart.remove(id)
		case "Product Unliked":
			v.liked.remove(id)
		case "Product Removed from cart":
			v.cart.remove(id)
		case "Products Purchased":
			for _, p := range v.cart.order {
				if v.purchased.add(p) {
					bump(pop.productPurchases, p)
				}
			}
			v.cart.clear()
		case "Products Unliked":
			v.liked.clear()
		case "Products Removed from cart":
			v.cart.clear()
		case "Article Viewed":
			if v.artViewed.add(id) {
				bump(pop.articleViews, id)
			}
		case "Article Liked":
			v.artLiked.add(id)
		case "Article Commented":
			v.artCommented.add(id)
		case "Article Goal":
			v.artGoals.add(id)
		case "Article Unliked":
			v.artLiked.remove(id)
		case "Articles Unliked":
			v.artLiked.clear()
		case "Action Status":
			v.recordStatus(c, session, now)
		case "Navigate":
			if len(v.documents) >= maxItemsPerList {
				v.listBytes -= listEntryBytes(v.documents[0])
				v.documents = slices.Delete(v.documents, 0, 1)
			}
			doc := c.Document()
			v.documents = append(v.documents, doc)
			v.listBytes += listEntryBytes(doc)
		case "User Profile":
			if v.profile == nil {
				v.profile = make(map[string]string)
			}
			for i := 0; i+1 < len(c.Args); i += 2 {
				f, _ := c.Args[i].(string)
				old, had := v.profile[f]
				if c.Args[i+1] == nil {
					if had {
						delete(v.profile, f) // null clears the field
						v.listBytes -= listEntryBytes(f) + listEntryBytes(old)
					}
					continue
				}
				if len(v.profile) >= maxItemsPerList && !had {
					continue
				}
				val := scalarString(c.Args[i+1])
				v.profile[f] = val
				if had {
					v.listBytes -= listEntryBytes(f) + listEntryBytes(old)
				}
				v.listBytes += listEntryBytes(f) + listEntryBytes(val)
			}
		}
	}
}

func scalarString(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	return ""
}

func (v *visitor) snapshot() VisitorState {
	return VisitorState{
		UserID:            v.id,
		Requests:          v.requests,
		SessionID:         v.sessionID,
		SessionStart:      v.sessionStart,
		Sessions:          v.sessions,
		Viewed:            v.viewed.list(),
		Cart:              v.cart.list(),
		Liked:             v.liked.list(),
		Purchased:         v.purchased.list(),
		ArticlesViewed:    v.artViewed.list(),
		ArticlesLiked:     v.artLiked.list(),
		ArticlesCommented: v.artCommented.list(),
		ArticleGoals:      v.artGoals.list(),
		Profile:           maps.Clone(v.profile),
		Documents:         slices.Clone(v.documents),
		Attributions:      maps.Clone(v.attributions),
		ActionStatuses:    slices.Clone(v.statuses),
	}
}

// Visitor returns a snapshot of what the server remembers about userID. A visitor the
// server has not seen (or has forgotten, see DefaultMaxVisitors) has Requests == 0.
func (s *Server) Visitor(userID uint32) VisitorState {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.visitors[userID]
	if !ok {
		return VisitorState{UserID: userID}
	}
	return v.snapshot()
}
