package nethttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// sentLog counts the commands the app tracked, by name, from many goroutines.
type sentLog struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *sentLog) add(name string, k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[name] += k
}

func (s *sentLog) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := 0
	for _, v := range s.n {
		t += v
	}
	return t
}

// browse makes one visitor load a product page, a page with a late event and a cart POST,
// recording what each one tracks. It returns the pages.
func browse(e *env, c *http.Client, sent *sentLog, tag string) []page {
	ps := []page{
		e.visit(c, "GET", "/p/"+tag),
		e.visit(c, "GET", "/late/"+tag),
		e.visit(c, "POST", "/cart/"+tag),
	}
	sent.add("Product Viewed", 1)
	sent.add("Navigate", 2)
	sent.add("Article Viewed", 1)
	sent.add("Product Added to cart", 1)
	return ps
}

// TestPromiseOutageLosesNoEvent: everything tracked during a 2 s 503 outage (page calls
// that failed, pages skipped by the open breaker, events tracked after the page call)
// reaches Personyze after it recovers, each exactly once, with nothing dropped.
func TestPromiseOutageLosesNoEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("2 s outage on real timers")
	}
	e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) {
		c.Timeout = faultBudget
		c.BreakerFailures = 3
		c.BreakerCooldown = 300 * time.Millisecond
		c.RetryBackoff = 100 * time.Millisecond
		// Sized for the traffic of the outage (visitors browse nonstop, ~500 pages/s on a fast
		// machine); TestPromiseFullQueueNeverBlocks covers what happens past the bound.
		c.QueueSize = 1 << 14
	})
	const visitors = 8
	browsers := make([]*http.Client, visitors)
	for i := range browsers {
		browsers[i] = e.Browser()
		e.visit(browsers[i], "GET", "/")
	}
	e.Sim.Reset() // count from the outage on
	var sent sentLog
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 503, RetryAfter: time.Second})
	outageEnd := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	var bad sync.Map
	for i, c := range browsers {
		wg.Go(func() {
			for n := 0; time.Now().Before(outageEnd); n++ {
				for _, p := range browse(e, c, &sent, fmt.Sprintf("o%d-%d", i, n)) {
					if p.status != 200 || p.took > faultBudget+faultSlack {
						bad.Store(fmt.Sprintf("v%d n%d", i, n), fmt.Sprintf("status %d took %v %s", p.status, p.took, p.outcome))
					}
				}
				time.Sleep(40 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("during outage %v: %v", k, v); return true })
	during := e.Tracker.Stats()
	e.Sim.ClearFault()
	recovered := time.Now()
	// Four workers drain ~1,700 requests in 1.5 s, or 7-9 s under -race on two cores: the
	// bound is for a hang, not a speed goal.
	if !waitFor(45*time.Second, func() bool { return e.Tracker.Stats().Pending == 0 }) {
		t.Fatalf("still pending 45 s after recovery: %+v", e.Tracker.Stats())
	}
	drain := time.Since(recovered)

	got := simCommands(e.Sim)
	for name, want := range sent.n {
		if got[name] != want {
			t.Errorf("%s: sent %d, delivered %d", name, want, got[name])
		}
	}
	// Each event exactly once: ids are unique per page.
	seen := map[string]int{}
	for _, r := range e.Sim.Requests() {
		if r.ResponseSessionID == "" {
			continue
		}
		for _, c := range r.Commands {
			if id := c.ItemID(); id != "" {
				seen[c.Name+" "+id]++
			}
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	st := e.Tracker.Stats()
	if droppedTotal(st) != 0 {
		t.Errorf("dropped during outage: %v", st.Dropped)
	}
	if during.Outcomes["unavailable"] == 0 || during.Outcomes["breaker_open"] == 0 || st.Retries == 0 || during.Deferred == 0 {
		t.Errorf("outage did not show in Stats: outcomes %v retries %d deferred %d", during.Outcomes, st.Retries, during.Deferred)
	}
	if st.Breaker != "closed" && st.Breaker != "half-open" {
		// No page since recovery may have probed it yet; open would mean it failed again.
		t.Errorf("breaker %q after recovery", st.Breaker)
	}
	if st.QueueDepth != 0 || st.Pending != 0 {
		t.Errorf("queue depth %d pending %d", st.QueueDepth, st.Pending)
	}
	t.Logf("OUTAGE|sent %d commands (%v)|delivered %d (%v)|dropped %d|retries %d|deferred while open %d|drained %v after recovery|outcomes during %v",
		sent.total(), sent.n, total(got), got, droppedTotal(st), st.Retries, st.Deferred, drain.Round(time.Millisecond), during.Outcomes)
	closeNow(e)
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestPromiseCloseDeliversEverythingQueued: Close waits for the background queue.
func TestPromiseCloseDeliversEverythingQueued(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, nil)
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 20 * time.Millisecond})
	var sent sentLog
	for i := range 10 {
		browse(e, e.Browser(), &sent, fmt.Sprintf("c%d", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Tracker.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	got := simCommands(e.Sim)
	for name, want := range sent.n {
		if got[name] != want {
			t.Errorf("%s: sent %d, delivered %d", name, want, got[name])
		}
	}
	if st := e.Tracker.Stats(); st.Pending != 0 || droppedTotal(st) != 0 {
		t.Errorf("after Close: pending %d dropped %v", st.Pending, st.Dropped)
	}
}

// TestPromiseCloseExpiredDeadlineCountsExactly: with a deadline that has passed, Close
// gives up at once and says exactly how many commands did not make it; what did make it
// plus what it reports is everything that was tracked.
func TestPromiseCloseExpiredDeadlineCountsExactly(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) {
		c.Timeout = faultBudget
		c.BreakerFailures = 1000 // every page call goes out (and hangs)
	})
	var delivered, stuck sentLog
	for i := range 4 {
		browse(e, e.Browser(), &delivered, fmt.Sprintf("d%d", i))
	}
	if !waitFor(5*time.Second, func() bool { return e.Tracker.Stats().Pending == 0 }) {
		t.Fatal("first batch not delivered")
	}
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHang})
	for i := range 6 {
		browse(e, e.Browser(), &stuck, fmt.Sprintf("s%d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := e.Tracker.Close(ctx)
	took := time.Since(start)
	var ce *core.CloseError
	if !errors.As(err, &ce) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Close = %v, want *CloseError wrapping context.Canceled", err)
	}
	if ce.Undelivered != stuck.total() {
		t.Errorf("Undelivered = %d, want %d (%v)", ce.Undelivered, stuck.total(), stuck.n)
	}
	if got := total(simCommands(e.Sim)); got != delivered.total() {
		t.Errorf("simulator processed %d commands, want %d", got, delivered.total())
	}
	st := e.Tracker.Stats()
	if st.Dropped["shutdown"] != uint64(stuck.total()) || st.Pending != 0 {
		t.Errorf("Stats after Close: dropped %v pending %d", st.Dropped, st.Pending)
	}
	if took > time.Second {
		t.Errorf("Close with an expired deadline took %v", took)
	}
	if n := len(logLines(e.Log, "commands dropped", "reason=shutdown")); n != 1 {
		t.Errorf("%d shutdown drop lines, want 1", n)
	}
	t.Logf("CLOSE|delivered %d|undelivered %d (CloseError %q)|took %v", delivered.total(), ce.Undelivered, err, took)
}

// TestPromiseFullQueueNeverBlocks: with a one-slot queue and Personyze hanging, pages go
// on at full speed; what does not fit is dropped, counted by reason, logged once, and every
// tracked command is accounted for as delivered or dropped.
func TestPromiseFullQueueNeverBlocks(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) {
		c.Timeout = faultBudget
		c.QueueSize = 1
		c.BreakerFailures = 1
		c.BreakerCooldown = time.Minute
	})
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHang})
	c := e.Browser()
	first := e.visit(c, "GET", "/") // times out, opens the breaker
	if first.outcome != "timeout" {
		t.Fatalf("first page: %s", first.body)
	}
	sent := 1 // its Navigate
	for i := range 40 {
		p := e.visit(c, "POST", fmt.Sprintf("/cart/q%d", i))
		sent++
		if p.status != 200 || p.outcome != "breaker_open" || p.took > faultBudget {
			t.Fatalf("page %d with a full queue: status %d outcome %s took %v", i, p.status, p.outcome, p.took)
		}
	}
	st := e.Tracker.Stats()
	if st.Dropped["queue_full"] == 0 || st.QueueDepth > 1 {
		t.Fatalf("queue_full drops %d depth %d", st.Dropped["queue_full"], st.QueueDepth)
	}
	if n := len(logLines(e.Log, "commands dropped", "reason=queue_full")); n != 1 {
		t.Errorf("%d queue_full log lines, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.Tracker.Close(ctx)
	var ce *core.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("Close = %v", err)
	}
	st = e.Tracker.Stats()
	if got := droppedTotal(st) + uint64(total(simCommands(e.Sim))); got != uint64(sent) {
		t.Errorf("delivered + dropped = %d, tracked %d (%v)", got, sent, st.Dropped)
	}
	if uint64(ce.Undelivered) != st.Dropped["shutdown"] {
		t.Errorf("Undelivered %d, shutdown drops %d", ce.Undelivered, st.Dropped["shutdown"])
	}
	t.Logf("QUEUE|tracked %d|dropped %v|undelivered at Close %d", sent, st.Dropped, ce.Undelivered)
}

// TestPromiseDropReasons: a refused key drops as not_retryable, an oversized command is
// refused alone at Track (too_big) while the page's other events still travel.
func TestPromiseDropReasons(t *testing.T) {
	t.Run("not_retryable", func(t *testing.T) {
		e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) { c.BreakerFailures = 1000 })
		e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 401})
		var sent sentLog
		browse(e, e.Browser(), &sent, "n1")
		if !waitFor(5*time.Second, func() bool { return e.Tracker.Stats().Pending == 0 }) {
			t.Fatal("401s still pending")
		}
		st := e.Tracker.Stats()
		if st.Dropped["not_retryable"] != uint64(sent.total()) || st.Retries != 0 {
			t.Errorf("not_retryable %d of %d, retries %d", st.Dropped["not_retryable"], sent.total(), st.Retries)
		}
		if lines := logLines(e.Log, "commands dropped", "reason=not_retryable"); len(lines) != 1 || !strings.Contains(lines[0], "401") {
			t.Errorf("drop lines: %v", lines)
		}
	})
	t.Run("too_big", func(t *testing.T) {
		e := newPromEnv(t, personyzetest.Options{}, nil)
		p := e.visit(e.Browser(), "GET", "/big")
		if p.status != 200 || p.outcome != "ok" {
			t.Fatalf("page: %s", p.body)
		}
		if !strings.Contains(p.hdr.Get("X-Track-Error"), "too big") {
			t.Errorf("Track error %q", p.hdr.Get("X-Track-Error"))
		}
		if got := adaptertest.Names(e.LastCall()); strings.Join(got, ",") != "Product Viewed,Navigate" {
			t.Errorf("page call sent %v", got)
		}
		if d := e.Tracker.Stats().Dropped["too_big"]; d != 1 {
			t.Errorf("too_big drops %d", d)
		}
	})
}
