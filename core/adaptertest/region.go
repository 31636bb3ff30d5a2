package adaptertest

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// RegionTemplate is the template file of GET /region: a page whose recommendations are the
// region "recs", placed with personyzeRegion (see core's Regions). Parse it with the other
// files of Routes.TemplateGlob and bind the set with Tracker.Templates.
const RegionTemplate = "region.html"

// regionTemplateText is RegionTemplate: a whole document (the streamed region goes before
// its </body>), the region's space reserved by its container, and a fallback. The region is
// placed twice: a page's later regions stream as its first one does.
const regionTemplateText = `<!doctype html><html><head><title>{{.Title}}</title></head><body><main>` +
	`<section class="recs-slot">{{personyzeRegion .Personyze "recs" .}}</section>` +
	`<aside class="recs-slot">{{personyzeRegion .Personyze "recs" .}}</aside><footer>end</footer></main></body></html>` +
	`{{define "recs"}}<ul class="recs">{{range .Personyze.Items}}<li><a href="{{personyzeLink .}}">{{.Title}}</a></li>` +
	`{{else}}<li class="fallback">Bestsellers</li>{{end}}</ul>{{end}}`

// RegionFallback is what the region of RegionTemplate shows before Personyze answers.
const RegionFallback = `<ul class="recs"><li class="fallback">Bestsellers</li></ul>`

// gate holds the calls to Personyze until released: streaming is asserted by the order of
// events, never by timings.
type gate struct {
	once sync.Once
	open chan struct{}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// gated returns the URL of a proxy to target that holds every call until g is released.
func gated(t *testing.T, target string, g *gate) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-g.open:
			proxy.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.release) // before srv.Close: nothing stays held
	return srv.URL + u.Path
}

// regionInline: answered within the inline wait, the region is in place, no markup.
func regionInline(t *testing.T, a Adapter) {
	e := shopWith(t, a, personyzetest.Options{Seed: 1}, func(c *core.Config) { c.InlineWait = c.Timeout })
	_, body := e.Get(e.Browser(), "/region")
	if !strings.Contains(body, `<section class="recs-slot"><ul class="recs"><li><a href=`) {
		t.Errorf("region not in place: %s", body)
	}
	for _, no := range []string{"<?start", "<template", "personyze-stream.js"} {
		if strings.Contains(body, no) {
			t.Errorf("an inline region brought %q: %s", no, body)
		}
	}
}

// regionStreamed is RegionStreamed without compression.
func regionStreamed(t *testing.T, a Adapter) { RegionStreamed(t, a, StreamOptions{}) }

// StreamOptions say what stands in front of the app in RegionStreamed.
type StreamOptions struct {
	// Gzip: the app has its framework's gzip middleware in front of the adapter's; the
	// response must be compressed.
	Gzip bool
	// Proxy: a reverse proxy (nginx) is in front of the app; it obeys X-Accel-Buffering and
	// does not pass it on.
	Proxy bool
}

// RegionStreamed checks that a's GET /region streams its region when Personyze is slow:
// with the answer held, the header (cookie, cache headers, X-Accel-Buffering) and the
// shell with the fallback between its markers arrive; released, the region arrives in the
// same response before </body>. Run it from an adapter's own tests with what real apps put
// in front (see StreamOptions) to show that it passes the flushes on.
func RegionStreamed(t *testing.T, a Adapter, o StreamOptions) {
	g := &gate{open: make(chan struct{})}
	e := shopWith(t, a, personyzetest.Options{Seed: 1}, func(c *core.Config) {
		c.BaseURL = gated(t, c.BaseURL, g)
		c.InlineWait = 20 * time.Millisecond
		c.StreamBudget = 2 * c.Timeout
	})
	req, _ := http.NewRequest(http.MethodGet, e.App.URL+"/region", nil)
	SetBrowserHeaders(req.Header)
	req.Header.Set("Accept-Encoding", "gzip") // set: the transport leaves the body as it came
	resp, err := e.Browser().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for name, want := range map[string]string{"X-Accel-Buffering": "no", "Cache-Control": "private", "Vary": "Cookie"} {
		if name == "X-Accel-Buffering" && o.Proxy {
			continue // the proxy took it
		}
		if got := resp.Header.Values(name); !containsToken(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(resp.Cookies()) == 0 {
		t.Error("the streamed shell came without the session cookie")
	}
	var body io.Reader = resp.Body
	if enc := resp.Header.Get("Content-Encoding"); enc == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		body = zr
	} else if o.Gzip {
		t.Errorf("Content-Encoding %q: the gzip middleware did not compress", enc)
	}
	br := bufio.NewReader(body)
	var shell strings.Builder
	for !strings.HasSuffix(shell.String(), "<footer>end</footer></main>") {
		c, err := br.ReadByte()
		if err != nil {
			t.Fatalf("the shell did not come before the answer (%v); got %q", err, shell.String())
		}
		shell.WriteByte(c)
	}
	for _, id := range []string{"pz1-recs", "pz2-recs"} {
		if want := `<?start name="` + id + `">` + RegionFallback + `<?end>`; !strings.Contains(shell.String(), want) {
			t.Errorf("shell without %q: %s", want, shell.String())
		}
	}
	g.release()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	tail := string(rest)
	if !strings.HasPrefix(tail, `<template for="pz1-recs"><ul class="recs"><li><a href=`) ||
		!strings.Contains(tail, `<template for="pz2-recs"><ul class="recs"><li><a href=`) ||
		!strings.Contains(tail, `personyze-stream.js?v=`) || !strings.HasSuffix(tail, "</body></html>") {
		t.Errorf("the streamed end of the response is %q", tail)
	}
}

// containsToken reports whether one of the header values lists token (comma-separated).
func containsToken(values []string, token string) bool {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), token) {
				return true
			}
		}
	}
	return false
}
