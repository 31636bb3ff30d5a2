package shop

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// ShopperCookie is the name of the cookie that keys a visitor's cart and wish
// list. It is separate from the Personyze session cookie on purpose: the
// shop's own state must not depend on the personalization library.
const ShopperCookie = "shop_id"

// Limits that keep the in-memory store bounded whatever visitors do.
const (
	DefaultMaxShoppers = 10000 // least recently used shoppers are forgotten beyond this
	MaxCartLines       = 50    // distinct products in one cart
	MaxQuantity        = 99    // units of one product in one cart
	MaxWishlist        = 50    // products in one wish list
)

// basket is one shopper's state.
type basket struct {
	id    string
	lines []cartLine // in the order products were first added
	liked []string   // product ids, in the order they were liked
	user  string     // the name the shopper signed in with, "" when signed out
}

type cartLine struct {
	productID string
	quantity  int
}

// Store keeps every shopper's cart and wish list in memory, keyed by the
// ShopperCookie. It is safe for concurrent use and never holds more than its
// limit of shoppers: the least recently seen one is evicted first.
type Store struct {
	mu    sync.Mutex
	max   int
	order *list.List               // front = most recently used; values are *basket
	byID  map[string]*list.Element // shopper id -> element in order
}

// NewStore returns an empty store holding at most maxShoppers shoppers
// (DefaultMaxShoppers when maxShoppers <= 0).
func NewStore(maxShoppers int) *Store {
	if maxShoppers <= 0 {
		maxShoppers = DefaultMaxShoppers
	}
	return &Store{max: maxShoppers, order: list.New(), byID: map[string]*list.Element{}}
}

// ShopperID returns the visitor's shopper id from the request's cookie,
// issuing a new random id (and setting the cookie on w) when there is none.
// Call it before the response header is written.
func (s *Store) ShopperID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(ShopperCookie); err == nil && validShopperID(c.Value) {
		return c.Value
	}
	id := newShopperID()
	http.SetCookie(w, &http.Cookie{
		Name:     ShopperCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   30 * 24 * 3600,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return id
}

// newShopperID returns 128 random bits in hex.
func newShopperID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// validShopperID accepts only ids this store could have issued, so a forged
// cookie cannot grow the store with arbitrary keys of any size.
func validShopperID(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// get returns the shopper's basket, creating it when create is set; it marks
// the basket as recently used. The caller holds s.mu.
func (s *Store) get(id string, create bool) *basket {
	if e, ok := s.byID[id]; ok {
		s.order.MoveToFront(e)
		return e.Value.(*basket)
	}
	if !create {
		return nil
	}
	b := &basket{id: id}
	s.byID[id] = s.order.PushFront(b)
	for s.order.Len() > s.max {
		oldest := s.order.Back()
		s.order.Remove(oldest)
		delete(s.byID, oldest.Value.(*basket).id)
	}
	return b
}

// AddToCart adds one unit of the product to the shopper's cart. It reports
// false when the cart is full.
func (s *Store) AddToCart(shopper, productID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.get(shopper, true)
	for i := range b.lines {
		if b.lines[i].productID == productID {
			b.lines[i].quantity = min(b.lines[i].quantity+1, MaxQuantity)
			return true
		}
	}
	if len(b.lines) >= MaxCartLines {
		return false
	}
	b.lines = append(b.lines, cartLine{productID: productID, quantity: 1})
	return true
}

// RemoveFromCart removes the product from the shopper's cart entirely.
func (s *Store) RemoveFromCart(shopper, productID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.get(shopper, false); b != nil {
		b.lines = slices.DeleteFunc(b.lines, func(l cartLine) bool { return l.productID == productID })
	}
}

// ClearCart empties the shopper's cart (after checkout).
func (s *Store) ClearCart(shopper string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.get(shopper, false); b != nil {
		b.lines = nil
	}
}

// Like adds the product to the shopper's wish list. It reports false when it
// was already there or the list is full.
func (s *Store) Like(shopper, productID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.get(shopper, true)
	if slices.Contains(b.liked, productID) || len(b.liked) >= MaxWishlist {
		return false
	}
	b.liked = append(b.liked, productID)
	return true
}

// Quantities returns the shopper's cart as product ids and quantities, in the
// order the products were added.
func (s *Store) Quantities(shopper string) (ids []string, qty []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.get(shopper, false)
	if b == nil {
		return nil, nil
	}
	for _, l := range b.lines {
		ids = append(ids, l.productID)
		qty = append(qty, l.quantity)
	}
	return ids, qty
}

// Wishlist returns the product ids the shopper liked, oldest first.
func (s *Store) Wishlist(shopper string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.get(shopper, false); b != nil {
		return slices.Clone(b.liked)
	}
	return nil
}

// Len returns the number of shoppers the store currently holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// MaxUserName bounds the name a shopper signs in with.
const MaxUserName = 64

// SignIn records that the shopper signed in as user (the demo has no passwords: any name
// of 1 to MaxUserName bytes is accepted). It reports false for an unusable name.
func (s *Store) SignIn(shopper, user string) bool {
	user = strings.TrimSpace(user)
	if user == "" || len(user) > MaxUserName {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(shopper, true).user = user
	return true
}

// SignOut forgets who the shopper signed in as.
func (s *Store) SignOut(shopper string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.get(shopper, false); b != nil {
		b.user = ""
	}
}

// User returns the name the shopper signed in with, or "" when signed out.
func (s *Store) User(shopper string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.get(shopper, false); b != nil {
		return b.user
	}
	return ""
}
