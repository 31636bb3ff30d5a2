package shop

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core"
)

// TestRenderEveryPage renders each route's page with a visit that has no
// recommendations (the no-op Visit of a request without middleware) and
// checks the layout, the empty recommendations block and the debug panel.
func TestRenderEveryPage(t *testing.T) {
	s, err := New(Env{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	const shopper = "0123456789abcdef0123456789abcdef"
	s.Store.AddToCart(shopper, "desk-lamp")
	s.Store.Like(shopper, "wool-throw")
	in := func(id string) Request {
		return Request{Visit: core.FromContext(context.Background()), Shopper: shopper, ID: id}
	}
	tests := []struct {
		name   string
		res    Result
		status int
		want   string
	}{
		{"home", s.Home(in("")), http.StatusOK, "Travel Coffee Press"},
		{"product", s.Product(in("desk-lamp")), http.StatusOK, `data-product-id="desk-lamp"`},
		{"article", s.ArticlePage(in("weekend-hike")), http.StatusOK, "Packing Light for a Weekend Hike"},
		{"cart", s.CartPage(in("")), http.StatusOK, `id="checkout"`},
		{"wishlist", s.Wishlist(in("")), http.StatusOK, "Lambswool Throw Blanket"},
		{"thanks", s.Thanks(in("")), http.StatusOK, "Thank you for your order"},
		{"unknown product", s.Product(in("nope")), http.StatusNotFound, "Not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.res.Status != tt.status || tt.res.Page == nil {
				t.Fatalf("status %d page %v, want %d and a page", tt.res.Status, tt.res.Page, tt.status)
			}
			var b strings.Builder
			if err := s.Pages.Render(&b, tt.res.Page); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			for _, want := range []string{tt.want, "Recommended for you", "No recommendations right now", `id="personyze-debug"`, `<span class="badge" id="cart-count">1</span>`} {
				if !strings.Contains(html, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

// TestRoutesRedirect checks the POST routes' answers without a network.
func TestRoutesRedirect(t *testing.T) {
	s, err := New(Env{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	const shopper = "0123456789abcdef0123456789abcdef"
	v := core.FromContext(context.Background())
	in := func(id, referer string) Request { return Request{Visit: v, Shopper: shopper, ID: id, Referer: referer} }
	tests := []struct {
		name     string
		res      Result
		status   int
		location string
	}{
		{"empty checkout", s.Checkout(in("", "")), http.StatusSeeOther, "/cart"},
		{"add", s.AddToCart(in("desk-lamp", "")), http.StatusSeeOther, "/cart"},
		{"add unknown", s.AddToCart(in("nope", "")), http.StatusNotFound, ""},
		{"remove", s.RemoveFromCart(in("desk-lamp", "")), http.StatusSeeOther, "/cart"},
		{"like back", s.Like(in("desk-lamp", "http://x/articles/weekend-hike?pz=3")), http.StatusSeeOther, "/articles/weekend-hike"},
		{"like no referer", s.Like(in("wool-throw", "")), http.StatusSeeOther, "/products/wool-throw"},
		{"add again", s.AddToCart(in("desk-lamp", "")), http.StatusSeeOther, "/cart"},
		{"checkout", s.Checkout(in("", "")), http.StatusSeeOther, "/thanks"},
	}
	for _, tt := range tests {
		if tt.res.Status != tt.status || tt.res.Location != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.name, tt.res.Status, tt.res.Location, tt.status, tt.location)
		}
	}
	if ids, _ := s.Store.Quantities(shopper); len(ids) != 0 {
		t.Errorf("cart after checkout = %v, want empty", ids)
	}
}
