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

// BenchmarkAdapter measures a returning visitor's page view through the Echo v5 middleware
// beside the same handler without it and a plain cookie session (see adaptertest.Benchmark).
func BenchmarkAdapter(b *testing.B) { adaptertest.Benchmark(b, benchApp) }
