package core

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Keys of the values this library keeps in its cookie session. Only ids live there: the
// cookie must stay small and must never hold anything a visitor should not see.
const (
	keyVisitor      = "v"  // random visitor key; user_id is its crc32
	keySession      = "s"  // latest Personyze session_id
	keySessionUser  = "su" // the user_id that session belongs to
	keyPastSessions = "ps" // comma-separated start times, oldest first
	keyBlocked      = "bl" // closed actions: "id:sessions,..." (at most maxBlocked)
	keyNewSession   = "ns" // "1": the next call asks for a new session (Visit.StartNewSession)
	keyLate         = "lt" // Unix time of a page whose answer came after it (see adoptShared)
)

// stateKeys are all of the keys above: what Forget removes from an application's own
// session.
var stateKeys = [...]string{keyVisitor, keySession, keySessionUser, keyPastSessions, keyBlocked, keyNewSession, keyLate}

const (
	// sessionLength is how long a Personyze session lasts from its start (see the wire
	// package documentation, Sessions).
	sessionLength = 90 * time.Minute
	// sessionMargin asks for a new session a little before the server would start one.
	sessionMargin = 5 * time.Second
	// maxPastSessions is how many past session start times are kept, as Android does.
	maxPastSessions = 12
)

// sessionState is the visitor's Personyze state as kept in the cookie session.
type sessionState struct {
	VisitorKey string
	SessionID  string
	// SessionUser is the user_id SessionID was issued to (0: unknown, a cookie written
	// before it was kept): a Personyze session belongs to one user_id (see ownSession).
	SessionUser uint32
	// Late is the Unix time of a page whose answer came after it (0: none): the next
	// request asks the VisitorStore (store.go). 32 bits, beside SessionUser: a Visit
	// stays the size it was.
	Late         uint32
	PastSessions string
	Blocked      string // closed actions, see parseBlocked
	ForceNew     bool   // the next call sends new_session: true
}

// loadState reads the state out of a gorilla session; missing or mistyped values are empty.
func loadState(s *sessions.Session) sessionState {
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
		late, _ = strconv.ParseUint(l, 10, 32)
	}
	return sessionState{
		VisitorKey:   str(keyVisitor),
		SessionID:    str(keySession),
		SessionUser:  uint32(su),
		PastSessions: str(keyPastSessions),
		Blocked:      formatBlocked(parseBlocked(str(keyBlocked))), // bounded whatever a store holds
		ForceNew:     str(keyNewSession) == "1",
		Late:         uint32(late),
	}
}

// storeState writes st into the gorilla session.
func storeState(s *sessions.Session, st sessionState) {
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
}

func setOrDelete(s *sessions.Session, k, v string) {
	if v == "" {
		delete(s.Values, k)
		return
	}
	s.Values[k] = v
}

// newVisitorKey returns a fresh random visitor key.
func newVisitorKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// sessionStart returns the Unix start time that leads a Personyze session id: the leading
// decimal digits. Anything unparsable is 0, which forces a new session.
func sessionStart(id string) int64 {
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

// needsNewSession applies the 90-minute rule: a new session when there is none or when its
// start + 90 min - 5 s is not in the future (see the wire package documentation, Sessions).
func needsNewSession(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	start := sessionStart(id)
	return start <= 0 || !time.Unix(start, 0).Add(sessionLength-sessionMargin).After(now)
}

// appendPastSession appends start to the comma-separated list, keeping the newest 12.
func appendPastSession(list string, start int64) string {
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

// cookieOptions returns the cookie options for r. Every field is set explicitly because
// gorilla/sessions changed its defaults in v1.4.0 (Secure and SameSite=None).
func (t *Tracker) cookieOptions(r *http.Request) *sessions.Options {
	return &sessions.Options{
		Path:     t.cfg.CookiePath,
		Domain:   t.cfg.CookieDomain,
		MaxAge:   t.cfg.CookieMaxAge,
		Secure:   isHTTPS(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// isHTTPS reports whether the visitor reached us over TLS, directly or through a proxy that
// says so. Trusting X-Forwarded-Proto only makes the cookie stricter, never weaker.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// newCookieStore builds the signed and encrypted cookie store from Config.SessionKeys.
func newCookieStore(cfg Config) (sessions.Store, error) {
	keys := cfg.SessionKeys
	if len(keys) == 0 {
		// Development only (checked by validateSession): keys live as long as the process.
		keys = [][]byte{randomKey(64), randomKey(32)}
	}
	s := sessions.NewCookieStore(keys...)
	s.MaxAge(cfg.CookieMaxAge) // also sets the codecs' max age, which signs the expiry
	for _, c := range s.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(stringMapSerializer{})
		}
	}
	return newCachedCookieStore(s), nil
}

func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// validateSession checks the session part of the configuration.
func validateSession(cfg Config) error {
	if cfg.SessionStore != nil {
		return nil
	}
	if len(cfg.SessionKeys) == 0 {
		if cfg.Development {
			return nil
		}
		return &ConfigError{Field: "SessionKeys", Problem: "no session keys and no SessionStore",
			Fix: keygenHelp + " (keep them secret and stable across restarts); or pass your own SessionStore, or set Development: true for local use"}
	}
	return validateKeys(cfg.SessionKeys)
}

// hasCookies reports whether r carries a cookie this library sets.
func (t *Tracker) hasCookies(r *http.Request) bool {
	for _, c := range r.Cookies() {
		if c.Name == t.cfg.SessionName || c.Name == EnvCookieName {
			return true
		}
	}
	return false
}

// deleteCookies expires the library's cookies in w: EnvCookieName, and the session cookie
// of the built-in store, or this library's values in the application's own store (whose
// cookie may hold the app's sign-in). sess is the loaded session, nil if none was loaded.
func (t *Tracker) deleteCookies(w http.ResponseWriter, r *http.Request, sess *sessions.Session) {
	http.SetCookie(w, &http.Cookie{Name: EnvCookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
	if t.cfg.SessionStore == nil {
		o := t.cookieOptions(r) // the attributes it was set with, or browsers keep it
		http.SetCookie(w, &http.Cookie{Name: t.cfg.SessionName, Value: "", Path: o.Path,
			Domain: o.Domain, MaxAge: -1, Secure: o.Secure, HttpOnly: o.HttpOnly, SameSite: o.SameSite})
		return
	}
	if sess == nil {
		s, err := t.store.Get(r, t.cfg.SessionName)
		if err != nil || s == nil {
			return // nothing readable of ours in it
		}
		sess = s
	}
	for _, k := range stateKeys {
		delete(sess.Values, k)
	}
	if err := t.store.Save(r, w, sess); err != nil {
		t.logs.log(t.log, slog.LevelWarn, "cookie-save", "personyze: session not saved after Forget", slog.String("error", err.Error()))
	}
}
