package core

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// breakerWorld is a Tracker whose breaker opens on the first failure, over an in-memory
// upstream that fails with 503 until recovered and records when it was called.
type breakerWorld struct {
	tr      *Tracker
	failing atomic.Bool
	logs    syncBuf
	mu      sync.Mutex
	calls   []time.Time
}

func newBreakerWorld(t *testing.T, cooldown time.Duration) *breakerWorld {
	t.Helper()
	w := &breakerWorld{}
	w.failing.Store(true)
	tr, err := New(Config{APIKey: strings.Repeat("K", 40),
		SessionKeys: [][]byte{bytes.Repeat([]byte("h"), 64), bytes.Repeat([]byte("b"), 32)},
		Logger:      slog.New(slog.NewTextHandler(&w.logs, nil)),
		Timeout:     time.Second, BreakerFailures: 1, BreakerCooldown: cooldown,
		RetryBackoff: 10 * time.Millisecond, MaxRetries: 1,
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.mu.Lock()
			w.calls = append(w.calls, time.Now())
			w.mu.Unlock()
			if w.failing.Load() {
				return &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("down")), Request: r}, nil
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"session_id":"1764300000 ab12","actions":[]}`)), Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	w.tr = tr
	return w
}

// page serves one page view and returns its outcome.
func (w *breakerWorld) page() Outcome {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("User-Agent", fuzzUA)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	ex := w.tr.Begin(httptest.NewRecorder(), r)
	v := ex.Visit()
	_ = v.Items()
	ex.End()
	return v.Outcome()
}

// outage opens the breaker with one failing page, lets Personyze recover (which the breaker
// cannot know before its probe) and serves n pages that the open breaker shields.
func (w *breakerWorld) outage(t *testing.T, n int) {
	t.Helper()
	if o := w.page(); o != OutcomeUnavailable {
		t.Fatalf("first page: %v, want unavailable", o)
	}
	if st := w.tr.Stats().Breaker; st != "open" {
		t.Fatalf("breaker %s after a failure", st)
	}
	w.failing.Store(false)
	for i := range n {
		if o := w.page(); o != OutcomeBreakerOpen {
			t.Fatalf("page %d: %v, want breaker_open", i, o)
		}
	}
}

func (w *breakerWorld) callTimes() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// assertAllDelivered checks that the first page's call, its one retry and each shielded
// page's request reached the upstream exactly once, and nothing was dropped.
func (w *breakerWorld) assertAllDelivered(t *testing.T, shielded int) {
	t.Helper()
	st := w.tr.Stats()
	if n := len(w.callTimes()); n != 2+shielded {
		t.Errorf("%d upstream calls, want %d", n, 2+shielded)
	}
	if st.Pending != 0 || st.Delivered != uint64(1+shielded) || st.Retries != 1 || st.Deferred < uint64(1+shielded) {
		t.Errorf("Stats: pending %d delivered %d retries %d deferred %d", st.Pending, st.Delivered, st.Retries, st.Deferred)
	}
	for reason, n := range st.Dropped {
		if n != 0 {
			t.Errorf("dropped %d for %s:\n%s", n, reason, w.logs.String())
		}
	}
}

// TestDeliveryWaitsForOpenBreaker: while the breaker is open, background delivery sends
// nothing (it would only load a failing Personyze, and this process), and sends every
// waiting request once the cooldown is over, without having spent a retry attempt on the
// wait. The check is on timestamps, not on sleeps: no upstream call may happen between
// the call that opened the breaker and the end of its cooldown.
func TestDeliveryWaitsForOpenBreaker(t *testing.T) {
	const cooldown, shielded = 600 * time.Millisecond, 5
	w := newBreakerWorld(t, cooldown)
	w.outage(t, shielded)
	openUntil := time.Unix(0, w.tr.openUntil.Load())
	deadline := time.Now().Add(cooldown + 5*time.Second)
	for w.tr.Stats().Pending != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i, at := range w.callTimes()[1:] {
		if at.Before(openUntil) {
			t.Errorf("upstream call %d at %v, %v before the cooldown ended", i+2, at, openUntil.Sub(at))
		}
	}
	w.assertAllDelivered(t, shielded)
	if err := w.tr.Close(t.Context()); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestCloseSendsWhatWaitsForTheBreaker: at shutdown no page is left to shield, and the
// deadline may be shorter than the cooldown, so Close sends the requests that were waiting
// for the breaker at once instead of reporting them undelivered.
func TestCloseSendsWhatWaitsForTheBreaker(t *testing.T) {
	const shielded = 3
	w := newBreakerWorld(t, time.Hour)
	w.outage(t, shielded)
	deadline := time.Now().Add(5 * time.Second) // until every request waits for the breaker
	for w.tr.Stats().Deferred < 1+shielded && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(w.callTimes()); n != 1 {
		t.Fatalf("%d upstream calls while the breaker is open, want 1 (the page's own)", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := w.tr.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	w.assertAllDelivered(t, shielded)
}
