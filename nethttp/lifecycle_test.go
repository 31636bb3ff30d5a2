package nethttp_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// lifecycleLong runs the lifecycle invariants many more times, for a soak:
//
//	go test -race ./nethttp -run Lifecycle -lifecycle.long
var lifecycleLong = flag.Bool("lifecycle.long", false, "run the lifecycle invariant loops 25x longer")

// rounds returns n, or 25n with -lifecycle.long.
func rounds(n int) int {
	if *lifecycleLong {
		return 25 * n
	}
	return n
}

// upstream is an in-memory Personyze: it answers every call with a small session-only
// body, counts the calls, and can hold the first call until released.
type upstream struct {
	calls   atomic.Int64
	hold    atomic.Bool   // hold the next call that finds it set
	entered chan struct{} // closed when the held call arrived
	release chan struct{} // closing it lets the held call answer
	failing atomic.Bool   // answer 503
}

func newUpstream() *upstream {
	return &upstream{entered: make(chan struct{}), release: make(chan struct{})}
}

func (u *upstream) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	u.calls.Add(1)
	if u.hold.CompareAndSwap(true, false) {
		close(u.entered)
		<-u.release
	}
	if u.failing.Load() {
		return &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("down")), Request: r}, nil
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"session_id":"1764300000 ab12","actions":[]}`)), Request: r}, nil
}

func lifecycleTracker(t *testing.T, u *upstream, mut func(*core.Config)) *core.Tracker {
	t.Helper()
	cfg := core.Config{APIKey: strings.Repeat("K", 40), SessionKeys: testKeys, Transport: u,
		Logger: slog.New(slog.DiscardHandler), Timeout: 5 * time.Second}
	if mut != nil {
		mut(&cfg)
	}
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// lifecyclePage tracks one product view and reads recommendations: two commands per page.
var lifecyclePage = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	v := core.FromContext(r.Context())
	_ = v.Track(core.ProductViewed("p1"))
	_ = v.Items()
	_, _ = io.WriteString(w, v.Outcome().String())
})

func lifecycleRequest(ctx context.Context) *http.Request {
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/products/p1", nil)
	r.Header.Set("User-Agent", adaptertest.ChromeUA)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	return r
}

// TestLifecycleCloseWhilePagesStart: Close waits behind one page call that outlived its page
// while 32 goroutines keep serving pages, then the slow call ends and Close stops waiting in
// the middle of them. No data race, no panic ("WaitGroup is reused before previous Wait has
// returned"), and every page's commands are either delivered or counted as dropped for
// shutdown; pages after Close get OutcomeCanceled.
func TestLifecycleCloseWhilePagesStart(t *testing.T) {
	for range rounds(8) {
		u := newUpstream()
		u.hold.Store(true)
		tr := lifecycleTracker(t, u, nil)
		h := nethttp.Middleware(tr)(lifecyclePage)

		// One page whose visitor left: its call goes on in the background, held upstream.
		ctx, cancel := context.WithCancel(context.Background())
		pageDone := make(chan struct{})
		go func() {
			defer close(pageDone)
			h.ServeHTTP(httptest.NewRecorder(), lifecycleRequest(ctx))
		}()
		<-u.entered
		cancel()
		<-pageDone

		closeCtx, closeCancel := context.WithTimeout(context.Background(), 10*time.Second)
		closed := make(chan error, 1)
		go func() { closed <- tr.Close(closeCtx) }()

		var pages atomic.Int64
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				for range 4 {
					h.ServeHTTP(httptest.NewRecorder(), lifecycleRequest(context.Background()))
					pages.Add(1)
				}
			})
		}
		close(u.release)
		wg.Wait()
		err := <-closed
		closeCancel()
		if err != nil {
			var ce *core.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("Close: %v", err)
			}
		}
		// After Close: the page is served, its call refused and counted.
		w := httptest.NewRecorder()
		h.ServeHTTP(w, lifecycleRequest(context.Background()))
		if got := w.Body.String(); got != core.OutcomeCanceled.String() {
			t.Fatalf("page after Close: outcome %q, want canceled", got)
		}
		pages.Add(1)

		st := tr.Stats()
		total := 2 * (pages.Load() + 1) // the held page too
		if got := 2*int64(st.Delivered) + int64(st.Dropped["shutdown"]); got != total || st.Pending != 0 {
			t.Fatalf("commands: %d delivered*2 + %d dropped = %d, want %d; pending %d",
				st.Delivered, st.Dropped["shutdown"], got, total, st.Pending)
		}
	}
}

// TestLifecycleCloseTwiceAndConcurrently: concurrent Closes do not race; exactly one
// delivers, every other returns an error at once.
func TestLifecycleCloseTwiceAndConcurrently(t *testing.T) {
	for range rounds(8) {
		u := newUpstream()
		tr := lifecycleTracker(t, u, nil)
		h := nethttp.Middleware(tr)(lifecyclePage)
		h.ServeHTTP(httptest.NewRecorder(), lifecycleRequest(context.Background()))
		var wg sync.WaitGroup
		var nils atomic.Int64
		for range 4 {
			wg.Go(func() {
				if tr.Close(context.Background()) == nil {
					nils.Add(1)
				}
			})
		}
		wg.Wait()
		if nils.Load() != 1 {
			t.Fatalf("%d Closes returned nil, want exactly 1", nils.Load())
		}
	}
}

// TestLifecycleCloseSendsWhatTheBreakerHeld: with the breaker open (1 h cooldown) and
// Personyze back, 400 events are queued for background delivery, then Close runs with a
// deadline far below the cooldown (5 s: generous for a loaded machine, nothing next to an
// hour). Everything held for the breaker goes at once, including a job that a worker was
// about to park for the cooldown just as Close began: nothing is undelivered.
func TestLifecycleCloseSendsWhatTheBreakerHeld(t *testing.T) {
	for range rounds(10) {
		u := newUpstream()
		u.failing.Store(true)
		tr := lifecycleTracker(t, u, func(c *core.Config) {
			c.BreakerFailures, c.BreakerCooldown, c.QueueSize = 1, time.Hour, 1024
			c.RetryBackoff = time.Millisecond // the failing page's own retry is not what is measured
		})
		// A failing page opens the breaker.
		events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := core.FromContext(r.Context())
			_ = v.Items()
			_, _ = io.WriteString(w, "ok")
			// Tracked after the page's call: background delivery, held by the open breaker.
			_ = v.Track(core.ProductAddedToCart("p1"))
		})
		h := nethttp.Middleware(tr)(events)
		h.ServeHTTP(httptest.NewRecorder(), lifecycleRequest(context.Background()))
		if st := tr.Stats().Breaker; st != "open" {
			t.Fatalf("breaker %s", st)
		}
		u.failing.Store(false)
		// Event-only requests while the breaker is open: their calls are skipped and the
		// events queued for background delivery, which holds them for the cooldown.
		post := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = core.FromContext(r.Context()).Track(core.ProductAddedToCart("p2"))
		}))
		for range 400 {
			r := lifecycleRequest(context.Background())
			r.Method = http.MethodPost
			post.ServeHTTP(httptest.NewRecorder(), r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := tr.Close(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Close: %v (stats %+v)", err, tr.Stats().Dropped)
		}
	}
}

// slowSender stands for a process too busy to send its calls on time: each request goes out
// only after a delay on this side, while Personyze itself answers at once.
type slowSender struct {
	delay time.Duration
	next  http.RoundTripper
}

func (s slowSender) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return s.next.RoundTrip(r)
}

// TestOverloadKeepsPageViews: when this process is too slow to send its page calls within
// the budget (Personyze itself is fast), the pages render without recommendations, but the
// breaker does not blame Personyze, every page view reaches it soon after (not after a
// breaker cooldown), and the visitor's next page carries the session id that the late answer
// brought instead of asking for a new session, which would replace it.
func TestOverloadKeepsPageViews(t *testing.T) {
	e := newEnv(t, lifecyclePage, func(c *core.Config) {
		c.Timeout = 50 * time.Millisecond
		c.BreakerFailures = 3
		c.BreakerCooldown = time.Hour // a breaker that opened would hold the pages for good
		tr := http.DefaultTransport.(*http.Transport).Clone()
		c.Transport = slowSender{delay: 300 * time.Millisecond, next: tr}
	})
	browser := e.Browser()
	const pages = 8
	for i := range pages {
		_, body := e.Get(browser, "/products/p1")
		if !strings.Contains(body, "timeout") {
			t.Fatalf("page %d: outcome %q, want timeout (the test needs the budget to run out)", i, body)
		}
		// The late answer of this page's call arrives before the next page.
		deadline := time.Now().Add(10 * time.Second)
		for e.Tracker.Stats().Delivered < uint64(i+1) {
			if time.Now().After(deadline) {
				t.Fatalf("page %d: its call did not reach Personyze within 10 s (stats %+v)", i, e.Tracker.Stats())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if st := e.Tracker.Stats(); st.Breaker != "closed" {
		t.Fatalf("breaker %s after pages slowed by this process only", st.Breaker)
	}
	reqs := e.Sim.Requests()
	if len(reqs) != pages {
		t.Fatalf("Personyze saw %d calls, want %d", len(reqs), pages)
	}
	for i, r := range reqs[1:] {
		if r.SessionID == nil || r.NewSession {
			t.Fatalf("call %d sent session %v new_session %t: the late answer's session was lost", i+2, r.SessionID, r.NewSession)
		}
	}
}
