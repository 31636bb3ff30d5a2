package core_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gopersonyze/personyze/core"
)

// TestHostilePathBurstKeepsRecommendations: requests with a path of about 26 KB, to a 404
// page that reads recommendations (so a Navigate is built from the path), come in a burst
// beside normal visitors. Not one of them may turn personalization off for the others: the
// normal visitors keep their recommendations, the breaker never opens, and the hostile
// pages' document names arrive cut to MaxDocumentName.
func TestHostilePathBurstKeepsRecommendations(t *testing.T) {
	sim, tr := controlWorld(t, nil) // default breaker: 5 failures, 10s cooldown
	hostile := strings.Repeat("/a", 13000)
	notFound := func(v *core.Visit, w http.ResponseWriter) {
		_ = v.Items() // a 404 page with a "you may like" block
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
	}
	const rounds, perRound = 6, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for round := range rounds {
		for range perRound {
			wg.Go(func() { serveVisit(tr, navigate(hostile), notFound) })
		}
		wg.Go(func() {
			serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
				items := v.Items()
				if o := v.Outcome(); o != core.OutcomeOK || len(items) == 0 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("round %d: normal visitor got %s with %d items", round, o, len(items)))
					mu.Unlock()
				}
				writePage(w)
			})
		})
		wg.Wait() // rounds in turn, so the breaker's count of consecutive failures could build up
	}
	for _, f := range failures {
		t.Error(f)
	}
	st := tr.Stats()
	if st.Breaker != "closed" || st.Outcomes["breaker_open"] != 0 {
		t.Errorf("breaker %s, %d pages without recommendations for it", st.Breaker, st.Outcomes["breaker_open"])
	}
	if st.Outcomes["ok"] != rounds*(perRound+1) || st.Outcomes["invalid"] != 0 || st.Dropped["too_big"] != 0 {
		t.Errorf("outcomes %v, dropped %v: want every page ok, nothing refused", st.Outcomes, st.Dropped)
	}
	long := 0
	for _, r := range sim.Requests() {
		for _, c := range r.Commands {
			if c.Name != "Navigate" || c.Document() == "/" {
				continue
			}
			long++
			arg, _ := c.Args[0].(string)
			if n := len(arg) - len("urn:personyze:doc:"); n > core.MaxDocumentName || n < core.MaxDocumentName-2 {
				t.Errorf("hostile document sent as %d bytes, want at most %d (and cut there)", n, core.MaxDocumentName)
			}
			if !strings.HasPrefix(hostile, c.Document()) {
				t.Errorf("hostile document %.40q... is not a prefix of the path", c.Document())
			}
		}
	}
	if long != rounds*perRound {
		t.Errorf("%d hostile page views reached Personyze, want %d", long, rounds*perRound)
	}
}

// TestEmptyDocumentNameFallsBackToPath: a Config.DocumentName that returns "" (a route it
// does not know) would make an empty Navigate, which Personyze refuses; the page is named
// by its path instead and keeps its recommendations.
func TestEmptyDocumentNameFallsBackToPath(t *testing.T) {
	sim, tr := controlWorld(t, func(c *core.Config) { c.DocumentName = func(*http.Request) string { return "" } })
	var got core.Outcome
	serveVisit(tr, navigate("/unknown/route"), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.Items()
		got = v.Outcome()
		writePage(w)
	})
	if got != core.OutcomeOK {
		t.Errorf("outcome %v, want ok", got)
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || len(reqs[0].Commands) != 1 || reqs[0].Commands[0].Document() != "/unknown/route" {
		for _, r := range reqs {
			t.Errorf("sent %v (status %d)", r.Commands, r.Status)
		}
		t.Errorf("%d requests, want one Navigate of /unknown/route", len(reqs))
	}
}
