package shoptest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/examples/shop"
)

// ErrorPages checks that the shop's 404 pages (an unknown product, an unknown path) and
// its error page (a page that cannot be rendered, 500) are not page views, although the
// shop renders every page into a buffer before it writes the status and its layout reads
// recommendations: they send no Navigate, and with nothing tracked they make no call at
// all. The "executed" statuses of the page before them are not lost: they ride on the
// visitor's next page view.
func ErrorPages(t *testing.T, newHandler NewHandler) {
	t.Run("NotFound", func(t *testing.T) {
		s, base := Start(t, newHandler)
		sim := s.Simulator
		c := newClient(t)
		home := c.get(t, base+"/")
		expectStatus(t, home, http.StatusOK)
		if len(recLink.FindAllStringSubmatch(home.body, -1)) == 0 {
			t.Fatalf("home page shows no recommendations; debug: %s", debugPanel(home.body))
		}
		for _, p := range []string{"/products/no-such-thing", "/no/such/page"} {
			r := c.get(t, base+p)
			expectStatus(t, r, http.StatusNotFound)
			if !strings.Contains(r.body, "We could not find that page") {
				t.Errorf("GET %s: not the shop's 404 page: %q", p, r.body)
			}
			if reqs := sim.Requests(); len(reqs) != 1 {
				t.Errorf("GET %s (404) made a tracker call: %v", p, commandsOf(reqs[1:]))
			}
		}
		expectStatus(t, c.get(t, base+"/products/travel-press"), http.StatusOK)
		reqs := sim.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d tracker calls, want 2 (home, product): %v", len(reqs), commandsOf(reqs))
		}
		last := reqs[1]
		if n := len(last.Commands); n == 0 || last.Commands[n-1].Document() != "/products/travel-press" {
			t.Errorf("product page's call %v does not end with its Navigate", commandsOf(reqs[1:]))
		}
		if !slices.ContainsFunc(last.Commands, isExecuted) {
			t.Errorf("the home page's executed statuses did not ride on the next page view: %v", commandsOf(reqs[1:]))
		}
	})
	t.Run("RenderError", func(t *testing.T) {
		s, base := Start(t, func(s *shop.Shop) http.Handler {
			// A Renderer without templates fails every page, as a broken template would.
			s.Pages = &shop.Renderer{}
			return newHandler(s)
		})
		c := newClient(t)
		for _, p := range []string{"/", "/products/travel-press"} {
			r := c.get(t, base+p)
			expectStatus(t, r, http.StatusInternalServerError)
		}
		reqs := s.Simulator.Requests()
		for _, r := range reqs {
			if slices.ContainsFunc(r.Commands, isNavigate) {
				t.Errorf("a page that failed to render (500) sent a Navigate: %v", commandsOf(reqs))
				break
			}
		}
		if !slices.ContainsFunc(reqs, func(r personyzetest.Request) bool {
			return slices.ContainsFunc(r.Commands, func(c personyzetest.Command) bool { return c.Name == "Product Viewed" })
		}) {
			t.Errorf("the product view tracked before the render failed was not sent: %v", commandsOf(reqs))
		}
	})
}

// isNavigate reports whether c is a Navigate (a page view).
func isNavigate(c personyzetest.Command) bool { return c.Name == "Navigate" }

// isExecuted reports whether c is an "executed" action status.
func isExecuted(c personyzetest.Command) bool {
	return c.Name == "Action Status" && slices.Contains(c.Args, any("executed"))
}

// commandsOf lists the commands of reqs, one slice a call, for failure messages.
func commandsOf(reqs []personyzetest.Request) [][]string {
	out := make([][]string, 0, len(reqs))
	for _, r := range reqs {
		var names []string
		for _, c := range r.Commands {
			names = append(names, commandKey(append([]any{c.Name}, c.Args...)))
		}
		out = append(out, names)
	}
	return out
}
