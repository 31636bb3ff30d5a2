package core

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHoldTail: once a region was deferred, everything from "</body" on is held back,
// however the writes split it, and everything before it goes out.
func TestHoldTail(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		out    string
		held   string
	}{
		{"one write", []string{"<p>a</p></body></html>"}, "<p>a</p>", "</body></html>"},
		{"split tag", []string{"<p>a</p></bo", "dy>\n</html>"}, "<p>a</p>", "</body>\n</html>"},
		{"split at <", []string{"<p>a</p><", "/body></html>"}, "<p>a</p>", "</body></html>"},
		{"upper case", []string{"x</BODY></HTML>"}, "x", "</BODY></HTML>"},
		{"no body end", []string{"<p>a</p>", "<p>b</p>"}, "<p>a</p><p>b</p>", ""},
		{"a partial that is not", []string{"x</b", "r>y"}, "x</br>y", ""},
		{"after the end", []string{"x</body>", "</html>", "\n"}, "x", "</body></html>\n"},
		// "</body" in a script string before the page's own: the regions go before the last.
		{"a later body end", []string{`x<script>s="</body>"</script>`, "y</body></html>"}, `x<script>s="</body>"</script>y`, "</body></html>"},
		{"a later body end, split", []string{"x</body>y</bo", "dy></html>"}, "x</body>y", "</body></html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &Visit{stream: &streamState{deferred: []deferredRegion{{id: "pz1"}}}}
			v.holding.Store(true)
			v.sent.Store(true)
			var out bytes.Buffer
			for _, w := range tc.writes {
				if n, err := (*Exchange)(v).WriteBody(&out, http.StatusOK, []byte(w)); err != nil || n != len(w) {
					t.Fatalf("WriteBody(%q) = %d, %v", w, n, err)
				}
			}
			if out.String() != tc.out || string(v.stream.tail) != tc.held {
				t.Errorf("wrote %q and held %q, want %q and %q", out.String(), v.stream.tail, tc.out, tc.held)
			}
		})
	}
}

// TestStreamingConfig: bad streaming settings fail at New with the field and a fix.
func TestStreamingConfig(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(*Config)
		field string
	}{
		{"negative inline wait", func(c *Config) { c.InlineWait = -time.Millisecond }, "InlineWait"},
		{"inline wait over the timeout", func(c *Config) { c.InlineWait = time.Second }, "InlineWait"},
		{"budget under the timeout", func(c *Config) { c.StreamBudget = 100 * time.Millisecond }, "StreamBudget"},
		{"relative script path", func(c *Config) { c.StreamScriptPath = "stream.js" }, "StreamScriptPath"},
		{"script path with a quote", func(c *Config) { c.StreamScriptPath = `/s"x.js` }, "StreamScriptPath"},
		{"both scripts at one path", func(c *Config) { c.StreamScriptPath = defaultEnvScriptPath }, "StreamScriptPath"},
		{"streaming off", func(c *Config) { c.StreamBudget = -1 }, ""},
		{"defaults", func(*Config) {}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{APIKey: strings.Repeat("k", 40), Development: true, Logger: slog.New(slog.DiscardHandler)}
			tc.mut(&cfg)
			_, err := New(cfg)
			var ce *ConfigError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field || ce.Fix == ""):
				t.Fatalf("New: %v, want a ConfigError for %s with a fix", err, tc.field)
			}
		})
	}
}

// TestStreamScriptServed: the middleware answers the stream script itself, cacheable under
// its versioned URL, and that URL is the one pages load.
func TestStreamScriptServed(t *testing.T) {
	tr, err := New(Config{APIKey: strings.Repeat("k", 40), Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	src := tr.swap.src
	rec := httptest.NewRecorder()
	ex := tr.Begin(rec, httptest.NewRequest(http.MethodGet, src, nil))
	if !ex.Served() {
		t.Fatal("the stream script was not served by Begin")
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != envScriptType ||
		rec.Header().Get("Cache-Control") != envScriptCache || rec.Body.String() != swapJS || len(rec.Result().Cookies()) != 0 {
		t.Errorf("GET %s: %d %v %q", src, rec.Code, rec.Header(), rec.Body.String())
	}
	if strings.Contains(swapJS, "<") {
		t.Error("the stream script has a '<': it would not fit an inline <script>")
	}
}

// TestRegionMisuse: a set that was not bound, a region template that does not exist and a
// nil Region each say what is wrong instead of rendering half a region.
func TestRegionMisuse(t *testing.T) {
	page := `{{personyzeRegion .V "recs" .}}{{define "recs"}}r{{end}}`
	unbound := template.Must(template.New("p").Funcs(FuncMap()).Parse(page))
	if err := unbound.Execute(io.Discard, map[string]any{"V": (*Visit)(nil)}); err == nil || !strings.Contains(err.Error(), "tr.Templates(set)") {
		t.Errorf("unbound set: %v", err)
	}
	missing := (*Tracker)(nil).Templates(template.Must(template.New("p").Funcs(FuncMap()).Parse(`{{personyzeRegion .V "nope" .}}`)))
	if err := missing.Execute(io.Discard, map[string]any{}); err == nil || !strings.Contains(err.Error(), `no template "nope"`) {
		t.Errorf("missing region template: %v", err)
	}
	var b strings.Builder
	if err := (*Tracker)(nil).Templates(template.Must(template.New("p").Funcs(FuncMap()).Parse(page))).Execute(&b, map[string]any{}); err != nil || b.String() != "r" {
		t.Errorf("bound set without a Visit: %q, %v", b.String(), err)
	}
	if err := (*Visit)(nil).RenderRegion(io.Discard, "x", nil); !errors.Is(err, errNilRegion) {
		t.Errorf("nil Region: %v", err)
	}
	if (*Tracker)(nil).Templates(nil) != nil {
		t.Error("Templates(nil) is not nil")
	}
}
