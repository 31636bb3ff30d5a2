package echoadapter_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/echoadapter"
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

	e := echo.New()
	e.Use(echoadapter.Middleware(tr))
	e.GET("/products/:id", func(c echo.Context) error {
		v := echoadapter.Visit(c)
		_ = v.Track(core.ProductViewed(c.Param("id"))) // travels with this page's call
		items := v.Items()                             // makes the call, once
		return c.String(http.StatusOK, fmt.Sprintf("%s: %d recommendations", v.Outcome(), len(items)))
	})

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	e.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), len(w.Result().Cookies()))
	// Output: 200 private 1
}

func ExampleMiddlewareWithOptions() {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true})
	if err != nil {
		panic(err)
	}
	defer tr.Close(context.Background())

	e := echo.New()
	e.Use(echoadapter.MiddlewareWithOptions(tr, echoadapter.Options{
		// An internal API under /api gets no Visit at all.
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/api/") },
	}))
	e.GET("/api/stock", func(c echo.Context) error {
		return c.String(http.StatusOK, echoadapter.Visit(c).Outcome().String())
	})

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/stock", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	e.ServeHTTP(w, req)
	fmt.Println(w.Body.String(), len(w.Result().Cookies()))
	// Output: skipped 0
}

// ExampleRender answers an unknown product with a 404 page whose template reads
// recommendations. Echo renders it into a buffer before it writes the status; Render tells
// the Visit the status first, so the 404 page is not counted as a page view.
func ExampleRender() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true,
		Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	defer tr.Close(context.Background())

	e := echo.New()
	e.Renderer = renderer{template.Must(template.New("404.html").Parse(
		`<h1>Not found</h1>{{range .Items}}<a href="{{.URL}}">{{.Title}}</a>{{end}}`))}
	e.Use(echoadapter.Middleware(tr))
	e.GET("/products/:id", func(c echo.Context) error {
		v := echoadapter.Visit(c)
		return echoadapter.Render(c, http.StatusNotFound, "404.html", v) // c.Render, status said first
	})

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/products/no-such-thing", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	e.ServeHTTP(w, req)
	fmt.Println(w.Code, len(sim.Requests()))
	// Output: 404 0
}
