package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// promApp is the app of the promise tests: every page reports what its Visit saw in one
// parseable line, so a test can check outcome, timing and identity per response.
//
//	GET  /            page view
//	GET  /p/{id}      page view with Product Viewed {id}
//	GET  /late/{id}   page view; Article Viewed {id} tracked after the page call
//	POST /cart/{id}   event only (no Navigate)
//	GET  /static/x.css  ignored by the classifier (used to warm connections)
func promApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", report)
	mux.HandleFunc("GET /p/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed(r.PathValue("id")))
		report(w, r)
	})
	mux.HandleFunc("GET /late/{id}", func(w http.ResponseWriter, r *http.Request) {
		report(w, r)
		_ = core.FromContext(r.Context()).Track(core.ArticleViewed(r.PathValue("id")))
	})
	mux.HandleFunc("POST /cart/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductAddedToCart(r.PathValue("id")))
		report(w, r)
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed("p1"))
		if err := v.Track(core.UserProfile("bio", strings.Repeat("x", 60000))); err != nil {
			w.Header().Set("X-Track-Error", err.Error())
		}
		report(w, r)
	})
	mux.HandleFunc("GET /static/x.css", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("body{}")) })
	return mux
}

// report writes the Visit's view of the page: items first (that makes the call). They are
// counted through the actions, which, unlike Visit.Items, reports no "executed" status: the
// promises count the commands the pages track, exactly.
func report(w http.ResponseWriter, r *http.Request) {
	v := core.FromContext(r.Context())
	items := 0
	for _, a := range v.Actions() {
		items += len(a.Items())
	}
	call := v.Call()
	errText := ""
	if err := v.Err(); err != nil {
		errText = strconv.Quote(err.Error())
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "outcome=%s items=%d stale=%t waited=%d uid=%d sid=%s visitor=%s err=%s",
		v.Outcome(), items, v.Stale(), call.Duration.Microseconds(), v.UserID(), url.QueryEscape(v.SessionID()),
		r.Header.Get("X-Visitor"), errText)
}

// page is a parsed report line plus what the browser saw.
type page struct {
	status  int
	took    time.Duration
	outcome string
	items   int
	stale   bool
	waited  time.Duration
	uid     uint32
	sid     string
	visitor string
	err     string
	cookies []*http.Cookie
	hdr     http.Header
	body    string
}

func parsePage(status int, took time.Duration, body string, cookies []*http.Cookie) page {
	p := page{status: status, took: took, cookies: cookies, body: body}
	head, errPart, _ := strings.Cut(body, " err=")
	p.err = errPart
	for f := range strings.FieldsSeq(head) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "outcome":
			p.outcome = v
		case "items":
			p.items, _ = strconv.Atoi(v)
		case "stale":
			p.stale = v == "true"
		case "waited":
			us, _ := strconv.ParseInt(v, 10, 64)
			p.waited = time.Duration(us) * time.Microsecond
		case "uid":
			u, _ := strconv.ParseUint(v, 10, 32)
			p.uid = uint32(u)
		case "sid":
			p.sid, _ = url.QueryUnescape(v)
		case "visitor":
			p.visitor = v
		}
	}
	return p
}

// visit fetches path as browser c, timing the whole round trip. It does not fail the test on
// a transport error (load tests collect them); status is 0 then.
func (e *env) visit(c *http.Client, method, path string, hdr ...string) page {
	req, _ := http.NewRequest(method, e.App.URL+path, nil)
	req.Header.Set("User-Agent", adaptertest.ChromeUA)
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return page{err: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := parsePage(resp.StatusCode, time.Since(start), string(b), resp.Cookies())
	p.hdr = resp.Header
	return p
}

// newPromEnv starts the promise app on a simulator with opts and the tracker config mut.
func newPromEnv(t *testing.T, opts personyzetest.Options, mut func(*core.Config)) *env {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	return newEnvWith(t, promApp(), opts, mut)
}

// closeNow closes the tracker with a short deadline so a test does not wait for retries it
// does not care about (the env cleanup's second Close is a harmless no-op).
func closeNow(e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = e.Tracker.Close(ctx)
}

// logLines returns the captured log lines whose text contains every one of parts.
func logLines(l *adaptertest.LogBuffer, parts ...string) []string {
	var out []string
	for line := range strings.Lines(l.String()) {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return out
}

// waitFor polls cond every 10 ms until it holds or d passes: for background delivery,
// which runs on real timers by design (backoff, Retry-After).
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// simCommands counts, per command name, the commands the simulator processed (applied to
// visitor state) across all recorded requests.
func simCommands(sim *personyzetest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range sim.Requests() {
		if r.ResponseSessionID == "" {
			continue
		}
		for _, c := range r.Commands {
			out[c.Name]++
		}
	}
	return out
}

// droppedTotal sums Stats.Dropped.
func droppedTotal(s core.Stats) uint64 {
	var n uint64
	for _, v := range s.Dropped {
		n += v
	}
	return n
}
