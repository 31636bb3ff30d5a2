package core

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// FuzzCSPNonce: the policy header is the application's, but a nonce taken from it goes
// into the page: it must never panic, and every nonce it yields, and every nonce the
// rendered element carries, is a base64 value the policy lists.
func FuzzCSPNonce(f *testing.F) {
	for _, s := range []string{"script-src 'nonce-abc'", "default-src 'self'; script-src-elem 'nonce-x' 'nonce-y'",
		"script-src 'nonce-'", "'nonce-a b'", ";;;", "script-src 'nonce-\"><script>'",
		"script-src 'NONCE-QUJD+/_-=='", "script-src-elem https://*.example.com:* 'strict-dynamic' 'nonce-a', default-src 'self'"} {
		f.Add(s)
	}
	a := newEnvAsset(defaultEnvScriptPath)
	f.Fuzz(func(t *testing.T, policy string) {
		for _, s := range scriptPolicies([]string{policy}) {
			for _, n := range s.nonces {
				if !base64Shaped(n) || !listsNonce(policy, n) {
					t.Fatalf("nonce %q of %q is not a base64 nonce of the policy", n, policy)
				}
			}
		}
		tag := string(a.tag([]string{policy}, "", "https", "example.com"))
		if _, rest, ok := strings.Cut(tag, ` nonce="`); ok {
			n, _, _ := strings.Cut(rest, `"`)
			if !base64Shaped(n) || !listsNonce(policy, n) {
				t.Fatalf("tag for %q carries nonce %q", policy, n)
			}
		}
		if tag != "" && !strings.HasPrefix(tag, "<script") {
			t.Fatalf("tag for %q: %q", policy, tag)
		}
	})
}

// FuzzScriptTag: the whole decision of personyzeScript over outside input (the policy, the
// Host header, the template's nonce argument) never panics and renders only the elements
// it documents, each carrying a nonce only when it is base64 and is the argument or one the
// policy lists.
func FuzzScriptTag(f *testing.F) {
	f.Add("default-src 'self'", "example.com", "", false)
	f.Add("script-src 'nonce-abc' 'strict-dynamic'", "example.com:8080", "abc", true)
	f.Add("script-src *.example.com:* http://[::1]:80/a/ https:", "[::1]:80", "x\"", false)
	f.Add("script-src-elem 'unsafe-inline', script-src example.com/personyze-env.js", "EXAMPLE.com", "", true)
	a := newEnvAsset(defaultEnvScriptPath)
	f.Fuzz(func(t *testing.T, policy, host, nonce string, https bool) {
		scheme := "http"
		if https {
			scheme = "https"
		}
		arg := nonce
		if !isNonce(arg) {
			arg = ""
		}
		tag := string(a.tag([]string{policy}, arg, scheme, host))
		n := ""
		if _, rest, ok := strings.Cut(tag, ` nonce="`); ok {
			n, _, _ = strings.Cut(rest, `"`)
			if !base64Shaped(n) || (n != arg && !listsNonce(policy, n)) {
				t.Fatalf("tag for %q (nonce %q) carries nonce %q", policy, nonce, n)
			}
		}
		switch tag {
		case "", string(a.external(n)), string(visitor.EnvScript(n)):
		default:
			t.Fatalf("tag for %q: %q", policy, tag)
		}
	})
}

// listsNonce reports whether policy contains the source 'nonce-<n>' ("nonce" in any case).
func listsNonce(policy, n string) bool {
	for i := range len(policy) {
		if hasPrefixFold(policy[i:], "'nonce-") && strings.HasPrefix(policy[i+len("'nonce-"):], n+"'") {
			return true
		}
	}
	return false
}

// base64Shaped is the test's own statement of CSP's base64-value: letters, digits, "+/-_",
// then at most two "=".
func base64Shaped(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" || len(s)-len(body) > 2 {
		return false
	}
	for _, c := range body {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("+/-_", c)) {
			return false
		}
	}
	return true
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
