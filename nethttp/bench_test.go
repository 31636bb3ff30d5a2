package nethttp_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// benchApp is a product page that tracks its view and reads the recommendations, with or
// without the middleware.
func benchApp(b *testing.B, tr *core.Tracker) http.Handler {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed(r.PathValue("id")))
		n := 0
		for _, it := range v.Items() {
			n += len(it.Title())
		}
		if tr != nil && n == 0 {
			b.Fatal("no items")
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux := http.NewServeMux()
	mux.Handle("GET /products/{id}", page)
	if tr == nil {
		return mux
	}
	return nethttp.Middleware(tr)(mux)
}

// BenchmarkAdapter measures a returning visitor's page view through the net/http
// middleware beside the same handler without it and a plain cookie session (see
// adaptertest.Benchmark).
func BenchmarkAdapter(b *testing.B) { adaptertest.Benchmark(b, benchApp) }
