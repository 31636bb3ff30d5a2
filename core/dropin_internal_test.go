package core

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCSPNonce: the policy header is the application's, but a nonce taken from it goes
// into the page: it must never panic and never return text that could leave the attribute.
func FuzzCSPNonce(f *testing.F) {
	for _, s := range []string{"script-src 'nonce-abc'", "default-src 'self'; script-src-elem 'nonce-x' 'nonce-y'",
		"script-src 'nonce-'", "'nonce-a b'", ";;;", "script-src 'nonce-\"><script>'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, policy string) {
		n := cspNonce([]string{policy})
		if strings.ContainsAny(n, " \t'") {
			t.Fatalf("cspNonce(%q) = %q", policy, n)
		}
		if n != "" && !strings.Contains(policy, "'nonce-"+n+"'") {
			t.Fatalf("cspNonce(%q) = %q, not a nonce of the policy", policy, n)
		}
	})
}

// FuzzNotNavigation: request headers are outside input; the classification must never
// panic, and a request with X-Requested-With: XMLHttpRequest is never a navigation.
func FuzzNotNavigation(f *testing.F) {
	f.Add("text/html,*/*;q=0.8", "navigate", "document")
	f.Add("text/html;q=0", "", "")
	f.Add("*/*", "cors", "empty")
	f.Fuzz(func(t *testing.T, accept, mode, dest string) {
		h := http.Header{"Accept": {accept}, "Sec-Fetch-Mode": {mode}, "Sec-Fetch-Dest": {dest}}
		_ = notNavigation(h)
		h.Set("X-Requested-With", "XMLHttpRequest")
		if notNavigation(h) != reasonXHR {
			t.Fatal("XHR classified as a navigation")
		}
	})
}

// BenchmarkSessionCookie measures what writing the session cookie on every page would add
// to a returning visitor's page: reading it happens anyway (load, from the store's cache
// after the first time; BenchmarkSessionCookieLoad compares), encoding and signing it
// again (save) is what BeforeHeader skips when nothing in it changed.
func BenchmarkSessionCookie(b *testing.B) {
	tr := fuzzTracker(b, [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))})
	value, _ := realCookie(b, tr, "1700000000 0123456789abcdef")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: defaultSessionName, Value: value})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rr := r.Clone(r.Context()) // gorilla caches sessions per request
			if _, err := tr.store.New(rr, defaultSessionName); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("save", func(b *testing.B) {
		s, _ := tr.store.New(r, defaultSessionName)
		s.Options = tr.cookieOptions(r)
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			if err := tr.store.Save(r, w, s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
