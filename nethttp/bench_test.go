package nethttp_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// benchPage is a product page that tracks its view and reads the recommendations.
func benchPage(b *testing.B, wantItems bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed("p1"))
		n := 0
		for _, it := range v.Items() {
			n += len(it.Title())
		}
		if wantItems && n == 0 {
			b.Fatal("no items")
		}
		_, _ = io.WriteString(w, "ok")
	})
}

// BenchmarkPageView is a returning visitor's full page view through the middleware: cookie
// session load, visitor facts, one tracker call (in memory, adaptertest.CannedTransport),
// 10 items read, cookie save.
func BenchmarkPageView(b *testing.B) {
	h := nethttp.Middleware(adaptertest.BenchTracker(b))(benchPage(b, true))
	adaptertest.BenchServe(b, h, "/products/p1", true)
}

// BenchmarkBareHandler is the same handler without the middleware: the floor.
func BenchmarkBareHandler(b *testing.B) {
	h := benchPage(b, false)
	adaptertest.BenchServe(b, h, "/products/p1", false)
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
	adaptertest.BenchServe(b, h, "/products/p1", true)
}
