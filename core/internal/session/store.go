package session

import (
	"encoding/base64"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core/internal/lru"
)

// Bounds of the session cookies remembered by the built-in store: the visitors of the last
// minutes on a busy site. A cookie is a few hundred bytes, so the count is reached first, at
// a few MB; cookieCacheBytes keeps long cookies (up to securecookie's 4096) from holding
// more.
const (
	cookieCacheSize  = 4096
	cookieCacheBytes = 8 << 20
)

// cookieEntrySize estimates the bytes a remembered cookie holds: its text, its decoded
// values (shorter than the text they were encoded in) and the structures around them.
func cookieEntrySize(value string, _ cookieEntry) int { return 2*len(value) + 512 }

// CookieStore is the built-in signed and encrypted cookie store, which remembers
// the values of the cookies it has verified or written, by their exact text. A returning
// visitor sends the same cookie on every page until its content changes (it is rewritten
// only then), so most page views skip the HMAC, the decryption and the allocations of
// decoding it again (a tenth of a page view's CPU).
//
// Serving a cookie from the cache is as safe as decoding it: the key is the whole cookie,
// signature included, so only a text this store has verified or produced itself hits, and
// an entry ends when the cookie's signed timestamp passes the store's max age, exactly
// when decoding would start to refuse it.
type CookieStore struct {
	*sessions.CookieStore
	now   func() time.Time
	known *lru.Cache[string, cookieEntry]
}

// cookieEntry is what a verified cookie holds.
type cookieEntry struct {
	values  map[any]any // never changed: sessions get a copy
	expires int64       // Unix seconds after which the cookie is refused; 0: never
}

// NewCookieStore returns the cookie store of keys (hash and block key pairs, see
// securecookie.CodecsFromPairs), whose cookies last maxAge seconds (the expiry is signed
// into them) and hold the session's values as JSON (see stringMapSerializer).
func NewCookieStore(maxAge int, keys ...[]byte) *CookieStore {
	s := sessions.NewCookieStore(keys...)
	s.MaxAge(maxAge) // also sets the codecs' max age, which signs the expiry
	for _, c := range s.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(stringMapSerializer{})
		}
	}
	return &CookieStore{CookieStore: s, now: time.Now, known: lru.NewSized(cookieCacheSize, cookieCacheBytes, cookieEntrySize)}
}

// New returns the session named name from r's cookie, from the cache when this exact
// cookie was verified (or written) before and has not expired.
func (s *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	c, err := r.Cookie(name)
	if err == nil {
		if e, ok := s.known.Get(c.Value); ok && (e.expires == 0 || s.now().Unix() <= e.expires) {
			session := sessions.NewSession(s, name)
			opts := *s.Options
			session.Options = &opts
			maps.Copy(session.Values, e.values) // into the map NewSession made
			return session, nil
		}
	}
	session, err := s.CookieStore.New(r, name)
	if err == nil && !session.IsNew {
		s.remember(c.Value, session.Values)
	}
	return session, err
}

// Save writes session into a cookie, as sessions.CookieStore does, and remembers it: the
// visitor's next page sends it back.
func (s *CookieStore) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	encoded, err := securecookie.EncodeMulti(session.Name(), session.Values, s.Codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(session.Name(), encoded, session.Options))
	if session.Options == nil || session.Options.MaxAge >= 0 {
		s.remember(encoded, session.Values)
	}
	return nil
}

// remember caches a copy of the values of the verified cookie text value, until the
// expiry signed into it.
func (s *CookieStore) remember(value string, values map[any]any) {
	ts, ok := cookieTimestamp(value)
	if !ok {
		return // not securecookie's format as we know it: always decode
	}
	e := cookieEntry{values: maps.Clone(values)}
	if maxAge := s.Options.MaxAge; maxAge > 0 { // the codecs' max age too (CookieStore.MaxAge)
		e.expires = ts + int64(maxAge)
	}
	// The cookie is a substring of the request's Cookie header: copy it so the cache holds
	// only the cookie.
	s.known.Update(strings.Clone(value), func(cookieEntry, bool) cookieEntry { return e })
}

// cookieTimestamp returns the Unix time signed into a securecookie value: its text is the
// URL base64 of "timestamp|value|mac", so the timestamp is in the first 16 characters.
func cookieTimestamp(value string) (int64, bool) {
	const head = 16 // 12 bytes: up to 11 digits and the separator
	if len(value) < head {
		return 0, false
	}
	var dst [12]byte
	var src [head]byte
	copy(src[:], value)
	n, err := base64.URLEncoding.Decode(dst[:], src[:])
	if err != nil {
		return 0, false
	}
	digits, _, found := strings.Cut(string(dst[:n]), "|")
	if !found {
		return 0, false
	}
	ts, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || ts <= 0 {
		return 0, false
	}
	return ts, true
}
