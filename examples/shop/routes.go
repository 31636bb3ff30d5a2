package shop

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gopersonyze/personyze/core"
)

// The methods below are the shop's routes, independent of any web framework.
// Each example maps its framework's routing onto them:
//
//	GET  /               Home
//	GET  /products/{id}  Product       tracks "Product Viewed"
//	GET  /articles/{id}  ArticlePage   tracks "Article Viewed"
//	GET  /cart           CartPage
//	GET  /wishlist       Wishlist
//	GET  /thanks         Thanks
//	POST /cart/{id}          AddToCart       tracks "Product Added to cart", 303 to /cart
//	POST /cart/{id}/remove   RemoveFromCart  tracks "Product Removed from cart", 303 to /cart
//	POST /like/{id}          Like            tracks "Product Liked", 303 back
//	POST /checkout           Checkout        tracks "Products Purchased", 303 to /thanks
//	POST /signin             SignIn          form field "user"; new user_id and session, 303 back
//	POST /signout            SignOut         303 to /
//
// Before every route the examples call Authenticate, the shop's stand-in for an app's
// auth middleware running after the Personyze one.
//
// Attribution needs no code here: when the visitor followed a recommendation
// link, the middleware adds "action_id" to the "Product Viewed" command.

// page returns a page with the header counts filled in.
func (s *Shop) page(in Request, tmpl, title, nav string) *Page {
	return &Page{
		Template:  tmpl,
		Title:     title,
		Nav:       nav,
		Visit:     in.Visit,
		User:      s.Store.User(in.Shopper),
		CartCount: s.cart(in.Shopper).Count,
		WishCount: len(s.Store.Wishlist(in.Shopper)),
		Inspector: s.inspectorLink(),
	}
}

// inspectorLink is the footer's link to the live inspector, when the examples mount it.
func (s *Shop) inspectorLink() string {
	if s.Inspector == nil {
		return ""
	}
	return InspectorPath
}

// track queues commands on the visit and logs a rejected one; a tracking
// problem never changes the page.
func (s *Shop) track(v *core.Visit, cmds ...core.Command) {
	if err := v.Track(cmds...); err != nil {
		s.Logger.Warn("personyze: command not tracked", "err", err)
	}
}

// Home renders the product grid and the article list.
func (s *Shop) Home(in Request) Result {
	p := s.page(in, "home", "Home", "home")
	p.Products = s.Catalog.Products()
	p.Articles = s.Catalog.Articles()
	return Result{Status: http.StatusOK, Page: p}
}

// Product renders a product page and tracks its view.
func (s *Shop) Product(in Request) Result {
	prod, ok := s.Catalog.Product(in.ID)
	if !ok {
		return s.NotFound(in)
	}
	s.track(in.Visit, core.ProductViewed(prod.ID))
	p := s.page(in, "product", prod.Title, "")
	p.Product = &prod
	p.Liked = slices.Contains(s.Store.Wishlist(in.Shopper), prod.ID)
	return Result{Status: http.StatusOK, Page: p}
}

// ArticlePage renders an article and tracks its view.
func (s *Shop) ArticlePage(in Request) Result {
	a, ok := s.Catalog.Article(in.ID)
	if !ok {
		return s.NotFound(in)
	}
	s.track(in.Visit, core.ArticleViewed(a.ID))
	p := s.page(in, "article", a.Title, "articles")
	p.Article = &a
	p.Products = s.Catalog.ProductsByID(a.Related)
	return Result{Status: http.StatusOK, Page: p}
}

// CartPage renders the shopper's cart.
func (s *Shop) CartPage(in Request) Result {
	p := s.page(in, "cart", "Cart", "cart")
	p.Cart = s.cart(in.Shopper)
	return Result{Status: http.StatusOK, Page: p}
}

// Wishlist renders the products the shopper liked.
func (s *Shop) Wishlist(in Request) Result {
	p := s.page(in, "wishlist", "Wish list", "wishlist")
	p.Products = s.Catalog.ProductsByID(s.Store.Wishlist(in.Shopper))
	return Result{Status: http.StatusOK, Page: p}
}

// Thanks renders the page shown after checkout.
func (s *Shop) Thanks(in Request) Result {
	return Result{Status: http.StatusOK, Page: s.page(in, "thanks", "Thank you", "")}
}

// NotFound renders the 404 page.
func (s *Shop) NotFound(in Request) Result {
	return Result{Status: http.StatusNotFound, Page: s.page(in, "notfound", "Not found", "")}
}

// AddToCart puts one unit of the product in the cart.
func (s *Shop) AddToCart(in Request) Result {
	if _, ok := s.Catalog.Product(in.ID); !ok {
		return s.NotFound(in)
	}
	if s.Store.AddToCart(in.Shopper, in.ID) {
		s.track(in.Visit, core.ProductAddedToCart(in.ID))
	}
	return seeOther("/cart")
}

// RemoveFromCart takes the product out of the cart.
func (s *Shop) RemoveFromCart(in Request) Result {
	if _, ok := s.Catalog.Product(in.ID); !ok {
		return s.NotFound(in)
	}
	s.Store.RemoveFromCart(in.Shopper, in.ID)
	s.track(in.Visit, core.ProductRemovedFromCart(in.ID))
	return seeOther("/cart")
}

// Like adds the product to the wish list and goes back to where the visitor
// pressed the button.
func (s *Shop) Like(in Request) Result {
	prod, ok := s.Catalog.Product(in.ID)
	if !ok {
		return s.NotFound(in)
	}
	if s.Store.Like(in.Shopper, in.ID) {
		s.track(in.Visit, core.ProductLiked(in.ID))
	}
	return seeOther(localPath(in.Referer, prod.URL()))
}

// Checkout "buys" the cart. An empty cart goes back to the cart page without
// telling Personyze about a purchase that did not happen.
func (s *Shop) Checkout(in Request) Result {
	if s.cart(in.Shopper).Count == 0 {
		return seeOther("/cart")
	}
	s.track(in.Visit, core.ProductsPurchased())
	s.Store.ClearCart(in.Shopper)
	return seeOther("/thanks")
}

// seeOther is the redirect every POST answers with, so a reload does not
// repeat the action.
func seeOther(location string) Result {
	return Result{Status: http.StatusSeeOther, Location: location}
}

// localPath returns the path of the referer when it is a plain local path,
// else fallback. Host and query are dropped: the first so the redirect cannot
// leave the site, the second so an attribution parameter is not replayed.
func localPath(referer, fallback string) string {
	u, err := url.Parse(referer)
	if err != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsRune(u.Path, '\\') {
		return fallback
	}
	return u.Path
}

// userKey is the Personyze user key of a signed-in shopper: the same on every device.
func userKey(user string) string { return "shop-user:" + user }

// Authenticate tells Personyze who a signed-in shopper is, before the page's call: what
// an app's auth middleware does once it knows the user (see core.Visit.SetUserKey).
func (s *Shop) Authenticate(in Request) {
	if u := s.Store.User(in.Shopper); u != "" {
		if err := in.Visit.SetUserKey(userKey(u)); err != nil {
			s.Logger.Warn("personyze: user key not set", "err", err)
		}
	}
}

// SignIn signs the shopper in under the name of the "user" form field. The visitor
// becomes that user (a new user_id, the same on every device) in a new Personyze session,
// which the library starts by itself with the call that carries the user's profile.
func (s *Shop) SignIn(in Request) Result {
	if !s.Store.SignIn(in.Shopper, in.User) {
		return seeOther(localPath(in.Referer, "/"))
	}
	v := in.Visit
	if err := v.SetUserKey(userKey(s.Store.User(in.Shopper))); err != nil {
		s.Logger.Warn("personyze: sign-in not told", "err", err)
	}
	s.track(v, core.UserProfile("name", s.Store.User(in.Shopper)))
	return seeOther(localPath(in.Referer, "/"))
}

// SignOut signs the shopper out: from this request on they are the anonymous visitor of
// their cookie again.
func (s *Shop) SignOut(in Request) Result {
	s.Store.SignOut(in.Shopper)
	// This POST makes no call; the visitor's next page, anonymous, starts a new Personyze
	// session by itself.
	if err := in.Visit.SetUserKey(""); err != nil {
		s.Logger.Warn("personyze: sign-out not told", "err", err)
	}
	return seeOther("/")
}
