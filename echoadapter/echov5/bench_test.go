package echov5_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/echoadapter/echov5"
)

// benchApp is a product page that tracks its view and reads the recommendations, with or
// without the middleware.
func benchApp(b *testing.B, tr *core.Tracker) http.Handler {
	e := echo.New()
	if tr != nil {
		e.Use(echov5.Middleware(tr))
	}
	e.GET("/products/:id", func(c *echo.Context) error {
		v := echov5.Visit(c)
		_ = v.Track(core.ProductViewed(c.Param("id")))
		n := 0
		for _, it := range v.Items() {
			n += len(it.Title())
		}
		if tr != nil && n == 0 {
			b.Fatal("no items")
		}
		return c.String(http.StatusOK, "ok")
	})
	return e
}

// BenchmarkPageView is a returning visitor's page view through the Echo v5 middleware,
// with the in-memory upstream of adaptertest.CannedTransport.
func BenchmarkPageView(b *testing.B) {
	h := benchApp(b, adaptertest.BenchTracker(b))
	adaptertest.BenchServe(b, h, "/products/p1", true)
}

// BenchmarkBareHandler is the same Echo v5 handler without the middleware: the floor.
func BenchmarkBareHandler(b *testing.B) {
	h := benchApp(b, nil)
	adaptertest.BenchServe(b, h, "/products/p1", false)
}
