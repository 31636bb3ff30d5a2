package core

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// debugLine matches the debug log's line of a page view.
var debugLine = regexp.MustCompile(`^time=\S+ level=DEBUG msg="personyze: request" method=GET path=/products/p1 kind=page ` +
	`reason="page view" outcome=ok latency=[0-9.]+[µm]?s commands="Product Viewed\(p1\), User Profile\(email, …\), Navigate\(/products/p1\)" status=200 user_id=[0-9]+$`)

// TestDebugLog: one line per request, in the documented format, without a profile value.
func TestDebugLog(t *testing.T) {
	logs := &syncBuf{}
	w := newWorld(t, personyzetest.Options{Seed: 1}, func(c *Config) {
		c.DebugLog = true
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	w.mux.HandleFunc("GET /products/p1", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		_ = v.Track(ProductViewed("p1"), UserProfile("email", "ann@example.com"))
		_ = pageTemplate.Execute(rw, v)
	})
	w.get(w.browser(), "/products/p1")
	req, _ := http.NewRequest(http.MethodGet, w.site.URL+"/styles/site.css", nil)
	req.Header.Set("User-Agent", fuzzUA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="personyze: request"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d request lines, want 2:\n%s", len(lines), logs.String())
	}
	if !debugLine.MatchString(lines[0]) {
		t.Errorf("page view line\n%s\ndoes not match\n%s", lines[0], debugLine)
	}
	if !strings.Contains(lines[1], `path=/styles/site.css kind=ignore reason="static asset" outcome=skipped latency=0s commands=""`) {
		t.Errorf("static asset line: %s", lines[1])
	}
	if strings.Contains(logs.String(), "ann@example.com") {
		t.Error("the debug log shows a profile value")
	}
}

// TestDebugLogConfig: New refuses a DebugLog whose lines the Logger would drop.
func TestDebugLogConfig(t *testing.T) {
	base := Config{APIKey: strings.Repeat("k", 40), Development: true}
	for _, tc := range []struct {
		name   string
		logger *slog.Logger
		ok     bool
	}{
		{"info handler", slog.New(slog.NewTextHandler(io.Discard, nil)), false},
		{"debug handler", slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.DebugLog, cfg.Logger = true, tc.logger
			tr, err := New(cfg)
			var ce *ConfigError
			switch {
			case tc.ok && err != nil:
				t.Fatalf("New: %v", err)
			case tc.ok:
				_ = tr.Close(context.Background())
			case !errors.As(err, &ce) || ce.Field != "DebugLog" || !strings.Contains(err.Error(), "slog.LevelDebug"):
				t.Fatalf("New = %v, want a ConfigError on DebugLog saying how to fix it", err)
			}
		})
	}
}
