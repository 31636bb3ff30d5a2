package adaptertest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// envScriptTag finds the same-origin <script src> of personyzeScript in a page.
var envScriptTag = regexp.MustCompile(`<script src="(/[^"?]*)\?v=([^"]+)" async></script>`)

// scriptHeaders are what a browser sends when it loads a <script src>.
var scriptHeaders = []string{"Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "script", "Accept", "*/*"}

// envScriptFile: a page without a nonce loads the script from the same origin (a policy of
// 'self' allows it, an inline script it refuses), and the middleware answers that request
// itself, whatever the app's routes: JavaScript with nosniff, cached for a year under its
// hashed URL, revalidated under another; HEAD and If-None-Match work; it sets no cookie and
// makes no call, even for a visitor with a session. Other methods are the app's.
func envScriptFile(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	_, body := e.Get(c, "/")
	m := envScriptTag.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("home page: no same-origin script tag: %q", body)
	}
	src, path := m[0][len(`<script src="`):len(m[0])-len(`" async></script>`)], m[1]
	calls := len(e.Sim.Requests())
	if calls == 0 {
		t.Fatal("the home page made no call")
	}
	cases := []struct {
		name, method, url, cache string
		hdr                      []string
	}{
		{"script load", http.MethodGet, src, "public, max-age=31536000, immutable", scriptHeaders},
		{"navigation to it", http.MethodGet, src, "public, max-age=31536000, immutable", nil},
		{"without its hash", http.MethodGet, path, "no-cache", scriptHeaders},
		{"an older hash", http.MethodGet, path + "?v=old", "no-cache", scriptHeaders},
		{"HEAD", http.MethodHead, src, "public, max-age=31536000, immutable", scriptHeaders},
	}
	var etag string
	for _, tc := range cases {
		resp, js := e.Do(c, tc.method, tc.url, tc.hdr...)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tc.name, resp.StatusCode)
		}
		h := resp.Header
		if h.Get("Content-Type") != "text/javascript; charset=utf-8" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Cache-Control") != tc.cache || h.Get("ETag") == "" {
			t.Errorf("%s: headers %v, want JavaScript, nosniff, Cache-Control %q and an ETag", tc.name, h, tc.cache)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("%s: sets cookies %v", tc.name, h.Values("Set-Cookie"))
		}
		wantBody := tc.method == http.MethodGet
		if got := strings.Contains(js, "pz_env=") && strings.Contains(js, "getTimezoneOffset"); got != wantBody {
			t.Errorf("%s: body %q", tc.name, js)
		}
		etag = h.Get("ETag")
	}
	resp, js := e.Get(c, src, append([]string{"If-None-Match", etag}, scriptHeaders...)...)
	if resp.StatusCode != http.StatusNotModified || js != "" {
		t.Errorf("revalidation: status %d body %q, want 304", resp.StatusCode, js)
	}
	if n := len(e.Sim.Requests()); n != calls {
		t.Errorf("loading the script made %d calls, want none", n-calls)
	}
	resp, js = e.Do(c, http.MethodPost, src)
	if resp.StatusCode == http.StatusOK || strings.Contains(js, "getTimezoneOffset") {
		t.Errorf("POST: status %d body %q, want the app's answer (no such route)", resp.StatusCode, js)
	}
}
