package nethttp_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// env is one test's world: a simulator, a tracker talking to it, and the app behind the
// middleware, served on 127.0.0.1.
type env struct {
	t   *testing.T
	sim *personyzetest.Server
	tr  *core.Tracker
	app *httptest.Server
	log *logBuf
}

var testKeys = [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))}

// newEnv starts everything; mut adjusts the tracker config. Everything stops at test end.
func newEnv(t *testing.T, h http.Handler, mut func(*core.Config)) *env {
	t.Helper()
	return newEnvWith(t, h, personyzetest.Options{Seed: 1}, mut)
}

// newEnvWith is newEnv with the simulator's options.
func newEnvWith(t *testing.T, h http.Handler, simOpts personyzetest.Options, mut func(*core.Config)) *env {
	t.Helper()
	sim := personyzetest.NewServer(simOpts)
	t.Cleanup(sim.Close)
	logs := &logBuf{}
	cfg := core.Config{
		APIKey:      sim.APIKey(),
		BaseURL:     sim.URL(),
		SessionKeys: testKeys,
		Timeout:     5 * time.Second, // generous: a loaded CI machine must not turn tests into timeout tests
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
	}
	if mut != nil {
		mut(&cfg)
	}
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	app := httptest.NewServer(nethttp.Middleware(tr)(h))
	t.Cleanup(func() {
		app.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond) // hung calls are abandoned, not waited for
		defer cancel()
		_ = tr.Close(ctx)
	})
	return &env{t: t, sim: sim, tr: tr, app: app, log: logs}
}

// browser returns a client with its own cookie jar: one visitor.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path as the visitor c and returns status and body.
func (e *env) get(c *http.Client, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	return e.do(c, http.MethodGet, path, hdr...)
}

func (e *env) do(c *http.Client, method, path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.app.URL+path, nil)
	req.Header.Set("User-Agent", chromeUA)
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

// only returns the single request the simulator recorded since the last reset.
func (e *env) lastCall() personyzetest.Request {
	e.t.Helper()
	reqs := e.sim.Requests()
	if len(reqs) == 0 {
		e.t.Fatal("simulator received no request")
	}
	return reqs[len(reqs)-1]
}

func names(r personyzetest.Request) []string {
	var out []string
	for _, c := range r.Commands {
		out = append(out, c.Name)
	}
	return out
}

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"

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
