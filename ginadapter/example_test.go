package ginadapter_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/ginadapter"
)

func ExampleMiddleware() {
	sim := personyzetest.NewServer(personyzetest.Options{}) // stands in for Personyze
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true,
		Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	defer tr.Close(context.Background())

	r := gin.New()
	r.Use(ginadapter.Middleware(tr))
	r.GET("/products/:id", func(c *gin.Context) {
		v := ginadapter.Visit(c)
		_ = v.Track(core.ProductViewed(c.Param("id"))) // travels with this page's call
		items := v.Items()                             // makes the call, once
		c.String(http.StatusOK, "%s: %d recommendations", v.Outcome(), len(items))
	})

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	r.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), len(w.Result().Cookies()))
	// Output: 200 private 1
}
