package shoptest

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// recLink finds the recommendation links the layout renders.
var recLink = regexp.MustCompile(`<a class="rec-link" href="([^"]+)">([^<]+)</a>`)

// Routes walks one visitor through every route of the example with a plain
// HTTP client (no browser needed) and checks statuses, redirects and what the
// simulator received.
func Routes(t *testing.T, newHandler NewHandler) {
	s, base := Start(t, newHandler)
	sim := s.Simulator
	c := newClient(t)

	// Home: recommendations rendered as attributed links.
	home := c.get(t, base+"/")
	expectStatus(t, home, http.StatusOK)
	if !strings.Contains(home.body, "Recommended for you") {
		t.Fatal("home page has no recommendations block")
	}
	links := recLink.FindAllStringSubmatch(home.body, -1)
	if len(links) == 0 {
		t.Fatalf("home page shows no recommendation links; debug: %s", debugPanel(home.body))
	}
	waitFor(t, sim, "a page view (Navigate)", hasNavigate)

	// Static files are served but never reach Personyze.
	before := len(calls(sim))
	for _, p := range []string{"/static/style.css", "/static/img/desk-lamp.svg", "/static/favicon.svg"} {
		expectStatus(t, c.get(t, base+p), http.StatusOK)
	}
	if after := len(calls(sim)); after != before {
		t.Errorf("static files made %d tracker call(s)", after-before)
	}

	// Product page tracks its view, and its debug panel shows the call.
	prod := c.get(t, base+"/products/travel-press")
	expectStatus(t, prod, http.StatusOK)
	waitForCommand(t, sim, "Product Viewed", "travel-press")
	panel := html.UnescapeString(debugPanel(prod.body))
	for _, want := range []string{`<code>ok</code>`, `["Product Viewed", "travel-press"]`, `"session_id": "`, `{"internal_id":"`} {
		if !strings.Contains(panel, want) {
			t.Errorf("debug panel lacks %s:\n%s", want, panel)
		}
	}

	// Following a recommendation attributes the view to its action.
	if href, ok := productLink(links); ok {
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		expectStatus(t, c.get(t, base+href), http.StatusOK)
		waitForCommand(t, sim, "Product Viewed", strings.TrimPrefix(u.Path, "/products/"), "action_id", actionParam(t, u))
	} else {
		t.Errorf("no recommendation links to a product: %v", links)
	}

	// Article page tracks its view.
	expectStatus(t, c.get(t, base+"/articles/better-pour-over"), http.StatusOK)
	waitForCommand(t, sim, "Article Viewed", "better-pour-over")

	// Cart, wish list and checkout: every POST answers 303.
	expectRedirect(t, c.post(t, base+"/cart/travel-press", ""), "/cart")
	waitForCommand(t, sim, "Product Added to cart", "travel-press")
	expectRedirect(t, c.post(t, base+"/cart/desk-lamp", ""), "/cart")
	expectRedirect(t, c.post(t, base+"/cart/desk-lamp/remove", ""), "/cart")
	waitForCommand(t, sim, "Product Removed from cart", "desk-lamp")
	cart := c.get(t, base+"/cart")
	expectStatus(t, cart, http.StatusOK)
	if !strings.Contains(cart.body, "Travel Coffee Press") || strings.Contains(cart.body, "Mini Balanced-Arm Desk Lamp</a></td>") {
		t.Errorf("cart page does not show exactly the travel press")
	}
	expectRedirect(t, c.post(t, base+"/like/wool-throw", base+"/products/wool-throw?pz=7"), "/products/wool-throw")
	waitForCommand(t, sim, "Product Liked", "wool-throw")
	wish := c.get(t, base+"/wishlist")
	expectStatus(t, wish, http.StatusOK)
	if !strings.Contains(wish.body, "Lambswool Throw Blanket") {
		t.Error("wish list does not show the liked product")
	}
	expectRedirect(t, c.post(t, base+"/checkout", ""), "/thanks")
	waitForCommand(t, sim, "Products Purchased")
	expectStatus(t, c.get(t, base+"/thanks"), http.StatusOK)
	expectRedirect(t, c.post(t, base+"/checkout", ""), "/cart") // empty cart now

	// Unknown things are 404 pages, not errors.
	expectStatus(t, c.get(t, base+"/products/no-such-thing"), http.StatusNotFound)
	expectStatus(t, c.get(t, base+"/articles/no-such-thing"), http.StatusNotFound)
	expectStatus(t, c.post(t, base+"/cart/no-such-thing", ""), http.StatusNotFound)
	expectStatus(t, c.get(t, base+"/no/such/page"), http.StatusNotFound)

	// One visitor, one session: every call after the first carried the id.
	checkSessionChain(t, calls(sim))

	signIn(t, c, base, sim)
}

// signIn: signing in changes the visitor's user_id to the user's (the same on another
// device) and starts a new session with the call that carries the profile; signing out
// makes the visitor the cookie's anonymous one again, in a new session too (a Personyze
// session belongs to one user_id: neither call carries the other identity's).
func signIn(t *testing.T, c *client, base string, sim *personyzetest.Server) {
	last := func() personyzetest.Request {
		reqs := sim.Requests()
		return reqs[len(reqs)-1]
	}
	expectStatus(t, c.get(t, base+"/"), http.StatusOK)
	anon := last()
	in := c.postForm(t, base+"/signin", base+"/cart", url.Values{"user": {"ada"}})
	expectRedirect(t, in, "/cart")
	login := last()
	if login.UserID == anon.UserID || !login.NewSession || login.SessionID != nil || len(login.Commands) != 1 || login.Commands[0].Name != "User Profile" {
		t.Errorf("sign-in call: user %d (anonymous %d), new_session %v, session %v, commands %v", login.UserID, anon.UserID, login.NewSession, login.SessionID, login.Commands)
	}
	page := c.get(t, base+"/")
	if !strings.Contains(page.body, `<span id="signed-in">ada</span>`) {
		t.Error("page does not show the signed-in user")
	}
	if p := last(); p.UserID != login.UserID || p.NewSession || p.SessionID == nil || *p.SessionID != login.ResponseSessionID {
		t.Errorf("page after sign-in: user %d (want %d), new_session %v, session %v (want %q)", p.UserID, login.UserID, p.NewSession, p.SessionID, login.ResponseSessionID)
	}
	other := newClient(t) // another device of the same user
	other.postForm(t, base+"/signin", "", url.Values{"user": {"ada"}})
	if got := last().UserID; got != login.UserID {
		t.Errorf("second device: user %d, want %d", got, login.UserID)
	}
	expectRedirect(t, c.post(t, base+"/signout", ""), "/")
	c.get(t, base+"/")
	if p := last(); p.UserID != anon.UserID || !p.NewSession || p.SessionID != nil {
		t.Errorf("after sign-out: user %d (want the anonymous %d), new_session %v, session %v (want null)", p.UserID, anon.UserID, p.NewSession, p.SessionID)
	}
}

// productLink returns the first recommendation link to a product page.
func productLink(links [][]string) (string, bool) {
	for _, l := range links {
		href := strings.ReplaceAll(l[1], "&amp;", "&")
		if strings.HasPrefix(href, "/products/") {
			return href, true
		}
	}
	return "", false
}

// actionParam returns the action id the link helper put in the URL.
func actionParam(t testing.TB, u *url.URL) string {
	t.Helper()
	for _, vs := range u.Query() {
		if len(vs) == 1 && vs[0] != "" {
			return vs[0]
		}
	}
	t.Fatalf("link %s carries no action id", u)
	return ""
}

// debugPanel extracts the footer's debug panel for failure messages.
func debugPanel(body string) string {
	if i := strings.Index(body, `id="personyze-debug"`); i >= 0 {
		if j := strings.Index(body[i:], "</details>"); j >= 0 {
			return body[i : i+j]
		}
		return body[i:]
	}
	return "(no debug panel)"
}

func expectStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d", r.Request.Method, r.Request.URL.Path, r.StatusCode, want)
	}
}

func expectRedirect(t testing.TB, r response, location string) {
	t.Helper()
	expectStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != location {
		t.Fatalf("%s %s redirected to %q, want %q", r.Request.Method, r.Request.URL.Path, got, location)
	}
}
