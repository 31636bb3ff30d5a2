package shop

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

func TestStoreCart(t *testing.T) {
	s := NewStore(0)
	const a = "0123456789abcdef0123456789abcdef"
	s.AddToCart(a, "p1")
	s.AddToCart(a, "p2")
	s.AddToCart(a, "p1")
	ids, qty := s.Quantities(a)
	if !slices.Equal(ids, []string{"p1", "p2"}) || !slices.Equal(qty, []int{2, 1}) {
		t.Fatalf("cart = %v %v, want [p1 p2] [2 1]", ids, qty)
	}
	s.RemoveFromCart(a, "p1")
	if ids, _ := s.Quantities(a); !slices.Equal(ids, []string{"p2"}) {
		t.Fatalf("after remove: %v", ids)
	}
	s.ClearCart(a)
	if ids, _ := s.Quantities(a); len(ids) != 0 {
		t.Fatalf("after clear: %v", ids)
	}
	if ids, _ := s.Quantities("ffffffffffffffffffffffffffffffff"); ids != nil {
		t.Fatalf("unknown shopper has a cart: %v", ids)
	}
}

func TestStoreLimits(t *testing.T) {
	s := NewStore(0)
	const a = "0123456789abcdef0123456789abcdef"
	for range MaxQuantity + 5 {
		s.AddToCart(a, "p1")
	}
	if _, qty := s.Quantities(a); qty[0] != MaxQuantity {
		t.Errorf("quantity = %d, want the cap %d", qty[0], MaxQuantity)
	}
	for i := range MaxCartLines + 5 {
		s.AddToCart(a, fmt.Sprint("x", i))
	}
	if ids, _ := s.Quantities(a); len(ids) != MaxCartLines {
		t.Errorf("cart lines = %d, want the cap %d", len(ids), MaxCartLines)
	}
	for i := range MaxWishlist + 5 {
		s.Like(a, fmt.Sprint("x", i))
	}
	if n := len(s.Wishlist(a)); n != MaxWishlist {
		t.Errorf("wish list = %d, want the cap %d", n, MaxWishlist)
	}
	if s.Like(a, "x0") {
		t.Error("liking twice reported a change")
	}
}

func TestStoreEvictsLeastRecentlyUsed(t *testing.T) {
	s := NewStore(2)
	ids := []string{
		"00000000000000000000000000000001",
		"00000000000000000000000000000002",
		"00000000000000000000000000000003",
	}
	s.Like(ids[0], "p")
	s.Like(ids[1], "p")
	s.Wishlist(ids[0]) // touch: ids[1] is now the oldest
	s.Like(ids[2], "p")
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	if s.Wishlist(ids[1]) != nil {
		t.Error("the least recently used shopper was kept")
	}
	if s.Wishlist(ids[0]) == nil || s.Wishlist(ids[2]) == nil {
		t.Error("a recently used shopper was evicted")
	}
}

func TestStoreConcurrent(t *testing.T) {
	s := NewStore(8)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			id := fmt.Sprintf("%032x", g)
			for i := range 50 {
				s.AddToCart(id, fmt.Sprint("p", i%5))
				s.Like(id, fmt.Sprint("p", i%7))
				s.Quantities(id)
				s.RemoveFromCart(id, "p1")
			}
		})
	}
	wg.Wait()
	if s.Len() > 8 {
		t.Fatalf("Len = %d beyond the limit 8", s.Len())
	}
}

func TestShopperID(t *testing.T) {
	s := NewStore(0)
	const valid = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		cookie  string
		wantNew bool
	}{
		{"no cookie", "", true},
		{"valid cookie kept", valid, false},
		{"too short", "abc", true},
		{"not hex", "zz23456789abcdef0123456789abcdef", true},
		{"too long", valid + valid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: ShopperCookie, Value: tt.cookie})
			}
			w := httptest.NewRecorder()
			id := s.ShopperID(w, r)
			if !validShopperID(id) {
				t.Fatalf("issued invalid id %q", id)
			}
			set := w.Result().Cookies()
			if tt.wantNew {
				if len(set) != 1 || set[0].Value != id || !set[0].HttpOnly || set[0].SameSite != http.SameSiteLaxMode {
					t.Fatalf("new id %q: Set-Cookie = %+v", id, set)
				}
			} else if id != tt.cookie || len(set) != 0 {
				t.Fatalf("id = %q, Set-Cookie = %v; want the cookie's id and no new cookie", id, set)
			}
		})
	}
}
