package shop

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	c := NewCatalog()
	products, articles := c.Products(), c.Articles()
	if len(products) != 12 || len(articles) != 6 {
		t.Fatalf("catalog has %d products and %d articles, want 12 and 6", len(products), len(articles))
	}
	seen := map[string]bool{}
	for _, p := range products {
		if seen[p.ID] || p.Title == "" || p.Price <= 0 || p.Category == "" {
			t.Errorf("bad or duplicate product %+v", p)
		}
		seen[p.ID] = true
		if _, err := fs.Stat(staticFS, "static/img/"+p.ID+".svg"); err != nil {
			t.Errorf("product %s has no picture: %v", p.ID, err)
		}
	}
	for _, a := range articles {
		if seen[a.ID] || a.Title == "" || len(a.Body) == 0 {
			t.Errorf("bad or duplicate article %+v", a)
		}
		seen[a.ID] = true
		for _, id := range a.Related {
			if _, ok := c.Product(id); !ok {
				t.Errorf("article %s relates to unknown product %s", a.ID, id)
			}
		}
	}
	products[0].Title = "changed"
	if p, _ := c.Product(products[0].ID); p.Title == "changed" {
		t.Error("Products returned the catalog's own slice")
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ referer, want string }{
		{"http://127.0.0.1:8080/products/p1?pz=12", "/products/p1"},
		{"https://shop.example/wishlist", "/wishlist"},
		{"", "/fallback"},
		{"http://evil.example//evil.example/x", "/fallback"},
		{"http://x/\\evil", "/fallback"},
		{"::not a url", "/fallback"},
		{"relative/path", "/fallback"},
	}
	for _, tt := range tests {
		if got := localPath(tt.referer, "/fallback"); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.referer, got, tt.want)
		}
	}
}

func TestFormatPrice(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{39.95, "$39.95"},
		{189.0, "$189.00"},
		{7, "$7.00"},
		{"18.5", "$18.50"},
		{"call us", "call us"},
		{nil, "<nil>"},
	}
	for _, tt := range tests {
		if got := formatPrice(tt.in); got != tt.want {
			t.Errorf("formatPrice(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	tests := []struct {
		path, wantType string
		wantStatus     int
	}{
		{"/static/style.css", "text/css; charset=utf-8", http.StatusOK},
		{"/static/img/desk-lamp.svg", "image/svg+xml", http.StatusOK},
		{"/static/nope.css", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.path, w.Code, tt.wantStatus)
		}
		if tt.wantType != "" && w.Header().Get("Content-Type") != tt.wantType {
			t.Errorf("%s: Content-Type %q, want %q", tt.path, w.Header().Get("Content-Type"), tt.wantType)
		}
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	s := &Shop{Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "ok")
		}), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Serve returned early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve never became ready")
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("Serve did not stop after cancel")
	}
}
