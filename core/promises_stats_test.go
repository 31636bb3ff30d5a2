package core

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/delivery"
)

// rtFunc is an in-memory upstream.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// syncBuf is a log sink safe for the background goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFailureLineIsReadableAndStatsAgree: one failed page produces one line that explains
// the incident (outcome, status, retry_after, error, waited, stale, breaker) without the
// key, and Stats count the same call.
func TestFailureLineIsReadableAndStatsAgree(t *testing.T) {
	key := strings.Repeat("Z", 40)
	var logs syncBuf
	tr, err := New(Config{APIKey: key, SessionKeys: [][]byte{bytes.Repeat([]byte("h"), 64), bytes.Repeat([]byte("b"), 32)},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), BreakerFailures: 100, MaxRetries: -1,
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			_, _ = io.Copy(io.Discard, r.Body)
			return &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"7"}},
				Body: io.NopCloser(strings.NewReader("maintenance")), Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("User-Agent", fuzzUA)
		r.Header.Set("Accept", "text/html") // a browser navigating to a page
		ex := tr.Begin(httptest.NewRecorder(), r)
		v := ex.Visit()
		_ = v.Items()
		ex.End()
		if v.Outcome() != OutcomeUnavailable {
			t.Fatalf("outcome %v", v.Outcome())
		}
	}
	waitStats := func() Stats {
		deadline := time.Now().Add(2 * time.Second)
		for tr.Stats().Pending != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		return tr.Stats()
	}
	st := waitStats()
	var lines []string
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "without fresh recommendations") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d failure lines for 3 pages:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{`"outcome":"unavailable"`, `"status":503`, `"retry_after":7000000000`, `"error":"`, `"waited":`, `"stale":false`, `"breaker":"closed"`, "maintenance"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("failure line lacks %s: %s", want, lines[0])
		}
	}
	if out := logs.String(); strings.Contains(out, key) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("api:"+key))) {
		t.Errorf("key in logs: %s", out)
	}
	if st.Calls != 3 || st.Outcomes["unavailable"] != 3 || st.SuppressedLogs < 2 {
		t.Errorf("Stats: calls %d outcomes %v suppressed %d", st.Calls, st.Outcomes, st.SuppressedLogs)
	}
	var n uint64
	for _, b := range st.Latency {
		n += b.Count
	}
	if n != 3 || st.Breaker != "closed" {
		t.Errorf("latency histogram %d entries, breaker %s", n, st.Breaker)
	}
	// MaxRetries < 0: each page call's commands are dropped after the one attempt.
	if st.Dropped[delivery.DropRetries] != 3 || st.Pending != 0 {
		t.Errorf("dropped %v pending %d", st.Dropped, st.Pending)
	}
	if err := tr.Close(t.Context()); err != nil {
		t.Errorf("Close: %v", err)
	}
}
