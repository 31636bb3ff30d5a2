package adaptertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core"
)

// Benchmark measures a returning visitor's product page view through an adapter, in
// sub-benchmarks run side by side so their ratios come from one run:
//
//   - PageView: page(tracker) with the adapter's middleware; the tracker's calls are answered
//     in memory (a session id and one JSON action of 10 items), so it measures the library
//     and the framework, not a network
//   - PageViewInspector: PageView with the live inspector mounted (Tracker.Inspector),
//     which records every request: what it costs while it is on
//   - BareHandler: page(nil), the same handler without the middleware: the floor
//   - GorillaSession: a plain gorilla/sessions cookie middleware that loads and saves one
//     string, the cost of the cookie session alone, for comparison
//   - Naive: the same page done the straightforward way, per request, as the seed's
//     example client does (cookie session, User-Agent parsed each time, encoding/json into
//     maps, http.Client), against the same in-memory upstream: what the library must beat
//
// Each runs once with one visitor after another (the names above: a page's latency on an
// idle server) and once with GOMAXPROCS visitors at once (ParallelPageView and so on: a
// page's cost on a busy server). Besides time and allocations, each reports the goroutines
// it started per page view.
//
// page must serve GET /products/{id}: track core.ProductViewed(id), read the Visit's items
// (failing b when a tracked page has none) and write a short body; with a nil tracker it
// installs no middleware.
func Benchmark(b *testing.B, page func(b *testing.B, tr *core.Tracker) http.Handler) {
	const path = "/products/p1"
	gorilla := func() http.Handler {
		store := sessions.NewCookieStore(sessionKeys()...)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := store.New(r, "app")
			s.Values["k"] = "1700000000 abcdef"
			_ = s.Save(r, w)
			_, _ = io.WriteString(w, "ok")
		})
	}
	// Each variant runs twice: one visitor after another (the latency of one page on an
	// otherwise idle server) and from GOMAXPROCS visitors at once (the CPU cost of a page on
	// a busy server, where handing the call to another goroutine is cheap).
	for _, par := range []struct {
		prefix string
		serve  func(*testing.B, http.Handler, string, bool)
	}{{"", serve}, {"Parallel", serveParallel}} {
		b.Run(par.prefix+"PageView", func(b *testing.B) {
			par.serve(b, page(b, benchTracker(b)), path, true)
		})
		b.Run(par.prefix+"PageViewInspector", func(b *testing.B) {
			tr := benchTracker(b)
			tr.Inspector(core.InspectorOptions{}) // records every request from now on
			par.serve(b, page(b, tr), path, true)
		})
		b.Run(par.prefix+"BareHandler", func(b *testing.B) {
			par.serve(b, page(b, nil), path, false)
		})
		b.Run(par.prefix+"GorillaSession", func(b *testing.B) {
			par.serve(b, gorilla(), path, true)
		})
		b.Run(par.prefix+"Naive", func(b *testing.B) {
			par.serve(b, naivePage(b, newCannedTransport()), path, true)
		})
	}
}

// cannedTransport answers every tracker call in memory with one JSON action of 10 items.
type cannedTransport struct{ body []byte }

// newCannedTransport returns an http.RoundTripper that answers every tracker call in memory
// with the same response: a session id and one JSON action of 10 product items.
func newCannedTransport() http.RoundTripper {
	items := make([]string, 0, 10)
	for i := range 10 {
		items = append(items, fmt.Sprintf(`{"internal_id":"p%d","title":"Product %d","url":"/products/p%d","image":"/static/p%d.svg","price":"%d.99"}`, i, i, i, i, 10+i))
	}
	data := strings.ReplaceAll(strings.Join(items, ","), `"`, `\"`)
	return &cannedTransport{body: []byte(`{"session_id":"1700000000 abcdef","cache_version":1,"conditions":[{"id":5}],"actions":[{"id":101,"data":{"data":"` + data + `"}}],"dismiss_conditions":[],"dismiss_actions":[]}`)}
}

// RoundTrip drains the request and returns the canned answer.
func (u *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(u.body)), ContentLength: int64(len(u.body)), Request: r}, nil
}

// benchTracker returns a Tracker whose calls are answered by the canned transport. It is
// closed when tb ends.
func benchTracker(tb testing.TB) *core.Tracker {
	tb.Helper()
	tr, err := core.New(core.Config{APIKey: strings.Repeat("A", 40), BaseURL: "http://127.0.0.1:1/rest/",
		SessionKeys: sessionKeys(), Transport: newCannedTransport(),
		// A loaded machine must not turn the benchmark into one of the timeout path.
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return tr
}

// returningVisitor makes a first page view of path through h and returns a request for
// path that carries the cookies it set: a returning visitor. With wantCookie, it fails tb
// when the first view set no cookie (use false for a handler without the middleware).
func returningVisitor(tb testing.TB, h http.Handler, path string, wantCookie bool) *http.Request {
	tb.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, browserRequest(path))
	cookies := w.Result().Cookies()
	if wantCookie && len(cookies) == 0 {
		tb.Fatal("the first page view set no cookie")
	}
	r := browserRequest(path)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func browserRequest(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	SetBrowserHeaders(r.Header)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	return r
}

// serve measures h serving path to a returning visitor (its cookies from a first view;
// withMiddleware fails b when that view set no cookie), with allocations and goroutines
// started per page view reported.
func serve(b *testing.B, h http.Handler, path string, withMiddleware bool) {
	b.Helper()
	r := returningVisitor(b, h, path, withMiddleware)
	b.ReportAllocs()
	g := startGoroutineCount()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	g.report(b)
}

// serveParallel is serve with GOMAXPROCS returning visitors at once (b.RunParallel).
func serveParallel(b *testing.B, h http.Handler, path string, withMiddleware bool) {
	b.Helper()
	r := returningVisitor(b, h, path, withMiddleware)
	b.ReportAllocs()
	g := startGoroutineCount()
	b.RunParallel(func(pb *testing.PB) {
		r := r.Clone(r.Context()) // one request per visitor: handlers may annotate theirs
		for pb.Next() {
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
	})
	g.report(b)
}

// goroutineCount reports the goroutines a benchmark started per operation: each one is a
// hand-off between threads that an idle machine pays for in wake-ups.
type goroutineCount struct{ sample []metrics.Sample }

func startGoroutineCount() goroutineCount {
	g := goroutineCount{sample: []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}}
	metrics.Read(g.sample)
	return g
}

func (g goroutineCount) report(b *testing.B) {
	if g.sample[0].Value.Kind() != metrics.KindUint64 {
		return // a Go without the metric
	}
	before := g.sample[0].Value.Uint64()
	metrics.Read(g.sample)
	b.ReportMetric(float64(g.sample[0].Value.Uint64()-before)/float64(b.N), "goroutines/op")
}
