package nethttp_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/nethttp"
)

// cannedUpstream answers every tracker call in memory with one JSON action of 10 items,
// so the benchmark measures this library, not a network.
type cannedUpstream struct{ body []byte }

func newCannedUpstream() *cannedUpstream {
	var items []string
	for i := range 10 {
		items = append(items, fmt.Sprintf(`{"internal_id":"p%d","title":"Product %d","url":"/products/p%d","image":"/static/p%d.svg","price":"%d.99"}`, i, i, i, i, 10+i))
	}
	data := strings.ReplaceAll(strings.Join(items, ","), `"`, `\"`)
	return &cannedUpstream{body: []byte(`{"session_id":"1700000000 abcdef","cache_version":1,"conditions":[{"id":5}],"actions":[{"id":101,"data":{"data":"` + data + `"}}],"dismiss_conditions":[],"dismiss_actions":[]}`)}
}

func (u *cannedUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(u.body)), ContentLength: int64(len(u.body)), Request: r}, nil
}

// returningVisitor returns a request carrying the cookie of a visitor who has been here.
func returningVisitor(b *testing.B, h http.Handler) *http.Request {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/products/p1", nil)
	r.Header.Set("User-Agent", chromeUA)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	h.ServeHTTP(w, r)
	cookies := w.Result().Cookies()
	if len(cookies) == 0 {
		b.Fatal("no cookie")
	}
	r = httptest.NewRequest("GET", "/products/p1", nil)
	r.Header.Set("User-Agent", chromeUA)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// BenchmarkPageView is a returning visitor's full page view through the middleware: cookie
// session load, visitor facts, one tracker call (in memory), 10 items read, cookie save.
func BenchmarkPageView(b *testing.B) {
	tr, err := core.New(core.Config{APIKey: strings.Repeat("A", 40), BaseURL: "http://127.0.0.1:1/rest/",
		SessionKeys: testKeys, Transport: newCannedUpstream()})
	if err != nil {
		b.Fatal(err)
	}
	h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed("p1"))
		n := 0
		for _, it := range v.Items() {
			n += len(it.Title())
		}
		if n == 0 {
			b.Fatal("no items")
		}
		_, _ = io.WriteString(w, "ok")
	}))
	r := returningVisitor(b, h)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// BenchmarkGorillaSessionBaseline is the floor to compare with: a plain gorilla cookie-
// session middleware that only loads and saves one string.
func BenchmarkGorillaSessionBaseline(b *testing.B) {
	store := sessions.NewCookieStore(testKeys...)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.New(r, "app")
		s.Values["k"] = "1700000000 abcdef"
		_ = s.Save(r, w)
		_, _ = io.WriteString(w, "ok")
	})
	r := returningVisitor(b, h)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
