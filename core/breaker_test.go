package core

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// refusedPage serves one request whose call holds a command too big for any call, as if it
// had slipped past Track's check (the visitor fields grew after it was tracked): a page view
// (GET, with its Navigate) or an event-only POST, where the big command is all there is.
func (w *breakerWorld) refusedPage(method string) *Visit {
	r := httptest.NewRequest(method, "/", nil)
	r.Header.Set("User-Agent", fuzzUA)
	r.Header.Set("Accept", "text/html")
	ex := w.tr.Begin(httptest.NewRecorder(), r)
	v := ex.Visit()
	v.mu.Lock()
	v.queued = append(v.queued, Command{w: wire.Command{Name: cmdProductViewed,
		Args: []string{strings.Repeat("x", wire.MaxRequestBytes)}}, kind: cmdItem})
	v.mu.Unlock()
	if method == http.MethodGet {
		_ = v.Items()
	}
	ex.End()
	return v
}

// TestLocalRefusalBypassesBreaker: what the library refuses itself says nothing about
// Personyze. Such calls never count as breaker failures (with BreakerFailures 1, one would
// open it), never take the half-open probe, and a page loses only the refused command:
// the rest of its call goes out.
func TestLocalRefusalBypassesBreaker(t *testing.T) {
	w := newBreakerWorld(t, 200*time.Millisecond)
	w.failing.Store(false)

	for i := range 5 {
		if v := w.refusedPage(http.MethodPost); v.Outcome() != OutcomeInvalid || !strings.Contains(errString(v.Err()), "too big") {
			t.Fatalf("POST %d: %v (%v), want invalid: request too big", i, v.Outcome(), v.Err())
		}
		if v := w.refusedPage(http.MethodGet); v.Outcome() != OutcomeOK {
			t.Fatalf("page %d: %v (%v), want ok: the Navigate goes without the refused command", i, v.Outcome(), v.Err())
		}
	}
	st := w.tr.Stats()
	if st.Breaker != "closed" || st.Outcomes["invalid"] != 5 || st.Outcomes["ok"] != 5 || st.Dropped["too_big"] != 10 {
		t.Fatalf("breaker %s, outcomes %v, dropped %v: want closed, 5 invalid, 5 ok, 10 too_big", st.Breaker, st.Outcomes, st.Dropped)
	}
	if n := len(w.callTimes()); n != 5 {
		t.Errorf("%d upstream calls, want 5 (the pages' Navigates, never the refused command)", n)
	}

	// Half-open: a refused call must leave the one probe to a call that can tell.
	w.failing.Store(true)
	if o := w.page(); o != OutcomeUnavailable {
		t.Fatalf("failing page: %v", o)
	}
	w.failing.Store(false)
	for deadline := time.Now().Add(10 * time.Second); w.tr.breaker.State().String() != "half-open"; {
		if time.Now().After(deadline) {
			t.Fatal("breaker never half-open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := w.refusedPage(http.MethodPost); v.Outcome() != OutcomeInvalid {
		t.Fatalf("refused POST in half-open: %v", v.Outcome())
	}
	if o := w.page(); o != OutcomeOK {
		t.Fatalf("page after the refused call: %v, want ok (the probe)", o)
	}
	if st := w.tr.Stats().Breaker; st != "closed" {
		t.Errorf("breaker %s after a good probe, want closed", st)
	}
}
