package core_test

import (
	"context"
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
	"github.com/gopersonyze/personyze/nethttp"
)

// upstream is an in-memory Personyze: it answers each call that carries a page view with
// the next status of its script (200 once the script is used up), and every other call 200.
type upstream struct {
	mu     sync.Mutex
	script []int
}

const okBody = `{"session_id":"1700000000 abc","cache_version":1,"conditions":[],"actions":[{"id":7,"data":{"data":"{\"internal_id\":\"p1\"}"}}],"dismiss_conditions":[],"dismiss_actions":[]}`

func (u *upstream) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	status := 200
	if len(u.script) > 0 && strings.Contains(string(body), "Navigate") {
		status, u.script = u.script[0], u.script[1:]
	}
	u.mu.Unlock()
	answer := okBody
	if status != 200 {
		answer = "maintenance"
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
}

// recorder collects CallInfos.
type recorder struct {
	mu    sync.Mutex
	calls []core.CallInfo
}

func (r *recorder) add(ci core.CallInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, ci)
}

func (r *recorder) get() []core.CallInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]core.CallInfo(nil), r.calls...)
}

type ctxKey struct{}

// hookApp serves one product page through the nethttp middleware; each request carries a
// context value, as a tracing middleware in front would.
func hookApp(t *testing.T, cfg core.Config) (*core.Tracker, func(path string)) {
	t.Helper()
	cfg.APIKey = strings.Repeat("Z", 40)
	cfg.Development = true
	cfg.Logger = slog.New(slog.DiscardHandler)
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		v.Track(core.ProductViewed("p1"))
		_ = v.Actions()                        // the page's call (Items would add an "executed" report to the background call)
		v.Track(core.ProductAddedToCart("p1")) // after the page's call: background delivery
		_, _ = io.WriteString(w, "ok")
	}))
	return tr, func(path string) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
		r.Header.Set("Accept", "text/html") // a browser navigating to a page
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, path))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

func closeTracker(t *testing.T, tr *core.Tracker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOnCallReportsPageAndBackgroundCalls(t *testing.T) {
	var rec recorder
	up := &upstream{}
	tr, get := hookApp(t, core.Config{OnCall: rec.add, Transport: up, Timeout: 5 * time.Second})
	get("/products/p1")
	closeTracker(t, tr)

	calls := rec.get()
	if len(calls) != 2 {
		t.Fatalf("%d calls reported, want the page call and the background one: %+v", len(calls), calls)
	}
	page, bg := calls[0], calls[1]
	if page.Background {
		page, bg = bg, page
	}
	if page.Background || !bg.Background {
		t.Fatalf("want one page and one background call: %+v", calls)
	}
	if got := page.Context.Value(ctxKey{}); got != "/products/p1" {
		t.Errorf("page call context lost the request's values: %v", got)
	}
	if bg.Context.Value(ctxKey{}) != nil {
		t.Errorf("background call carries request values")
	}
	for _, c := range calls {
		if c.Outcome != core.OutcomeOK || c.Err != nil || c.StatusCode != 200 || c.Attempt != 1 || c.Breaker != "closed" {
			t.Errorf("call %+v, want ok, 200, attempt 1, breaker closed", c)
		}
		if c.RequestBytes < 50 || c.ResponseBytes != len(okBody) {
			t.Errorf("bytes %d/%d, want a request body and %d response bytes", c.RequestBytes, c.ResponseBytes, len(okBody))
		}
		if c.Latency <= 0 || c.Start.IsZero() || time.Since(c.Start) < c.Latency {
			t.Errorf("start %v latency %v", c.Start, c.Latency)
		}
	}
	if page.Commands != 2 || bg.Commands != 1 { // Product Viewed + Navigate; Product Added to cart
		t.Errorf("commands page %d background %d, want 2 and 1", page.Commands, bg.Commands)
	}
}

func TestOnCallReportsRetries(t *testing.T) {
	var rec recorder
	up := &upstream{script: []int{503, 429}} // page call, first retry; the second retry succeeds
	tr, get := hookApp(t, core.Config{OnCall: rec.add, Transport: up, Timeout: 5 * time.Second,
		RetryBackoff: time.Millisecond, BreakerFailures: 100})
	get("/products/p1")
	closeTracker(t, tr)

	var attempts []int
	var outcomes []core.Outcome
	for _, c := range rec.get() {
		if c.Commands >= 2 { // the page's request, wherever it was sent (its retry may carry the later event too)
			attempts = append(attempts, c.Attempt)
			outcomes = append(outcomes, c.Outcome)
		}
	}
	want := []core.Outcome{core.OutcomeUnavailable, core.OutcomeRateLimited, core.OutcomeOK}
	if len(outcomes) != 3 || outcomes[0] != want[0] || outcomes[1] != want[1] || outcomes[2] != want[2] ||
		attempts[0] != 1 || attempts[1] != 2 || attempts[2] != 3 {
		t.Fatalf("attempts %v outcomes %v, want 1,2,3 and %v", attempts, outcomes, want)
	}
}

func TestOnCallPanicDoesNotBreakThePage(t *testing.T) {
	var n atomic.Int32
	tr, get := hookApp(t, core.Config{Transport: &upstream{}, Timeout: 5 * time.Second,
		OnCall: func(core.CallInfo) { n.Add(1); panic("hook bug") }})
	get("/products/p1")
	get("/products/p2")
	closeTracker(t, tr)
	if n.Load() != 4 {
		t.Errorf("hook called %d times, want 4", n.Load())
	}
	s := tr.Stats()
	if s.Outcomes["ok"] != 2 || s.Delivered != 4 { // two page calls, two background ones
		t.Errorf("stats after a panicking hook: %+v", s)
	}
}

func TestStatsOverflowBucket(t *testing.T) {
	tr, get := hookApp(t, core.Config{Transport: &upstream{}})
	get("/")
	closeTracker(t, tr)
	lat := tr.Stats().Latency
	last := lat[len(lat)-1]
	if !last.Overflow || last.UpperBound <= lat[len(lat)-2].UpperBound || last.String() != "le=+Inf:0" {
		t.Errorf("overflow bucket %+v prints %q", last, last.String())
	}
	var total uint64
	for _, b := range lat[:len(lat)-1] {
		if b.Overflow || b.UpperBound <= 0 {
			t.Errorf("bucket %v", b)
		}
		total += b.Count
	}
	if total != 1 || !strings.HasPrefix(lat[0].String(), "le=5ms:") {
		t.Errorf("buckets %v", lat)
	}
}

// BenchmarkPageViewOnCall measures a page view without a hook (the default) and with a
// trivial one: the unset hook must cost nothing measurable.
func BenchmarkPageViewOnCall(b *testing.B) {
	for _, bc := range []struct {
		name string
		hook func(core.CallInfo)
	}{{"unset", nil}, {"set", func(core.CallInfo) {}}} {
		b.Run(bc.name, func(b *testing.B) {
			tr, err := core.New(core.Config{APIKey: strings.Repeat("Z", 40), Development: true,
				Logger: slog.New(slog.DiscardHandler), Transport: &upstream{}, OnCall: bc.hook})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close(context.Background())
			h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = core.FromContext(r.Context()).Items()
			}))
			r := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
			r.Header.Set("Accept", "text/html") // a browser navigating to a page
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
