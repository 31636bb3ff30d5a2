package core

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// world is a simulator, a Tracker talking to it and a site behind the Tracker, driven by a
// minimal adapter (Begin, Wrap, End), for the tests of metadata, placeholders, campaigns and
// action statuses.
type world struct {
	t    *testing.T
	sim  *personyzetest.Server
	tr   *Tracker
	site *httptest.Server
	logs *syncBuf
	mux  *http.ServeMux
}

// pageTemplate renders what a shop page shows of Personyze.
var pageTemplate = template.Must(template.New("p").Parse(
	`<div id="banner">{{.Placeholder "home-banner"}}</div><aside>{{.Placeholder "product-sidebar"}}</aside>` +
		`<ul>{{range .Items}}<li>{{.Title}}</li>{{end}}</ul>{{if .InCampaign "Summer sale"}}<p id="sale">sale</p>{{end}}`))

func newWorld(t *testing.T, simOpts personyzetest.Options, adjust func(*Config)) *world {
	t.Helper()
	sim := personyzetest.NewServer(simOpts)
	t.Cleanup(func() {
		// Last, after the Tracker delivered what it held: no call carries an action status
		// Personyze's SDKs would never send after what precedes it.
		for i, r := range sim.Requests() {
			if d := r.DuplicateStatuses(); len(d) > 0 {
				t.Errorf("call %d carries %v out of the SDKs' order: %v", i, d, r.Commands)
			}
		}
	})
	t.Cleanup(sim.Close)
	logs := &syncBuf{}
	cfg := Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if adjust != nil {
		adjust(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sim: sim, tr: tr, logs: logs, mux: http.NewServeMux()}
	// A page: the product page tracks its view; every page renders the template.
	page := func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		if id := r.PathValue("id"); id != "" {
			_ = v.Track(ProductViewed(id))
		}
		_ = pageTemplate.Execute(rw, v)
	}
	w.mux.HandleFunc("GET /{$}", page)
	w.mux.HandleFunc("GET /products/{id}", page)
	w.site = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ex := tr.Begin(rw, r)
		defer ex.End()
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.mux.ServeHTTP(ex.Wrap(rw), ex.Request())
	}))
	t.Cleanup(func() {
		w.site.Close()
		w.close()
	})
	return w
}

// close closes the Tracker (sending what it holds); idempotent enough for Cleanup.
func (w *world) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.tr.Close(ctx)
}

// browser returns a visitor with a cookie jar.
func (w *world) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request as visitor c and returns the body.
func (w *world) do(c *http.Client, method, path string) string {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.site.URL+path, nil)
	req.Header.Set("User-Agent", fuzzUA)
	req.Header.Set("Accept", "text/html") // a browser navigation: a page view
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (w *world) get(c *http.Client, path string) string { return w.do(c, http.MethodGet, path) }

// last returns the simulator's last recorded tracker request.
func (w *world) last() personyzetest.Request {
	w.t.Helper()
	reqs := w.sim.Requests()
	if len(reqs) == 0 {
		w.t.Fatal("no tracker request")
	}
	return reqs[len(reqs)-1]
}

// statuses returns the action statuses the simulator recorded for the visitor of the last
// request, as "id status arg" strings.
func (w *world) statuses(user uint32) []string {
	var out []string
	for _, s := range w.sim.ActionStatuses(user) {
		out = append(out, strconv.FormatInt(s.ActionID, 10)+" "+s.Status+" "+s.Arg)
	}
	return out
}
