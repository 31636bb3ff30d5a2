package core_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestDocReasons: every reason the package documentation's Page views section names is the
// one the code gives for that request, so the documentation cannot drift from the code (it
// once said Sec-GPC gives "no consent").
func TestDocReasons(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var words []string // the doc comment as one line of text
	for _, l := range strings.Split(string(b), "\n") {
		words = append(words, strings.Fields(strings.TrimPrefix(l, "//"))...)
	}
	doc := strings.Join(words, " ")

	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	tracker := func(mut func(*core.Config)) *core.Tracker {
		cfg := core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true,
			Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}
		if mut != nil {
			mut(&cfg)
		}
		tr, err := core.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close(t.Context()) })
		return tr
	}
	header := func(kv ...string) func(*http.Request) {
		return func(r *http.Request) {
			for i := 0; i+1 < len(kv); i += 2 {
				r.Header.Set(kv[i], kv[i+1])
			}
		}
	}
	page := func(v *core.Visit, w http.ResponseWriter) { _, _ = io.WriteString(w, "<p>page</p>") }
	for _, tc := range []struct {
		reason string
		method string
		path   string
		req    func(*http.Request)
		cfg    func(*core.Config)
		h      func(*core.Visit, http.ResponseWriter)
	}{
		{reason: "page view"},
		{reason: "fetch", req: header("Sec-Fetch-Mode", "cors")},
		{reason: "xhr", req: header("X-Requested-With", "XMLHttpRequest")},
		{reason: "not html", req: header("Accept", "application/json")},
		{reason: "method POST", method: http.MethodPost},
		{reason: "method HEAD", method: http.MethodHead},
		{reason: "bot: curl", req: header("User-Agent", "curl/8.5.0")},
		{reason: "prefetch", req: header("Sec-Purpose", "prefetch")},
		{reason: "static asset", path: "/site.css"},
		{reason: "ignored path", path: "/healthz", cfg: func(c *core.Config) {
			c.Classify = core.Classifiers(core.DefaultClassifier, core.IgnorePaths("/healthz"))
		}},
		{reason: "no consent", cfg: func(c *core.Config) { c.Consent = func(*http.Request) bool { return false } }},
		{reason: "global privacy control", req: header("Sec-GPC", "1"), cfg: func(c *core.Config) { c.HonorGPC = true }},
		{reason: "response 404", h: func(v *core.Visit, w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }},
		{reason: "response not html", h: func(v *core.Visit, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
		}},
		{reason: "skipped by handler", h: func(v *core.Visit, w http.ResponseWriter) { _ = v.Skip(); page(v, w) }},
		{reason: "forgotten", h: func(v *core.Visit, w http.ResponseWriter) { _ = v.Forget(); page(v, w) }},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			method, path, h := tc.method, tc.path, tc.h
			if method == "" {
				method = http.MethodGet
			}
			if path == "" {
				path = "/products/p1"
			}
			if h == nil {
				h = page
			}
			r := httptest.NewRequest(method, path, nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
			r.Header.Set("Accept", "text/html")
			if tc.req != nil {
				tc.req(r)
			}
			rec := httptest.NewRecorder()
			ex := tracker(tc.cfg).Begin(rec, r)
			h(ex.Visit(), ex.Wrap(rec))
			ex.End()
			if got := ex.Visit().Reason(); got != tc.reason {
				t.Errorf("the code gives reason %q, the case (and the doc) says %q", got, tc.reason)
			}
			if !strings.Contains(doc, `"`+tc.reason+`"`) {
				t.Errorf("doc.go does not name the reason %q", tc.reason)
			}
		})
	}
}
