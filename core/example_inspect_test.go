package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// ExampleTracker_Inspector mounts the live inspector behind the application's own check
// of who may see it, and reads what it recorded of a page view from its JSON, as the page
// does (open /debug/personyze/ in a browser to see it live).
func ExampleTracker_Inspector() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, _ := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	defer tr.Close(context.Background())

	// Your own authentication: the inspector shows what visitors do.
	requireAdmin := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Admin-Token") != "s3cret" { // your real check here
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /debug/personyze/", requireAdmin(tr.Inspector(core.InspectorOptions{Size: 200})))

	// A page view, served as every adapter serves one.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/products/p1", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Safari/537.36")
	r.Header.Set("Accept", "text/html")
	ex := tr.Begin(w, r)
	_ = ex.Visit().Track(core.ProductViewed("p1"))
	ex.BeforeHeader(http.StatusOK)
	_, _ = io.WriteString(w, "page")
	ex.End()

	req := httptest.NewRequest("GET", "/debug/personyze/requests", nil)
	req.Header.Set("X-Admin-Token", "s3cret")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	var doc struct {
		Requests []struct {
			Method, Path, Kind, Reason, Outcome string
			Sent                                []struct{ Name string }
			Cookies                             []struct{ Name string }
		}
	}
	_ = json.NewDecoder(rec.Body).Decode(&doc)
	for _, e := range doc.Requests {
		fmt.Println(e.Method, e.Path, e.Kind, e.Reason, e.Outcome)
		fmt.Println("sent:", e.Sent, "cookies:", e.Cookies)
	}
	// Output:
	// GET /products/p1 page page view ok
	// sent: [{Product Viewed} {Navigate}] cookies: [{personyze}]
}
