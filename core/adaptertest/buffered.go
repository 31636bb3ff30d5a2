package adaptertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// bufferedErrorPages: a 404 page and a 500 error page whose template reads
// recommendations, rendered into a buffer before the status is written (the way Echo's
// c.Render works, and apps that turn template errors into a clean 500), are not page
// views: no Navigate is sent and the env script is left out. The 404 page tracks nothing
// and makes no call; the error page's tracked event is sent without a Navigate, and the
// "executed" statuses held from the page before ride on that call. The next page view is
// one as usual.
func bufferedErrorPages(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	e.Get(c, "/products/p1") // something to recommend from
	_, body := e.Get(c, "/")
	if !strings.Contains(body, "<li><a href=") {
		t.Fatalf("home page shows no recommendations: %s", body)
	}
	calls := len(e.Sim.Requests())

	resp, body := e.Get(c, "/missing-page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "<h1>Not found</h1>") || !strings.HasSuffix(body, "<footer>end</footer>") {
		t.Fatalf("buffered 404 page: status %d body %q", resp.StatusCode, body)
	}
	if reqs := e.Sim.Requests(); len(reqs) != calls {
		t.Errorf("buffered 404 page made a call: %v", Names(reqs[len(reqs)-1]))
	}
	if strings.Contains(body, "<script") {
		t.Error("buffered 404 page got the env script: it is not a page view")
	}

	resp, body = e.Get(c, "/error-page")
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "<h1>Error</h1>") || !strings.HasSuffix(body, "<footer>end</footer>") {
		t.Fatalf("buffered error page: status %d body %q", resp.StatusCode, body)
	}
	reqs := e.Sim.Requests()
	if len(reqs) != calls+1 {
		t.Fatalf("buffered error page made %d calls, want 1 (its tracked event)", len(reqs)-calls)
	}
	call := reqs[len(reqs)-1]
	if got := eventNames(call); !slices.Equal(got, []string{"Product Viewed"}) {
		t.Errorf("buffered error page sent %v, want its tracked event without Navigate", got)
	}
	if !slices.ContainsFunc(call.Commands, func(c personyzetest.Command) bool {
		return c.Name == "Action Status" && slices.Contains(c.Args, any("executed"))
	}) {
		t.Errorf("the home page's executed statuses did not ride on the next call: %v", Names(call))
	}

	_, body = e.Get(c, "/")
	if got := eventNames(e.LastCall()); !slices.Equal(got, []string{"Navigate"}) || !outcomeIn(body, core.OutcomeOK) {
		t.Errorf("the page view after them sent %v", got)
	}
}
