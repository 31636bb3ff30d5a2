package core

import (
	"bufio"
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// gate holds every tracker call until the test opens it, so that streaming tests assert
// the order of events (first byte, answer released, region) rather than timings.
type gate struct {
	once sync.Once
	open chan struct{}
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

// release lets the held calls and every later one through.
func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// streamWorld is a simulator behind a gate, a Tracker and a site whose pages render the
// region "recs" with personyzeRegion.
type streamWorld struct {
	t    *testing.T
	sim  *personyzetest.Server
	gate *gate
	tr   *Tracker
	site *httptest.Server
}

// streamPage is the page of the streaming tests: the region, then its blocking twin (the
// template rendered directly) for comparing the inline form, with a layout around them.
const streamPage = `{{define "recs"}}<ul class="recs">{{range .Personyze.Items}}<li>{{.Title}}</li>{{else}}<li class="fallback">Bestsellers</li>{{end}}</ul>{{end}}` +
	`{{define "page"}}<!doctype html><html><head><title>t</title></head><body><main>` +
	`<section id="region">{{personyzeRegion .Personyze "recs" .}}</section>` +
	`{{if .Twin}}<section id="twin">{{template "recs" .}}</section>{{end}}` +
	`<footer>end</footer></main></body></html>{{end}}`

func newStreamWorld(t *testing.T, adjust func(*Config)) *streamWorld {
	t.Helper()
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	t.Cleanup(sim.Close)
	g := newGate()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-g.open:
		case <-r.Context().Done():
			return
		}
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	cfg := Config{APIKey: sim.APIKey(), BaseURL: front.URL, Development: true, Timeout: 5 * time.Second,
		StreamBudget: 10 * time.Second, InlineWait: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	if adjust != nil {
		adjust(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tpl := tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).Parse(streamPage)))
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ex := tr.Begin(rw, r)
		if ex.Served() {
			return
		}
		defer ex.End()
		w, r := ex.Wrap(rw), ex.Request()
		v := FromContext(r.Context())
		_ = v.Track(ProductViewed("p1"))
		if csp := r.URL.Query().Get("csp"); csp != "" {
			w.Header().Set("Content-Security-Policy", csp)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		data := map[string]any{"Personyze": v, "Twin": r.URL.Query().Has("twin")}
		if err := tpl.ExecuteTemplate(w, "page", data); err != nil {
			t.Errorf("render: %v", err)
		}
	}))
	t.Cleanup(site.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Close(ctx)
	})
	t.Cleanup(g.release) // registered last, run first: Close does not wait for a held call
	return &streamWorld{t: t, sim: sim, gate: g, tr: tr, site: site}
}

// visitor returns a browser with a cookie jar.
func (sw *streamWorld) visitor() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// open requests path as a browser's navigation and returns the response, body unread.
func (sw *streamWorld) open(c *http.Client, path string, browser bool) *http.Response {
	sw.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sw.site.URL+path, nil)
	if browser {
		req.Header.Set("User-Agent", fuzzUA)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
	} else {
		req.Header.Set("User-Agent", "Googlebot/2.1 (+http://www.google.com/bot.html)")
	}
	resp, err := c.Do(req)
	if err != nil {
		sw.t.Fatalf("GET %s: %v", path, err)
	}
	sw.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readUntil reads from br until s has been read, and returns what was read.
func readUntil(t *testing.T, br *bufio.Reader, s string) string {
	t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), s) {
		c, err := br.ReadByte()
		if err != nil {
			t.Fatalf("stream ended before %q; read %q: %v", s, b.String(), err)
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TestRegionStreamsWhenSlow: with the answer held, the shell arrives with the fallback in
// place and everything that must precede the first byte, before the answer is released;
// released, the region arrives in the same response, before </body>.
func TestRegionStreamsWhenSlow(t *testing.T) {
	sw := newStreamWorld(t, nil)
	resp := sw.open(sw.visitor(), "/", true)
	// The header came while the answer is held.
	for name, want := range map[string]string{"X-Accel-Buffering": "no", "Cache-Control": "private", "Vary": "Cookie"} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(resp.Cookies()) == 0 {
		t.Error("no session cookie with the streamed shell")
	}
	br := bufio.NewReader(resp.Body)
	shell := readUntil(t, br, "<footer>end</footer></main>")
	if !strings.Contains(shell, `<section id="region"><?start name="pz1-recs"><ul class="recs"><li class="fallback">Bestsellers</li></ul><?end></section>`) {
		t.Errorf("shell without the fallback between markers:\n%s", shell)
	}
	sw.gate.release() // only now may Personyze answer
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	tail := string(rest)
	if !strings.HasPrefix(tail, `<template for="pz1-recs"><ul class="recs"><li>`) {
		t.Errorf("no streamed region after the shell: %q", tail)
	}
	if !strings.Contains(tail, `<script src="/personyze-stream.js?v=`) {
		t.Errorf("no stream script: %q", tail)
	}
	if !strings.HasSuffix(tail, "</template>"+string(sw.tr.swap.plain)+"</body></html>") {
		t.Errorf("the end of the body does not close the streamed response: %q", tail)
	}
}

// TestRegionInlineWhenQuick: answered within InlineWait, the region is what the blocking
// render of the same template gives, byte for byte: no markers, no script.
func TestRegionInlineWhenQuick(t *testing.T) {
	sw := newStreamWorld(t, func(c *Config) { c.InlineWait = 4 * time.Second })
	sw.gate.release()
	resp := sw.open(sw.visitor(), "/?twin", true)
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	region := between(body, `<section id="region">`, "</section>")
	twin := between(body, `<section id="twin">`, "</section>")
	if region == "" || region != twin || !strings.Contains(region, "<li>") || strings.Contains(region, "fallback") {
		t.Errorf("inline region %q differs from the blocking render %q", region, twin)
	}
	for _, no := range []string{"<?start", "<template", "<script", "X-Accel"} {
		if strings.Contains(body, no) {
			t.Errorf("inline page has %q: %s", no, body)
		}
	}
	if resp.Header.Get("X-Accel-Buffering") != "" {
		t.Error("inline page set X-Accel-Buffering")
	}
}

// between returns what lies between the first from and the next to in s.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, to)
	return in
}

// TestRegionNotStreamedToBots: a request that is not a tracked page view gets the region in
// place, without markers, whatever Personyze does.
func TestRegionNotStreamedToBots(t *testing.T) {
	sw := newStreamWorld(t, nil) // the gate stays closed: a bot makes no call
	resp := sw.open(sw.visitor(), "/", false)
	b, _ := io.ReadAll(resp.Body)
	if body := string(b); strings.Contains(body, "<?start") || strings.Contains(body, "<template") ||
		!strings.Contains(body, `<li class="fallback">`) || !strings.HasSuffix(body, "</body></html>") {
		t.Errorf("bot got streaming markup or no region: %s", body)
	}
}

// TestRegionPastBudget: past StreamBudget the fallback stays and the response ends cleanly.
func TestRegionPastBudget(t *testing.T) {
	sw := newStreamWorld(t, func(c *Config) { c.Timeout = 50 * time.Millisecond; c.StreamBudget = 100 * time.Millisecond })
	resp := sw.open(sw.visitor(), "/", true)
	b, err := io.ReadAll(resp.Body) // the gate never opens
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	if !strings.Contains(body, `<li class="fallback">`) || strings.Contains(body, "<template") || strings.Contains(body, "<script") ||
		!strings.HasSuffix(body, "<footer>end</footer></main></body></html>") {
		t.Errorf("past the budget: %s", body)
	}
}

// TestStreamedFirstPageKeepsSession: a new visitor's first page goes out before Personyze
// issued a session id; the next page still carries it (one session, no split).
func TestStreamedFirstPageKeepsSession(t *testing.T) {
	sw := newStreamWorld(t, nil)
	c := sw.visitor()
	resp := sw.open(c, "/", true)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "<?end>")
	sw.gate.release()
	_, _ = io.ReadAll(br)
	resp2 := sw.open(c, "/", true)
	_, _ = io.ReadAll(resp2.Body)
	reqs := sw.sim.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d calls, want 2", len(reqs))
	}
	first, second := reqs[0], reqs[len(reqs)-1]
	if first.UserID != second.UserID {
		t.Fatalf("two visitors: %d, %d", first.UserID, second.UserID)
	}
	if first.SessionID != nil {
		t.Errorf("a new visitor's first call sent session %q", *first.SessionID)
	}
	if second.SessionID == nil || *second.SessionID == "" || second.NewSession {
		t.Errorf("the second page lost the session the streamed first page was answered with: %+v", second)
	}
}

// TestStreamScriptUnderCSP: the script that puts regions in place takes the form the page's
// policy allows, and none when it allows none.
func TestStreamScriptUnderCSP(t *testing.T) {
	tests := []struct {
		csp, want string
	}{
		{"script-src 'nonce-abc123'", `<script nonce="abc123">`},
		{"script-src 'self'", `<script src="/personyze-stream.js?v=`},
		{"script-src 'none'", ""},
	}
	for _, tc := range tests {
		t.Run(tc.csp, func(t *testing.T) {
			sw := newStreamWorld(t, nil)
			resp := sw.open(sw.visitor(), "/?csp="+strings.ReplaceAll(tc.csp, " ", "+"), true)
			br := bufio.NewReader(resp.Body)
			readUntil(t, br, "<?end>")
			sw.gate.release()
			rest, _ := io.ReadAll(br)
			tail := string(rest)
			if tc.want == "" {
				if strings.Contains(tail, "<script") {
					t.Errorf("script under a policy that refuses it: %q", tail)
				}
				return
			}
			if !strings.Contains(tail, tc.want) {
				t.Errorf("want %q in %q", tc.want, tail)
			}
		})
	}
}

// TestInspectorShowsStreamed: the inspector's record of a page whose region was streamed
// says so (a page without regions says it did not: TestInspectorShowsThePage).
func TestInspectorShowsStreamed(t *testing.T) {
	sw := newStreamWorld(t, nil)
	events := openEvents(t, inspectorOf(t, sw.tr, InspectorOptions{}), "")
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "<footer>end</footer></main>") // the shell, while the answer is held
	sw.gate.release()
	if _, err := io.ReadAll(br); err != nil {
		t.Fatal(err)
	}
	e := events.next(t)
	if e.Path != "/" || !e.Streamed || e.Outcome != "ok" {
		t.Errorf("inspector shows %s streamed %t outcome %q, want / streamed true outcome ok", e.Path, e.Streamed, e.Outcome)
	}
}
