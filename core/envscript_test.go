package core_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core"
)

// scriptForm describes what personyzeScript rendered: "" (nothing), "inline" or "src",
// with ":<nonce>" when the element carries one.
func scriptForm(t *testing.T, html string) string {
	t.Helper()
	nonce := ""
	if _, rest, ok := strings.Cut(html, ` nonce="`); ok {
		nonce, _, _ = strings.Cut(rest, `"`)
		nonce = ":" + nonce
	}
	switch {
	case html == "":
		return ""
	case strings.HasPrefix(html, `<script src="/personyze-env.js?v=`) && strings.HasSuffix(html, `" async></script>`):
		return "src" + nonce
	case strings.HasPrefix(html, "<script>"), strings.HasPrefix(html, "<script nonce="):
		return "inline" + nonce
	}
	t.Fatalf("unexpected element %q", html)
	return ""
}

// TestPersonyzeScript: the rule of Tracker.FuncMap, policy by policy: the element rendered
// is one every enforced policy allows (issue #20: under "default-src 'self'" the inline
// script was refused), else nothing; a malformed nonce is never one (issue #21).
func TestPersonyzeScript(t *testing.T) {
	_, tr := controlWorld(t, func(c *core.Config) { c.Consent = func(r *http.Request) bool { return r.URL.Path != "/private" } })
	script := tr.FuncMap()["personyzeScript"].(func(...any) template.HTML)
	// The script's own hash, as a policy would list it to allow it inline.
	inline := string(script("abc"))
	body := inline[strings.Index(inline, ">")+1 : len(inline)-len("</script>")]
	sum := sha256.Sum256([]byte(body))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"

	for _, c := range []struct {
		args []any
		want string
	}{
		{nil, "src"},
		{[]any{nil, "n1"}, "inline:n1"},
		{[]any{"abc==", nil}, "inline:abc=="},
		{[]any{`abc"><img src=x onerror=alert(1)>`}, "src"}, // not a nonce: never copied
		{[]any{"a b"}, "src"},
		{[]any{"abc==="}, "src"},
	} {
		if got := scriptForm(t, string(script(c.args...))); got != c.want {
			t.Errorf("without a Visit, args %q: %s, want %s", c.args, got, c.want)
		}
	}

	cases := []struct {
		name     string
		path     string
		host     string // default example.com
		https    bool
		csp      []string
		report   string // Content-Security-Policy-Report-Only
		nonceArg string
		want     string
	}{
		{name: "no policy", want: "src"},
		{name: "no policy, nonce argument", nonceArg: "n1", want: "inline:n1"},
		{name: "self only (issue #20)", csp: []string{"default-src 'self'"}, want: "src"},
		{name: "self only, nonce argument the policy lacks", csp: []string{"default-src 'self'"}, nonceArg: "n1", want: "src"},
		{name: "script-src self", csp: []string{"default-src 'none'; script-src 'self'"}, want: "src"},
		{name: "none", csp: []string{"default-src 'none'"}, want: ""},
		{name: "empty list", csp: []string{"script-src"}, want: ""},
		{name: "strict nonce", csp: []string{"script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'; base-uri 'none'"}, want: "inline:abc"},
		{name: "nonce and self", csp: []string{"default-src 'self'; script-src 'self' 'nonce-abc'"}, want: "inline:abc"},
		{name: "nonce argument listed", csp: []string{"script-src 'nonce-abc' 'nonce-n1'"}, nonceArg: "n1", want: "inline:n1"},
		{name: "default-src nonce", csp: []string{"default-src 'nonce-def'"}, want: "inline:def"},
		{name: "styles only", csp: []string{"style-src 'nonce-zzz'"}, want: "src"},
		{name: "script-src-elem governs", csp: []string{"script-src-elem 'self'; script-src 'nonce-a'"}, want: "src"},
		{name: "first of a repeated directive", csp: []string{"script-src 'nonce-a'; script-src 'self'"}, want: "inline:a"},
		{name: "names in any case", csp: []string{"SCRIPT-SRC 'NONCE-abc'"}, want: "inline:abc"},
		{name: "two headers", csp: []string{"script-src 'nonce-a' 'self'", "default-src 'self'"}, want: "src"},
		{name: "two policies in one header", csp: []string{"script-src 'nonce-a', script-src 'nonce-a' 'self'"}, want: "inline:a"},
		{name: "nonce in one, self in the other", csp: []string{"script-src 'nonce-a'", "script-src-elem 'self'"}, want: "src:a"},
		{name: "malformed nonce (issue #21)", csp: []string{"sCript-srC 'nonce-0''"}, want: ""},
		{name: "malformed nonce beside self", csp: []string{`script-src 'self' 'nonce-"><script>'`}, want: "src"},
		{name: "unsafe-inline", csp: []string{"script-src 'unsafe-inline'"}, want: "inline"},
		{name: "unsafe-inline ignored beside a nonce", csp: []string{"script-src 'unsafe-inline' 'nonce-x'"}, want: "inline:x"},
		{name: "unsafe-inline ignored beside a hash", csp: []string{"script-src 'unsafe-inline' 'sha256-AAAA'"}, want: ""},
		{name: "the script's hash", csp: []string{"script-src " + hash}, want: "inline"},
		{name: "strict-dynamic ignores self", csp: []string{"script-src 'strict-dynamic' 'self'"}, want: ""},
		{name: "star", csp: []string{"script-src *"}, want: "src"},
		{name: "https: on https", https: true, csp: []string{"script-src https:"}, want: "src"},
		{name: "https: on http", csp: []string{"script-src https:"}, want: ""},
		{name: "http: on https", https: true, csp: []string{"script-src http:"}, want: "src"},
		{name: "own host", csp: []string{"script-src example.com"}, want: "src"},
		{name: "own host, other case", csp: []string{"script-src EXAMPLE.com"}, want: "src"},
		{name: "own host with https on http", csp: []string{"script-src https://example.com"}, want: ""},
		{name: "own host with http on https", https: true, csp: []string{"script-src http://example.com"}, want: "src"},
		{name: "wildcard misses the apex", csp: []string{"script-src *.example.com"}, want: ""},
		{name: "wildcard subdomain", host: "www.example.com", csp: []string{"script-src *.example.com"}, want: "src"},
		{name: "own port", host: "example.com:8080", csp: []string{"script-src example.com:8080"}, want: "src"},
		{name: "any port", host: "example.com:8080", csp: []string{"script-src example.com:*"}, want: "src"},
		{name: "default port only", host: "example.com:8080", csp: []string{"script-src example.com"}, want: ""},
		{name: "the script's path", csp: []string{"script-src example.com/personyze-env.js"}, want: "src"},
		{name: "another directory", csp: []string{"script-src example.com/static/"}, want: ""},
		{name: "other host", csp: []string{"script-src cdn.example.net"}, want: ""},
		{name: "report-only does not block", report: "script-src 'none'", want: "src"},
		{name: "no consent", path: "/private", want: ""},
		{name: "ignored", path: "/app.css", want: ""},
		{name: "not a page view", path: "/api", csp: []string{"fetch"}, want: ""},
	}
	for _, c := range cases {
		path := c.path
		if path == "" {
			path = "/"
		}
		r := navigate(path)
		if c.host != "" {
			r.Host = c.host
		}
		if c.https {
			r.Header.Set("X-Forwarded-Proto", "https")
		}
		csp := c.csp
		if len(csp) == 1 && csp[0] == "fetch" {
			r.Header.Set("Sec-Fetch-Mode", "cors")
			csp = nil
		}
		serveVisit(tr, r, func(v *core.Visit, w http.ResponseWriter) {
			for _, p := range csp {
				w.Header().Add("Content-Security-Policy", p)
			}
			if c.report != "" {
				w.Header().Set("Content-Security-Policy-Report-Only", c.report)
			}
			args := []any{v}
			if c.nonceArg != "" {
				args = append(args, c.nonceArg)
			}
			if got := scriptForm(t, string(script(args...))); got != c.want {
				t.Errorf("%s (%q): %q, want %q", c.name, csp, got, c.want)
			}
		})
	}
}
