package core_test

import (
	"html/template"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core"
)

// BenchmarkPersonyzeScript measures the template function on a page view, per kind of
// policy the response carries: it reads the policy on every page.
func BenchmarkPersonyzeScript(b *testing.B) {
	tr, err := core.New(core.Config{APIKey: strings.Repeat("A", 40), Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close(b.Context())
	script := tr.FuncMap()["personyzeScript"].(func(...any) template.HTML)
	for _, p := range []struct{ name, policy string }{
		{"none", ""},
		{"self", "default-src 'self'"},
		{"nonce", "script-src 'nonce-4AEemGb0xJptoIGFP3Nd' 'strict-dynamic'; object-src 'none'; base-uri 'none'"},
		{"long", "default-src 'none'; base-uri 'self'; connect-src 'self' api.example.com *.example-cdn.net wss://live.example.com; " +
			"font-src fonts.example-cdn.net; form-action 'self'; frame-ancestors 'none'; img-src 'self' data: *.example-cdn.net; " +
			"manifest-src 'self'; media-src 'self'; script-src 'self' assets.example-cdn.net 'nonce-4AEemGb0xJptoIGFP3Nd'; " +
			"style-src 'self' 'unsafe-inline' assets.example-cdn.net; upgrade-insecure-requests"},
	} {
		b.Run(p.name, func(b *testing.B) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
			r.Header.Set("Accept", "text/html")
			if p.policy != "" {
				w.Header().Set("Content-Security-Policy", p.policy)
			}
			v := tr.Begin(w, r).Visit() // no End: the benchmark makes no call
			if script(v) == "" {
				b.Fatal("nothing rendered")
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = script(v)
			}
		})
	}
}
