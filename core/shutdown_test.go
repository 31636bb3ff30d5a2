package core_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestCloseDeliversThroughOutageAndSlowness: a shutdown with 8 visitors' events queued,
// while Personyze answers 503 for its first 0.5 s and then takes 1.5 s per answer, delivers
// all 8 within a 5 s Close, every time. The retries of the outage must fit the deadline and
// the slow answers must not wait behind each other. 20 runs, each with a simulator and
// Tracker of its own (the retries' jitter different in each), ten at a time on goroutines
// (rather than parallel subtests, which -parallel would run two by two on a small
// machine), two at a time under the race detector, which makes every call ~10x dearer:
// twenty at once starved the retries of CPU on a busy 2-core machine there. The pages are
// served before the shutdowns start, so that they take no CPU from them.
func TestCloseDeliversThroughOutageAndSlowness(t *testing.T) {
	const runs = 20
	together := 10
	if raceEnabled {
		together = 2
	}
	failures := make([]string, runs)
	for batch := 0; batch < runs; batch += together {
		type world struct {
			sim   *personyzetest.Server
			tr    *core.Tracker
			pages []*core.Visit
		}
		var worlds []world
		for range together {
			sim, tr := controlWorld(t, nil) // default retries and backoff
			worlds = append(worlds, world{sim, tr, servePages(tr)})
		}
		var wg sync.WaitGroup
		for i, w := range worlds {
			wg.Go(func() { failures[batch+i] = shutdownRun(w.sim, w.tr, w.pages) })
		}
		wg.Wait()
	}
	failed := 0
	for run, f := range failures {
		if f != "" {
			failed++
			t.Errorf("run %d: %s", run, f)
		}
	}
	t.Logf("%d of %d runs delivered every event", runs-failed, runs)
}

// shutdownVisitors is the number of visitors, and events, of a shutdownRun.
const shutdownVisitors = 8

// servePages serves shutdownVisitors new visitors a page each and returns their Visits.
func servePages(tr *core.Tracker) []*core.Visit {
	var pages []*core.Visit
	for range shutdownVisitors { // new visitors: no cookies
		serveVisit(tr, navigate("/products/p1"), func(v *core.Visit, w http.ResponseWriter) {
			_ = v.Items()
			writePage(w)
			pages = append(pages, v)
		})
	}
	return pages
}

// shutdownRun queues an event for each of the pages' visitors, after their page, while
// Personyze fails, and closes the Tracker as described above. It returns what went wrong,
// or "".
func shutdownRun(sim *personyzetest.Server, tr *core.Tracker, pages []*core.Visit) string {
	const outage, latency, deadline = 500 * time.Millisecond, 1500 * time.Millisecond, 5 * time.Second
	sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: http.StatusServiceUnavailable})
	for _, v := range pages {
		if err := v.Track(core.ProductAddedToCart("p1")); err != nil { // after End: background delivery
			return err.Error()
		}
	}
	slow := time.AfterFunc(outage, func() {
		sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: latency})
	})
	defer slow.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err := tr.Close(ctx)
	delivered := 0
	for _, r := range sim.Requests() {
		for _, c := range r.Commands {
			if r.Status == http.StatusOK && strings.EqualFold(c.Name, "Product Added to cart") {
				delivered++
			}
		}
	}
	if err != nil || delivered != len(pages) {
		return fmt.Sprintf("Close after %v: %v; %d of %d events delivered", time.Since(start).Round(time.Millisecond), err, delivered, len(pages))
	}
	return ""
}
