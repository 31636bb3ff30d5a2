package core

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDeliveryWaitsForOpenBreaker: while the breaker is open, background delivery sends
// nothing (it would only load a failing Personyze, and this process), and sends every
// waiting request once the cooldown is over, without having spent a retry attempt on the
// wait. The check is on timestamps, not on sleeps: no upstream call may happen between
// the call that opened the breaker and the end of its cooldown.
func TestDeliveryWaitsForOpenBreaker(t *testing.T) {
	const cooldown = 600 * time.Millisecond
	var failing atomic.Bool
	failing.Store(true)
	var mu sync.Mutex
	var calls []time.Time
	var logs syncBuf
	tr, err := New(Config{APIKey: strings.Repeat("K", 40),
		SessionKeys: [][]byte{bytes.Repeat([]byte("h"), 64), bytes.Repeat([]byte("b"), 32)},
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
		Timeout:     time.Second, BreakerFailures: 1, BreakerCooldown: cooldown,
		RetryBackoff: 10 * time.Millisecond, MaxRetries: 1,
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			calls = append(calls, time.Now())
			mu.Unlock()
			if failing.Load() {
				return &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("down")), Request: r}, nil
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"session_id":"1764300000 ab12","actions":[]}`)), Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	page := func() Outcome {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("User-Agent", fuzzUA)
		v, _ := tr.Begin(httptest.NewRecorder(), r)
		_ = v.Items()
		v.End()
		return v.Outcome()
	}
	if o := page(); o != OutcomeUnavailable {
		t.Fatalf("first page: %v, want unavailable", o)
	}
	openUntil := time.Unix(0, tr.openUntil.Load())
	if tr.Stats().Breaker != "open" || openUntil.IsZero() {
		t.Fatalf("breaker %s, open until %v", tr.Stats().Breaker, openUntil)
	}
	failing.Store(false) // Personyze is back, but the breaker cannot know before its probe
	const shielded = 5
	for i := range shielded {
		if o := page(); o != OutcomeBreakerOpen {
			t.Fatalf("page %d: %v, want breaker_open", i, o)
		}
	}
	deadline := time.Now().Add(cooldown + 5*time.Second)
	for tr.Stats().Pending != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	st := tr.Stats()
	mu.Lock()
	defer mu.Unlock()
	for i, at := range calls[1:] {
		if at.Before(openUntil) {
			t.Errorf("upstream call %d at %v, %v before the cooldown ended", i+2, at, openUntil.Sub(at))
		}
	}
	// The first page's call, its one retry, and each shielded page's request once.
	if want := 2 + shielded; len(calls) != want {
		t.Errorf("%d upstream calls, want %d", len(calls), want)
	}
	if st.Pending != 0 || st.Delivered != 1+shielded || st.Retries != 1 || st.Deferred < 1+shielded {
		t.Errorf("Stats: pending %d delivered %d retries %d deferred %d", st.Pending, st.Delivered, st.Retries, st.Deferred)
	}
	for reason, n := range st.Dropped {
		if n != 0 {
			t.Errorf("dropped %d for %s:\n%s", n, reason, logs.String())
		}
	}
	if err := tr.Close(t.Context()); err != nil {
		t.Errorf("Close: %v", err)
	}
}
