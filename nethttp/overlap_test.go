package nethttp_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// overlapAnswer is a tracker answer with one JSON action of two items.
const overlapAnswer = `{"session_id":"1700000000 abc","cache_version":1,"conditions":[{"id":5}],` +
	`"actions":[{"id":101,"data":{"data":"{\"internal_id\":\"p1\",\"title\":\"One\"},{\"internal_id\":\"p2\",\"title\":\"Two\"}"}}]}`

// upstreamFunc answers tracker calls in memory: arrived is called with each request body
// before the answer, which comes after delay.
type upstreamFunc struct {
	delay   time.Duration
	arrived func(body []byte)
}

func (u upstreamFunc) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if u.arrived != nil {
		u.arrived(body)
	}
	if u.delay > 0 {
		select {
		case <-time.After(u.delay):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(overlapAnswer)), ContentLength: int64(len(overlapAnswer)), Request: r}, nil
}

func overlapTracker(tb testing.TB, up http.RoundTripper) *core.Tracker {
	tb.Helper()
	tr, err := core.New(core.Config{APIKey: strings.Repeat("A", 40), BaseURL: "http://127.0.0.1:1/rest/",
		SessionKeys: testKeys, Transport: up, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

func overlapRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
	adaptertest.SetBrowserHeaders(r.Header)
	return r
}

// returningVisitor makes a first page view through h and returns a request that carries
// the cookies it set.
func returningVisitor(tb testing.TB, h http.Handler) *http.Request {
	tb.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, overlapRequest())
	r := overlapRequest()
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	if len(r.Cookies()) == 0 {
		tb.Fatal("the first page view set no cookie")
	}
	return r
}

// TestStartOverlapsTheHandler: after Start the call reaches Personyze while the handler is
// still at work (the handler waits for it, so without Start it would wait in vain), the
// page's commands travel in it, the recommendations are read from it, and a command
// tracked after Start is delivered in the background.
func TestStartOverlapsTheHandler(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	arrived := make(chan struct{}, 4)
	tr := overlapTracker(t, upstreamFunc{arrived: func(b []byte) {
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		arrived <- struct{}{}
	}})
	h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed("p1"))
		v.Start()
		v.Start() // a second Start changes nothing
		select {
		case <-arrived: // the handler's "work" ends when the call has reached Personyze
		case <-time.After(10 * time.Second):
			t.Error("the call did not start while the handler worked")
		}
		_ = v.Track(core.ProductAddedToCart("p2"))
		if items := v.Items(); len(items) != 2 || items[1].Title() != "Two" {
			t.Errorf("items %v", items)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, overlapRequest())
	if w.Code != http.StatusOK || len(w.Result().Cookies()) == 0 {
		t.Fatalf("status %d, cookies %v", w.Code, w.Result().Cookies())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("%d calls, want the page's and one in the background: %q", len(bodies), bodies)
	}
	page, later := bodies[0], bodies[1]
	if !strings.Contains(page, `"Product Viewed","p1"`) || !strings.Contains(page, "Navigate") || strings.Contains(page, "cart") {
		t.Errorf("page call %s", page)
	}
	if !strings.Contains(later, `"Product Added to cart","p2"`) || strings.Contains(later, "Navigate") {
		t.Errorf("background call %s", later)
	}
}

// BenchmarkOverlap is a page whose handler works 20 ms against a Personyze answering in
// 50 ms: Sequential reads the recommendations after its work (about 70 ms a page), Start
// starts the call before the work (about 50 ms).
func BenchmarkOverlap(b *testing.B) {
	for _, start := range []bool{false, true} {
		name := map[bool]string{false: "Sequential", true: "Start"}[start]
		b.Run(name, func(b *testing.B) {
			tr := overlapTracker(b, upstreamFunc{delay: 50 * time.Millisecond})
			defer func() { _ = tr.Close(context.Background()) }()
			h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v := core.FromContext(r.Context())
				_ = v.Track(core.ProductViewed("p1"))
				if start {
					v.Start()
				}
				time.Sleep(20 * time.Millisecond) // the handler's own work
				var buf bytes.Buffer
				for _, it := range v.Items() {
					buf.WriteString(it.Title())
				}
				if buf.Len() == 0 {
					b.Error("no items")
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write(buf.Bytes())
			}))
			r := returningVisitor(b, h)
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}
