// Package session holds the visitor's Personyze state as this library keeps it in a cookie
// session (gorilla/sessions): the State and the cookie keys it is stored under, the rules of
// a Personyze session's life (the 90-minute rule, past session starts), the visitor key, and
// the built-in signed and encrypted cookie store with its codec and its cache of verified
// cookies.
//
// It is a package of its own because it is a unit of its own: it knows nothing of core's
// Config, Tracker or Visit, and core reaches the cookie only through it (Load on Begin, Put
// before the header goes out, Clear for Forget). What depends on the configuration (cookie
// attributes, the keys of development mode, validating them) stays in core.
package session

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/sessions"
)

// Keys of the values this library keeps in its cookie session. Only ids live there: the
// cookie must stay small and must never hold anything a visitor should not see.
const (
	keyVisitor      = "v"  // random visitor key; user_id is its crc32
	keySession      = "s"  // latest Personyze session_id
	keySessionUser  = "su" // the user_id that session belongs to
	keyPastSessions = "ps" // comma-separated start times, oldest first
	keyBlocked      = "bl" // closed actions: "id:sessions,..." (core bounds the list)
	keyNewSession   = "ns" // "1": the next call asks for a new session (Visit.StartNewSession)
	keyLate         = "lt" // Unix time of a page whose answer came after it (core's adoptShared)
	keyHeld         = "hr" // "1": the last page's held action statuses wait in the VisitorStore
)

// stateKeys are all of the keys above: what Clear removes from an application's own
// session.
var stateKeys = [...]string{keyVisitor, keySession, keySessionUser, keyPastSessions, keyBlocked, keyNewSession, keyLate, keyHeld}

// State is the visitor's Personyze state as kept in the cookie session.
type State struct {
	VisitorKey string
	SessionID  string
	// SessionUser is the user_id SessionID was issued to (0: unknown, a cookie written
	// before it was kept): a Personyze session belongs to one user_id.
	SessionUser uint32
	// Late is the Unix time of a page whose answer came after it (0: none): with a
	// VisitorStore the next request asks it for that answer's session id (core's
	// store.go). 32 bits, beside SessionUser: a Visit stays the size it was.
	Late         uint32
	PastSessions string
	Blocked      string // closed actions in their cookie form (core's parseBlocked)
	ForceNew     bool   // the next call sends new_session: true
	// Held: the visitor's last page held its action statuses in the VisitorStore (core's
	// heldshare.go), so the next call takes them there. A bool beside ForceNew: a Visit
	// stays the size it was.
	Held bool
}

// Load reads the state out of a gorilla session; missing or mistyped values are empty.
func Load(s *sessions.Session) State {
	str := func(k string) string {
		v, _ := s.Values[k].(string)
		return v
	}
	su, err := strconv.ParseUint(str(keySessionUser), 10, 32)
	if err != nil {
		su = 0 // unknown: the session is taken to be the visitor's
	}
	var late uint64
	if l := str(keyLate); l != "" { // ParseUint's error for "" would cost every page an allocation
		if n, err := strconv.ParseUint(l, 10, 32); err == nil {
			late = n // out of range would give the largest value, not none
		}
	}
	return State{
		VisitorKey:   str(keyVisitor),
		SessionID:    str(keySession),
		SessionUser:  uint32(su),
		PastSessions: str(keyPastSessions),
		Blocked:      str(keyBlocked),
		ForceNew:     str(keyNewSession) == "1",
		Held:         str(keyHeld) == "1",
		Late:         uint32(late),
	}
}

// Put writes st into the gorilla session's values (Save writes the session to the cookie).
func Put(s *sessions.Session, st State) {
	s.Values[keyVisitor] = st.VisitorKey
	s.Values[keySession] = st.SessionID
	s.Values[keyPastSessions] = st.PastSessions
	// Optional keys are left out when unset, so most cookies do not grow.
	su := ""
	if st.SessionID != "" && st.SessionUser != 0 {
		su = strconv.FormatUint(uint64(st.SessionUser), 10)
	}
	setOrDelete(s, keySessionUser, su)
	setOrDelete(s, keyBlocked, st.Blocked)
	late := ""
	if st.Late > 0 {
		late = strconv.FormatUint(uint64(st.Late), 10)
	}
	setOrDelete(s, keyLate, late)
	if st.ForceNew {
		s.Values[keyNewSession] = "1"
	} else {
		delete(s.Values, keyNewSession)
	}
	if st.Held {
		s.Values[keyHeld] = "1"
	} else {
		delete(s.Values, keyHeld)
	}
}

// Clear removes this library's values from a session, leaving the application's own.
func Clear(s *sessions.Session) {
	for _, k := range stateKeys {
		delete(s.Values, k)
	}
}

func setOrDelete(s *sessions.Session, k, v string) {
	if v == "" {
		delete(s.Values, k)
		return
	}
	s.Values[k] = v
}

// NewVisitorKey returns a fresh random visitor key.
func NewVisitorKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

const (
	// length is how long a Personyze session lasts from its start (see the wire package
	// documentation, Sessions).
	length = 90 * time.Minute
	// margin asks for a new session a little before the server would start one.
	margin = 5 * time.Second
	// maxPastSessions is how many past session start times are kept, as Android does.
	maxPastSessions = 12
)

// Start returns the Unix start time that leads a Personyze session id: the leading decimal
// digits. Anything unparsable is 0, which forces a new session.
func Start(id string) int64 {
	end := 0
	for end < len(id) && end < 19 && id[end] >= '0' && id[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(id[:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// NeedsNew applies the 90-minute rule: a new session when there is none or when its start
// + 90 min - 5 s is not in the future (see the wire package documentation, Sessions).
func NeedsNew(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	start := Start(id)
	return start <= 0 || !time.Unix(start, 0).Add(length-margin).After(now)
}

// AppendPast appends start to the comma-separated list of past session starts, keeping
// the newest 12.
func AppendPast(list string, start int64) string {
	s := strconv.FormatInt(start, 10)
	if list == "" {
		return s
	}
	parts := append(strings.Split(list, ","), s)
	if len(parts) > maxPastSessions {
		parts = parts[len(parts)-maxPastSessions:]
	}
	return strings.Join(parts, ",")
}
