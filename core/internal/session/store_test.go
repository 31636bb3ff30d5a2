package session

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core/internal/lru"
)

// testCookieStore is the built-in store with fixed keys and the given max age (seconds).
func testCookieStore(t testing.TB, maxAge int, keys ...[]byte) *CookieStore {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))}
	}
	return NewCookieStore(maxAge, keys...)
}

// savedCookie saves vals with s and returns a request that sends the cookie back.
func savedCookie(t testing.TB, s sessions.Store, vals map[any]any) *http.Request {
	t.Helper()
	sess := sessions.NewSession(s, "pz")
	sess.Values = vals
	sess.Options = &sessions.Options{Path: "/", MaxAge: 3600}
	w := httptest.NewRecorder()
	if err := s.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, sess); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

// breakKeys gives s other keys, so that only its cache can still read its old cookies.
func breakKeys(s *CookieStore) {
	s.Codecs = securecookie.CodecsFromPairs([]byte(strings.Repeat("x", 64)), []byte(strings.Repeat("y", 32)))
}

func TestCookieCacheServesWhatItVerified(t *testing.T) {
	vals := map[any]any{keyVisitor: "ab12", keySession: "1700000000 abc"}
	tests := []struct {
		name string
		// prepare returns the request to read, given a store that wrote vals (and so
		// remembers them) and a second store with the same keys that did not.
		prepare func(t *testing.T, writer, reader *CookieStore) (*http.Request, *CookieStore)
	}{
		{"written", func(t *testing.T, w, _ *CookieStore) (*http.Request, *CookieStore) {
			return savedCookie(t, w, maps.Clone(vals)), w
		}},
		{"decoded once", func(t *testing.T, w, r *CookieStore) (*http.Request, *CookieStore) {
			req := savedCookie(t, w, maps.Clone(vals))
			if _, err := r.New(req, "pz"); err != nil {
				t.Fatal(err)
			}
			return req, r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, s := tt.prepare(t, testCookieStore(t, 3600), testCookieStore(t, 3600))
			breakKeys(s) // decoding would fail now: a success comes from the cache
			sess, err := s.New(req, "pz")
			if err != nil || sess.IsNew {
				t.Fatalf("New: err %v, IsNew %t", err, sess.IsNew)
			}
			if !maps.Equal(sess.Values, vals) {
				t.Fatalf("values %v, want %v", sess.Values, vals)
			}
			if sess.Options == nil || sess.Options.MaxAge != 3600 || sess.Options == s.Options {
				t.Fatalf("options %+v: want a copy of the store's", sess.Options)
			}
			sess.Values[keySession] = "changed by a page"
			again, err := s.New(req, "pz")
			if err != nil || again.Values[keySession] != "1700000000 abc" {
				t.Fatalf("a page's change reached the cache: %v, %v", again.Values, err)
			}
		})
	}
}

func TestCookieCacheRefuses(t *testing.T) {
	vals := map[any]any{keyVisitor: "ab12"}
	t.Run("tampered", func(t *testing.T) {
		s := testCookieStore(t, 3600)
		req := savedCookie(t, s, vals)
		c, _ := req.Cookie("pz")
		b := []byte(c.Value)
		b[len(b)-3] ^= 1
		bad := httptest.NewRequest(http.MethodGet, "/", nil)
		bad.AddCookie(&http.Cookie{Name: "pz", Value: string(b)})
		if sess, err := s.New(bad, "pz"); err == nil || !sess.IsNew {
			t.Fatalf("tampered cookie accepted: %v", sess.Values)
		}
	})
	t.Run("expired", func(t *testing.T) {
		s := testCookieStore(t, 60)
		req := savedCookie(t, s, vals)
		// The times are counted from the timestamp signed into the cookie (whole seconds),
		// not from the clock, so however slow the machine they fall where they should.
		c, err := req.Cookie("pz")
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := cookieTimestamp(c.Value)
		if !ok {
			t.Fatalf("no timestamp in the cookie %q", c.Value)
		}
		breakKeys(s)
		s.now = func() time.Time { return time.Unix(ts+59, 0) }
		if _, err := s.New(req, "pz"); err != nil {
			t.Fatalf("within its max age: %v", err)
		}
		s.now = func() time.Time { return time.Unix(ts+62, 0) }
		if sess, err := s.New(req, "pz"); err == nil || !sess.IsNew {
			t.Fatalf("expired cookie served from the cache: %v", sess.Values)
		}
	})
	t.Run("deleted", func(t *testing.T) {
		s := testCookieStore(t, 3600)
		sess := sessions.NewSession(s, "pz")
		sess.Values = maps.Clone(vals)
		sess.Options = &sessions.Options{MaxAge: -1}
		if err := s.Save(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder(), sess); err != nil {
			t.Fatal(err)
		}
		if n := s.known.Len(); n != 0 {
			t.Fatalf("a deleting cookie was remembered (%d entries)", n)
		}
	})
	t.Run("no cookie", func(t *testing.T) {
		s := testCookieStore(t, 3600)
		sess, err := s.New(httptest.NewRequest(http.MethodGet, "/", nil), "pz")
		if err != nil || !sess.IsNew || len(sess.Values) != 0 || s.known.Len() != 0 {
			t.Fatalf("no cookie: %v, %v, %d entries", sess, err, s.known.Len())
		}
	})
}

func TestCookieTimestamp(t *testing.T) {
	sc := securecookie.New([]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32)))
	before := time.Now().Unix()
	for _, v := range []any{"", "x", strings.Repeat("long value ", 50), map[string]string{"a": "b"}} {
		enc, err := sc.Encode("pz", v)
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := cookieTimestamp(enc)
		if !ok || ts < before || ts > time.Now().Unix() {
			t.Errorf("cookieTimestamp(%.20q...) = %d, %t; encoded at %d", enc, ts, ok, before)
		}
	}
	for _, bad := range []string{"", "short", "!!!!!!!!!!!!!!!!!!!!", "MTcwMDAwMDAwMA==", // "1700000000" without "|"
		"YWJjZGVmZ2hpamts", // "abcdefghijkl"
		"fDE3MDAwMDAwMDB8", // "|1700000000|"
		"LTE3MDAwMDAwMHx4", // "-170000000|x"
	} {
		if ts, ok := cookieTimestamp(bad); ok {
			t.Errorf("cookieTimestamp(%q) = %d, want not ok", bad, ts)
		}
	}
}

func FuzzCookieTimestamp(f *testing.F) {
	sc := securecookie.New([]byte(strings.Repeat("h", 64)), nil)
	enc, _ := sc.Encode("pz", "v")
	for _, s := range []string{enc, "", "MTcwMDAwMDAwMHx4eHg=", "fDE3MDAwMDAwMDB8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, ok := cookieTimestamp(s)
		if ok && ts <= 0 {
			t.Fatalf("accepted a timestamp of %d", ts)
		}
		if !ok && ts != 0 {
			t.Fatalf("refused but returned %d", ts)
		}
	})
}

// BenchmarkSessionCookieLoad measures reading a returning visitor's session cookie: decoded
// (HMAC, AES, deserialization) and from the cache.
func BenchmarkSessionCookieLoad(b *testing.B) {
	vals := map[any]any{keyVisitor: "0123456789abcdef0123456789abcdef", keySession: "1700000000 abcdef", keyPastSessions: "1700000000"}
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"Decode", false}, {"Cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := testCookieStore(b, 3600)
			req := savedCookie(b, s, maps.Clone(vals))
			if !bc.cached {
				s.known = nil // a nil cache holds nothing
			}
			b.ReportAllocs()
			for b.Loop() {
				if sess, err := s.New(req, "pz"); err != nil || len(sess.Values) != 3 {
					b.Fatal(sess, err)
				}
			}
		})
	}
}

// TestCookieCacheConcurrent: pages of many visitors read and write cookies at once; each
// reads back exactly what it wrote (run with -race).
func TestCookieCacheConcurrent(t *testing.T) {
	s := testCookieStore(t, 3600)
	s.known = lru.New[string, cookieEntry](8) // small: entries are evicted while others read
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				want := fmt.Sprintf("visitor %d page %d", g, i)
				sess := sessions.NewSession(s, "pz")
				sess.Values = map[any]any{keyVisitor: want}
				sess.Options = &sessions.Options{Path: "/", MaxAge: 3600}
				w := httptest.NewRecorder()
				if err := s.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, sess); err != nil {
					t.Error(err)
					return
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.AddCookie(w.Result().Cookies()[0])
				for range 3 {
					sess, err := s.New(req, "pz")
					if err != nil || sess.Values[keyVisitor] != want {
						t.Errorf("read %v, %v; want %q", sess.Values[keyVisitor], err, want)
						return
					}
					sess.Values[keyVisitor] = "changed" // never reaches another read
				}
			}
		})
	}
	wg.Wait()
}

// TestCookieCacheBoundsBytes: long cookies fill cookieCacheBytes before cookieCacheSize,
// and the least recently saved ones go first.
func TestCookieCacheBoundsBytes(t *testing.T) {
	s := testCookieStore(t, 3600)
	long := strings.Repeat("v", 2000) // a cookie of about 2,700 characters once encoded
	var first *http.Request
	for i := range cookieCacheSize {
		r := savedCookie(t, s, map[any]any{keyVisitor: fmt.Sprintf("%d %s", i, long)})
		if i == 0 {
			first = r
		}
		if _, b := s.known.Held(); b > cookieCacheBytes {
			t.Fatalf("after %d cookies: %d bytes, over %d", i+1, b, cookieCacheBytes)
		}
	}
	n, b := s.known.Held()
	if n >= cookieCacheSize || b < cookieCacheBytes*9/10 {
		t.Errorf("%d cookies, %d bytes held: want the byte bound (%d) reached before the count (%d)",
			n, b, cookieCacheBytes, cookieCacheSize)
	}
	c, _ := first.Cookie("pz")
	if _, ok := s.known.Get(c.Value); ok {
		t.Error("the least recently saved cookie is still held")
	}
}
