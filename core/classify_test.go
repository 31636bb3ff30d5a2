package core

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestDefaultClassifier(t *testing.T) {
	human := Device{Type: "regular", OS: "Windows/11", Platform: "Windows"}
	curl := Device{Type: "regular", Bot: true, BotReason: "curl"}
	tests := []struct {
		name, method, target string
		header               map[string]string
		dev                  Device
		kind                 RequestKind
		reason               string
	}{
		{"page", "GET", "/products/42", nil, human, KindPage, "page view"},
		{"root", "GET", "/", nil, human, KindPage, "page view"},
		{"query does not matter", "GET", "/search?q=a.css", nil, human, KindPage, "page view"},
		{"dot in directory", "GET", "/v1.2/page", nil, human, KindPage, "page view"},
		{"html extension is a page", "GET", "/about.html", nil, human, KindPage, "page view"},
		{"bot", "GET", "/", nil, curl, KindIgnore, "bot: curl"},
		{"bot posting", "POST", "/cart", nil, curl, KindIgnore, "bot: curl"},
		{"head", "HEAD", "/", nil, human, KindIgnore, "method HEAD"},
		{"options", "OPTIONS", "/", nil, human, KindIgnore, "method OPTIONS"},
		{"trace", "TRACE", "/", nil, human, KindIgnore, "method TRACE"},
		{"post", "POST", "/cart", nil, human, KindEvent, "method POST"},
		{"put", "PUT", "/cart/1", nil, human, KindEvent, "method PUT"},
		{"patch", "PATCH", "/cart/1", nil, human, KindEvent, "method PATCH"},
		{"delete", "DELETE", "/cart/1", nil, human, KindEvent, "method DELETE"},
		{"custom method", "PROPFIND", "/dav", nil, human, KindEvent, "method PROPFIND"},
		{"post to a json url is an event", "POST", "/api/cart.json", nil, human, KindEvent, "method POST"},
		{"css", "GET", "/static/site.css", nil, human, KindIgnore, "static asset"},
		{"js", "GET", "/app.js", nil, human, KindIgnore, "static asset"},
		{"mjs", "GET", "/app.mjs", nil, human, KindIgnore, "static asset"},
		{"source map", "GET", "/app.js.map", nil, human, KindIgnore, "static asset"},
		{"upper-case image", "GET", "/IMG/PHOTO.JPG", nil, human, KindIgnore, "static asset"},
		{"webp", "GET", "/a.webp", nil, human, KindIgnore, "static asset"},
		{"avif", "GET", "/a.avif", nil, human, KindIgnore, "static asset"},
		{"svg", "GET", "/logo.svg", nil, human, KindIgnore, "static asset"},
		{"font", "GET", "/f.woff2", nil, human, KindIgnore, "static asset"},
		{"video", "GET", "/v.mp4", nil, human, KindIgnore, "static asset"},
		{"pdf", "GET", "/manual.pdf", nil, human, KindIgnore, "static asset"},
		{"wasm", "GET", "/m.wasm", nil, human, KindIgnore, "static asset"},
		{"favicon", "GET", "/favicon.ico", nil, human, KindIgnore, "static asset"},
		{"robots", "GET", "/robots.txt", nil, human, KindIgnore, "static asset"},
		{"sitemap", "GET", "/sitemap.xml", nil, human, KindIgnore, "static asset"},
		{"sec-purpose prefetch", "GET", "/", map[string]string{"Sec-Purpose": "prefetch"}, human, KindIgnore, "prefetch"},
		{"sec-purpose prerender", "GET", "/", map[string]string{"Sec-Purpose": "prefetch;prerender"}, human, KindIgnore, "prefetch"},
		{"purpose prefetch", "GET", "/", map[string]string{"Purpose": "prefetch"}, human, KindIgnore, "prefetch"},
		{"x-moz prefetch", "GET", "/", map[string]string{"X-Moz": "prefetch"}, human, KindIgnore, "prefetch"},
		{"safari preview", "GET", "/", map[string]string{"X-Purpose": "preview"}, human, KindIgnore, "prefetch"},
		{"unrelated sec-purpose", "GET", "/", map[string]string{"Sec-Purpose": "other"}, human, KindPage, "page view"},
		{"navigation", "GET", "/", map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "*/*"}, human, KindPage, "page view"},
		{"navigation without dest", "GET", "/", map[string]string{"Sec-Fetch-Mode": "navigate", "Accept": "*/*"}, human, KindPage, "page view"},
		{"fetch", "GET", "/api/stock", map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "*/*"}, human, KindEvent, "fetch"},
		{"fetch asking for html", "GET", "/fragment", map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "text/html"}, human, KindEvent, "fetch"},
		{"same-origin fetch", "GET", "/api", map[string]string{"Sec-Fetch-Mode": "same-origin", "Accept": "application/json"}, human, KindEvent, "fetch"},
		{"iframe", "GET", "/widget", map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Accept": "text/html"}, human, KindEvent, "fetch"},
		{"image by dest", "GET", "/img/42", map[string]string{"Sec-Fetch-Dest": "image", "Accept": "image/avif,*/*"}, human, KindEvent, "fetch"},
		{"xhr", "GET", "/cart/count", map[string]string{"X-Requested-With": "XMLHttpRequest", "Accept": "text/html"}, human, KindEvent, "xhr"},
		{"xhr lower case", "GET", "/cart/count", map[string]string{"X-Requested-With": "xmlhttprequest", "Sec-Fetch-Mode": "navigate"}, human, KindEvent, "xhr"},
		{"old browser", "GET", "/", map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, human, KindPage, "page view"},
		{"xhtml", "GET", "/", map[string]string{"Accept": "application/xhtml+xml"}, human, KindPage, "page view"},
		{"json client", "GET", "/api/stock", map[string]string{"Accept": "application/json"}, human, KindEvent, "not html"},
		{"any type is not a navigation", "GET", "/api/stock", map[string]string{"Accept": "*/*"}, human, KindEvent, "not html"},
		{"html refused", "GET", "/", map[string]string{"Accept": "text/html;q=0, application/json"}, human, KindEvent, "not html"},
		{"no accept", "GET", "/", map[string]string{"Accept": " "}, human, KindEvent, "not html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://127.0.0.1"+tt.target, nil)
			if tt.header["Accept"] == "" && tt.header["Sec-Fetch-Mode"] == "" && tt.header["X-Requested-With"] == "" {
				r.Header.Set("Accept", "text/html") // a browser navigating, unless the case says otherwise
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			kind, reason := DefaultClassifier(r, tt.dev)
			if kind != tt.kind || reason != tt.reason {
				t.Errorf("got %v %q, want %v %q", kind, reason, tt.kind, tt.reason)
			}
		})
	}
}

func TestClassifiers(t *testing.T) {
	page := func(*http.Request, Device) (RequestKind, string) { return KindPage, "p" }
	event := func(*http.Request, Device) (RequestKind, string) { return KindEvent, "e" }
	event2 := func(*http.Request, Device) (RequestKind, string) { return KindEvent, "e2" }
	ignore := func(*http.Request, Device) (RequestKind, string) { return KindIgnore, "i" }
	weird := func(*http.Request, Device) (RequestKind, string) { return RequestKind(9), "w" }
	calls := 0
	counting := func(*http.Request, Device) (RequestKind, string) { calls++; return KindPage, "c" }
	tests := []struct {
		name   string
		cs     []Classifier
		kind   RequestKind
		reason string
	}{
		{"none is default", nil, KindPage, "page view"},
		{"only nil is default", []Classifier{nil}, KindPage, "page view"},
		{"single", []Classifier{event}, KindEvent, "e"},
		{"event beats page", []Classifier{page, event}, KindEvent, "e"},
		{"ignore beats event", []Classifier{event, ignore, page}, KindIgnore, "i"},
		{"first reason on ties", []Classifier{event, event2}, KindEvent, "e"},
		{"unknown kind is ignore", []Classifier{page, weird}, KindIgnore, "w"},
		{"ignore stops the chain", []Classifier{ignore, counting}, KindIgnore, "i"},
	}
	r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
	r.Header.Set("Accept", "text/html")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, reason := Classifiers(tt.cs...)(r, Device{Type: "regular"})
			if kind != tt.kind || reason != tt.reason {
				t.Errorf("got %v %q, want %v %q", kind, reason, tt.kind, tt.reason)
			}
		})
	}
	if calls != 0 {
		t.Errorf("classifier after an ignore ran %d times", calls)
	}
}

func TestIgnorePaths(t *testing.T) {
	c := Classifiers(DefaultClassifier, IgnorePaths("/admin", "/api/", "", "/healthz"))
	tests := []struct {
		method, target string
		kind           RequestKind
		reason         string
	}{
		{"GET", "/admin", KindIgnore, "ignored path"},
		{"GET", "/admin/users", KindIgnore, "ignored path"},
		{"GET", "/administrators", KindPage, "page view"},
		{"POST", "/api/cart", KindIgnore, "ignored path"},
		{"GET", "/api", KindPage, "page view"},
		{"GET", "/healthz", KindIgnore, "ignored path"},
		{"GET", "/", KindPage, "page view"},
		{"POST", "/cart", KindEvent, "method POST"},
		{"GET", "/admin/app.css", KindIgnore, "static asset"}, // first reason wins
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "http://127.0.0.1"+tt.target, nil)
		r.Header.Set("Accept", "text/html")
		kind, reason := c(r, Device{Type: "regular"})
		if kind != tt.kind || reason != tt.reason {
			t.Errorf("%s %s: got %v %q, want %v %q", tt.method, tt.target, kind, reason, tt.kind, tt.reason)
		}
	}
}

func TestRequestKindString(t *testing.T) {
	for k, want := range map[RequestKind]string{KindPage: "page", KindEvent: "event", KindIgnore: "ignore", 7: "RequestKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: got %q want %q", k, got, want)
		}
	}
}

func BenchmarkDefaultClassifier(b *testing.B) {
	r := httptest.NewRequest("GET", "http://127.0.0.1/products/42", nil)
	d := Device{Type: "regular"}
	b.ReportAllocs()
	for b.Loop() {
		DefaultClassifier(r, d)
	}
}
