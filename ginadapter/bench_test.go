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

// BenchmarkPageView is a returning visitor's page view through the Gin middleware, with
// the in-memory upstream of adaptertest.CannedTransport.
func BenchmarkPageView(b *testing.B) {
	h := benchApp(b, adaptertest.BenchTracker(b))
	adaptertest.BenchServe(b, h, "/products/p1", true)
}

// BenchmarkBareHandler is the same Gin handler without the middleware: the floor.
func BenchmarkBareHandler(b *testing.B) {
	h := benchApp(b, nil)
	adaptertest.BenchServe(b, h, "/products/p1", false)
}
