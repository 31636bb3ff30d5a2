package adaptertest

import (
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

// env is one scenario's world: a simulator, a tracker talking to it, and the adapter's app
// served on 127.0.0.1. Everything stops when the scenario ends.
type env struct {
	t   *testing.T
	sim *personyzetest.Server
	tr  *core.Tracker
	app *httptest.Server
	log *logBuf
}

// newEnv starts a world; mut adjusts the tracker config, closeWait bounds the final
// Tracker.Close (short for fault scenarios, whose background retries nobody waits for).
func newEnv(t *testing.T, a Adapter, simOpts personyzetest.Options, closeWait time.Duration, mut func(*core.Config)) *env {
	t.Helper()
	sim := personyzetest.NewServer(simOpts)
	t.Cleanup(sim.Close)
	logs := &logBuf{}
	cfg := core.Config{
		APIKey:      sim.APIKey(),
		BaseURL:     sim.URL(),
		SessionKeys: sessionKeys(),
		Timeout:     5 * time.Second, // generous: a loaded machine must not turn scenarios into timeout tests
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
	}
	if mut != nil {
		mut(&cfg)
	}
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	app := httptest.NewServer(a.New(tr, newRoutes(t, tr)))
	t.Cleanup(func() {
		app.Close()
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return &env{t: t, sim: sim, tr: tr, app: app, log: logs}
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
	if err := os.WriteFile(filepath.Join(static, "app.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return Routes{TemplateGlob: filepath.Join(tpl, "*.html"), StaticDir: static}
}

// browser returns a client with its own cookie jar (one visitor) that does not follow
// redirects, so scenarios see them.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path as the visitor c; hdr are header name/value pairs.
func (e *env) get(c *http.Client, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	return e.do(c, http.MethodGet, path, hdr...)
}

func (e *env) do(c *http.Client, method, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.app.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("User-Agent", ChromeUA)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,es;q=0.8")
	for i := 0; i+1 < len(hdr); i += 2 {
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

// lastCall returns the last request the simulator recorded.
func (e *env) lastCall() personyzetest.Request {
	e.t.Helper()
	reqs := e.sim.Requests()
	if len(reqs) == 0 {
		e.t.Fatal("simulator received no request")
	}
	return reqs[len(reqs)-1]
}

// closeTracker waits for calls still in flight (they may finish in the background), so
// the simulator's record is complete.
func (e *env) closeTracker() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.tr.Close(ctx); err != nil {
		e.t.Fatalf("Tracker.Close: %v", err)
	}
}

// names lists a recorded request's command names.
func names(r personyzetest.Request) []string {
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

// logBuf collects log lines written from many goroutines.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
