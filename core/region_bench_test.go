package core_test

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/nethttp"
)

// heldUpstream answers every call with okBody once the page's handler has returned (the
// channel in next is closed): Personyze slower than the inline wait, without real waiting.
type heldUpstream struct{ next atomic.Pointer[chan struct{}] }

func (u *heldUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	if ch := u.next.Load(); ch != nil {
		select {
		case <-*ch:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(okBody)), Request: r}, nil
}

// BenchmarkRegion measures a page view whose recommendations are a region, rendered in place
// (Personyze answered within InlineWait) and streamed (it answered after the shell went
// out: fallback, held end of the body, region in a <template> and the script), beside the
// same page reading the recommendations directly (blocking).
func BenchmarkRegion(b *testing.B) {
	const page = `{{define "recs"}}<ul>{{range .Items}}<li>{{.ID}}</li>{{else}}<li>Bestsellers</li>{{end}}</ul>{{end}}` +
		`<!doctype html><html><head><title>p</title></head><body><main>` + `<p>content</p>` +
		`<section>{{if .Region}}{{personyzeRegion .V "recs" .V}}{{else}}{{template "recs" .V}}{{end}}</section>` +
		`<footer>f</footer></main></body></html>`
	for _, bc := range []struct {
		name           string
		region, stream bool
	}{{"blocking", false, false}, {"inline", true, false}, {"streamed", true, true}} {
		b.Run(bc.name, func(b *testing.B) {
			up := &heldUpstream{}
			cfg := core.Config{APIKey: strings.Repeat("Z", 40), Development: true, Logger: slog.New(slog.DiscardHandler),
				Transport: up, Timeout: 2 * time.Second, InlineWait: time.Second, StreamBudget: 5 * time.Second}
			if bc.stream {
				cfg.InlineWait = time.Nanosecond
			}
			tr, err := core.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close(context.Background())
			tpl := tr.Templates(template.Must(template.New("page").Funcs(tr.FuncMap()).Parse(page)))
			var rendered chan struct{}
			h := nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				v := core.FromContext(r.Context())
				if err := tpl.Execute(w, map[string]any{"V": v, "Region": bc.region}); err != nil {
					b.Error(err)
				}
				close(rendered) // the answer comes after the shell (streamed) or was there (inline)
			}))
			r := httptest.NewRequest(http.MethodGet, "/products/p1", nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
			r.Header.Set("Accept", "text/html")
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			r.Header.Set("Sec-Fetch-Dest", "document")
			want := "<li>p1</li>"
			b.ReportAllocs()
			for b.Loop() {
				rendered = make(chan struct{})
				if bc.stream {
					up.next.Store(&rendered)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				body := rec.Body.String()
				if !strings.Contains(body, want) || strings.Contains(body, "<template") != bc.stream {
					b.Fatalf("%s page: %s", bc.name, body)
				}
			}
		})
	}
}
