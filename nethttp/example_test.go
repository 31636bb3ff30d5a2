package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
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

	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed(r.PathValue("id"))) // travels with this page's call
		items := v.Items()                                 // makes the call, once
		_, _ = io.WriteString(w, fmt.Sprintf("%s: %d recommendations", v.Outcome(), len(items)))
	})
	h := nethttp.Middleware(tr)(mux)

	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	h.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), len(w.Result().Cookies()))
	// Output: 200 private 1
}
