package ginadapter_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/ginadapter"
)

// benchApp is a product page that tracks its view and reads the recommendations, with or
// without the middleware.
func benchApp(b *testing.B, tr *core.Tracker) http.Handler {
	r := gin.New()
	if tr != nil {
		r.Use(ginadapter.Middleware(tr))
	}
	r.GET("/products/:id", func(c *gin.Context) {
		v := ginadapter.Visit(c)
		_ = v.Track(core.ProductViewed(c.Param("id")))
		n := 0
		for _, it := range v.Items() {
			n += len(it.Title())
		}
		if tr != nil && n == 0 {
			b.Fatal("no items")
		}
		c.String(http.StatusOK, "ok")
	})
	return r
}

// BenchmarkAdapter measures a returning visitor's page view through the Gin middleware
// beside the same handler without it and a plain cookie session (see adaptertest.Benchmark).
func BenchmarkAdapter(b *testing.B) { adaptertest.Benchmark(b, benchApp) }
