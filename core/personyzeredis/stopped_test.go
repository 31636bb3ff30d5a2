package personyzeredis_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestRedisStoppedMidLoad: three instances on Redis under load, every page's answer
// arriving after its budget (so every next page asks Redis for the late session id). Redis
// is then paused (SIGSTOP: connections open, no answer, the worst case) and then killed
// (connections refused). Pages keep their budget (Config.Timeout for Personyze plus
// Config.StoreTimeout for Redis), none fails, and the fallback is counted.
func TestRedisStoppedMidLoad(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	t.Cleanup(sim.Close)
	rs := startRedis(t)
	const timeout, storeTimeout = 60 * time.Millisecond, 20 * time.Millisecond
	c := newCluster(t, sim, clusterOptions{redis: rs, durable: true, configure: func(cfg *core.Config) {
		cfg.Timeout, cfg.StoreTimeout, cfg.BreakerFailures = timeout, storeTimeout, 1<<20
	}})
	sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 100 * time.Millisecond})
	t.Cleanup(sim.ClearFault)

	phases := []struct {
		name  string
		start func()
	}{
		{"redis up", func() {}},
		{"redis paused", rs.Pause},
		{"redis killed", rs.Stop},
	}
	const workers, perPhase = 4, 1500 * time.Millisecond
	for _, ph := range phases {
		ph.start()
		var mu sync.Mutex
		var took []time.Duration
		failed := 0
		var wg sync.WaitGroup
		end := time.Now().Add(perPhase)
		for w := range workers {
			wg.Go(func() {
				v := newVisitor(t)
				for i := 0; time.Now().Before(end); i++ {
					req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/product/w%d-%d", c.proxy.URL, w, i), nil)
					req.Header.Set("User-Agent", adaptertest.ChromeUA)
					req.Header.Set("Accept", "text/html")
					req.Header.Set("Sec-Fetch-Mode", "navigate")
					req.Header.Set("Sec-Fetch-Dest", "document")
					start := time.Now()
					resp, err := v.client.Do(req)
					d := time.Since(start)
					ok := err == nil && resp.StatusCode == http.StatusOK
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					mu.Lock()
					took = append(took, d)
					if !ok {
						failed++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		var fallbacks uint64
		for _, tr := range c.trackers {
			fallbacks += tr.Stats().StoreFallbacks
		}
		slices.Sort(took)
		q := func(p float64) time.Duration {
			return took[min(len(took)-1, int(p*float64(len(took))))].Round(time.Millisecond)
		}
		t.Logf("STOPPED|%s|pages %d|failed %d|p50 %v|p99 %v|max %v|store fallbacks so far %d",
			ph.name, len(took), failed, q(0.5), q(0.99), took[len(took)-1].Round(time.Millisecond), fallbacks)
		if failed > 0 {
			t.Errorf("%s: %d pages failed", ph.name, failed)
		}
		// The budget is Timeout + StoreTimeout; the rest is this machine's own work (a
		// loaded 2-core machine under -race), far below Redis' own 3 s read timeout or
		// 5 s dial timeout that a page waiting for Redis would show.
		if limit := timeout + storeTimeout + 500*time.Millisecond; took[len(took)-1] > limit {
			t.Errorf("%s: a page took %v, over its budget %v plus slack", ph.name, took[len(took)-1], timeout+storeTimeout)
		}
		if ph.name != "redis up" && fallbacks == 0 {
			t.Errorf("%s: no store fallback counted", ph.name)
		}
	}
}
