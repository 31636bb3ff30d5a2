package shop

import "github.com/gopersonyze/personyze/core"

// Page is the data every template receives.
type Page struct {
	Template string // which page to render: "home", "product", ...
	Title    string
	Nav      string // which header link is current

	// Visit is this request's Personyze visit. The layout reads its
	// recommendations ({{range .Visit.Items}}) and the debug panel its
	// outcome; reading them is what makes the tracker call if the handler
	// has not made it yet.
	Visit *core.Visit

	CartCount int
	WishCount int
	// Inspector is the path of the live inspector the footer links to, "" when it is not
	// mounted (a real API key).
	Inspector string
	User      string // the signed-in shopper's name, "" when signed out

	Products []Product
	Articles []Article
	Product  *Product
	Article  *Article
	Cart     Cart
	Liked    bool
}

// Request is what a route needs from the web framework: the visit, the
// shopper (see Store.ShopperID), the {id} path parameter, the Referer and the
// "user" form field (sign-in).
type Request struct {
	Visit   *core.Visit
	Shopper string
	ID      string
	Referer string
	User    string
}

// Result is what a route answers: either a page to render with Status, or a
// redirect to Location with Status (303 after every POST).
type Result struct {
	Status   int
	Location string
	Page     *Page
}

// IsRedirect reports whether the result is a redirect rather than a page.
func (r Result) IsRedirect() bool { return r.Location != "" }
