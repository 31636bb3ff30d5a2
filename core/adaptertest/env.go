package adaptertest

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// Env is one test's world: a personyzetest simulator, a Tracker talking to it, and an
// application behind the Tracker served on 127.0.0.1, all stopped when the test ends. The
// scenarios of Run use it; adapter authors and applications can use it to test their own
// pages behind the middleware.
type Env struct {
	t       *testing.T
	Sim     *personyzetest.Server
	Tracker *core.Tracker
	App     *httptest.Server
	// Log holds everything the Tracker logged, as text lines.
	Log *LogBuffer
}

// EnvOptions adjust NewEnv.
type EnvOptions struct {
	// Sim configures the simulator.
	Sim personyzetest.Options
	// Config, when set, adjusts the Tracker's configuration before core.New. It starts with
	// the simulator's key and URL, fixed session keys, a 5 s Timeout (generous: a loaded
	// machine must not turn tests into timeout tests) and Log as the logger.
	Config func(*core.Config)
	// CloseWait bounds the Tracker.Close at the end of the test. Default 2 s; keep it short
	// where hung calls are to be abandoned, not waited for.
	CloseWait time.Duration
}

// NewEnv starts a world: app receives the Tracker and returns the application's handler
// with the adapter's middleware in front. When the test ends, after the Tracker delivered
// what it held, every call the simulator recorded is checked for action statuses that
// Personyze's SDKs never send (see personyzetest.Request.DuplicateStatuses): one fails
// the test.
func NewEnv(t *testing.T, app func(*core.Tracker) http.Handler, o EnvOptions) *Env {
	t.Helper()
	sim := personyzetest.NewServer(o.Sim)
	t.Cleanup(func() { checkStatusOrder(t, sim) }) // first in, so last out: after Close
	t.Cleanup(sim.Close)
	logs := &LogBuffer{}
	cfg := core.Config{
		APIKey:      sim.APIKey(),
		BaseURL:     sim.URL(),
		SessionKeys: sessionKeys(),
		Timeout:     5 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	srv := httptest.NewServer(app(tr))
	closeWait := cmp.Or(o.CloseWait, 2*time.Second)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return &Env{t: t, Sim: sim, Tracker: tr, App: srv, Log: logs}
}

// checkStatusOrder fails t for each recorded call that carries an action status the SDKs'
// de-duplication would have dropped: a status out of the order things happened.
func checkStatusOrder(t *testing.T, sim *personyzetest.Server) {
	for i, r := range sim.Requests() {
		if d := r.DuplicateStatuses(); len(d) > 0 {
			t.Errorf("call %d of user %d carries %v, which Personyze's SDKs never send after what precedes it: %v",
				i, r.UserID, d, r.Commands)
		}
	}
}

// newEnv starts the world of a scenario: a's app with the standard routes.
func newEnv(t *testing.T, a Adapter, simOpts personyzetest.Options, closeWait time.Duration, mut func(*core.Config)) *Env {
	t.Helper()
	return NewEnv(t, func(tr *core.Tracker) http.Handler { return a.New(tr, newRoutes(t, tr)) },
		EnvOptions{Sim: simOpts, Config: mut, CloseWait: closeWait})
}

// newRoutes writes the template and the static file into a fresh directory.
func newRoutes(t *testing.T, tr *core.Tracker) Routes {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "templates")
	static := filepath.Join(dir, "static")
	for _, d := range []string{tpl, static} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tpl, PageTemplate), []byte(pageTemplateText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tpl, RegionTemplate), []byte(regionTemplateText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(static, "app.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return Routes{TemplateGlob: filepath.Join(tpl, "*.html"), StaticDir: static}
}

// Browser returns a client with its own cookie jar (one visitor) that does not follow
// redirects, so tests see them.
func (e *Env) Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Get fetches path as the visitor c; hdr are header name/value pairs.
func (e *Env) Get(c *http.Client, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	return e.Do(c, http.MethodGet, path, hdr...)
}

// Do sends an empty-bodied request as the visitor c with the headers of a desktop Chrome
// navigating to a page (see SetBrowserHeaders) and an Accept-Language, unless hdr
// (name/value pairs) says otherwise (an empty value removes the header), and returns the
// response with its body read.
func (e *Env) Do(c *http.Client, method, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.App.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	SetBrowserHeaders(req.Header)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,es;q=0.8")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// SetBrowserHeaders sets the headers a desktop Chrome sends when the visitor navigates to
// a page: its User-Agent (ChromeUA), an Accept that asks for HTML, and Sec-Fetch-Mode:
// navigate with Sec-Fetch-Dest: document. Requests without them are not page views for
// core.DefaultClassifier (they look like fetch() calls or scripts).
func SetBrowserHeaders(h http.Header) {
	h.Set("User-Agent", ChromeUA)
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	h.Set("Sec-Fetch-Mode", "navigate")
	h.Set("Sec-Fetch-Dest", "document")
	h.Set("Sec-Fetch-Site", "none")
}

// LastCall returns the last request the simulator recorded.
func (e *Env) LastCall() personyzetest.Request {
	e.t.Helper()
	reqs := e.Sim.Requests()
	if len(reqs) == 0 {
		e.t.Fatal("simulator received no request")
	}
	return reqs[len(reqs)-1]
}

// CloseTracker closes the Tracker now, waiting up to 5 s for calls still in flight (they
// may finish in the background), so that the simulator's record is complete.
func (e *Env) CloseTracker() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Tracker.Close(ctx); err != nil {
		e.t.Fatalf("Tracker.Close: %v", err)
	}
}

// Names lists a recorded request's command names.
func Names(r personyzetest.Request) []string {
	var out []string
	for _, c := range r.Commands {
		out = append(out, c.Name)
	}
	return out
}

// sessionCookie returns the personyze cookie resp set, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "personyze" {
			return c
		}
	}
	return nil
}

// outcomeIn reports whether the rendered page shows outcome o.
func outcomeIn(body string, o core.Outcome) bool {
	return strings.Contains(body, "<p id=outcome>"+o.String()+"</p>")
}

// LogBuffer collects log lines written from many goroutines.
type LogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
