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
// the slow answers must not wait behind each other. 20 runs at the same time (each with a
// simulator and Tracker of its own, the retries' jitter different in each), on goroutines
// rather than parallel subtests, which -parallel (GOMAXPROCS by default) would run two by
// two on a small machine.
func TestCloseDeliversThroughOutageAndSlowness(t *testing.T) {
	const runs = 20
	var wg sync.WaitGroup
	failures := make([]string, runs)
	for run := range runs {
		sim, tr := controlWorld(t, nil) // default retries and backoff
		wg.Go(func() { failures[run] = shutdownRun(sim, tr) })
	}
	wg.Wait()
	failed := 0
	for run, f := range failures {
		if f != "" {
			failed++
			t.Errorf("run %d: %s", run, f)
		}
	}
	t.Logf("%d of %d runs delivered every event", runs-failed, runs)
}

// shutdownRun serves 8 new visitors a page each, queues an event for each after its page
// while Personyze fails, and closes the Tracker as described above. It returns what went
// wrong, or "".
func shutdownRun(sim *personyzetest.Server, tr *core.Tracker) string {
	const visitors = 8
	const outage, latency, deadline = 500 * time.Millisecond, 1500 * time.Millisecond, 5 * time.Second
	var pages []*core.Visit
	for range visitors { // new visitors: no cookies
		serveVisit(tr, navigate("/products/p1"), func(v *core.Visit, w http.ResponseWriter) {
			_ = v.Items()
			writePage(w)
			pages = append(pages, v)
		})
	}
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
	if err != nil || delivered != visitors {
		return fmt.Sprintf("Close after %v: %v; %d of %d events delivered", time.Since(start).Round(time.Millisecond), err, delivered, visitors)
	}
	return ""
}
