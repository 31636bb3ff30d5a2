package core

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// envScriptType is the Content-Type of the served script: text/javascript is the type
// HTML requires; with nosniff, browsers run a script only when it is served with it.
const envScriptType = "text/javascript; charset=utf-8"

// envScriptCache is the cache policy of the script under its current URL (the content hash
// is in the query, so the URL changes whenever the script does); envScriptRevalidate is the
// one of any other URL of the path (a page of an older build), which may see new content.
const (
	envScriptCache      = "public, max-age=31536000, immutable"
	envScriptRevalidate = "no-cache"
)

// envAsset is the visitor-environment script of personyzeScript, served as a same-origin
// file at Config.EnvScriptPath. Built once by New; read-only afterwards.
type envAsset struct {
	path    string
	code    string                           // the script served
	inline  func(nonce string) template.HTML // the inline element of code, with nonce when not ""
	version string                           // the content hash in the script's URL and its ETag
	etag    string
	hash    string        // base64 SHA-256 of the script's code: a policy's 'sha256-…' allows it inline
	src     string        // the URL pages load it from: path?v=version
	plain   template.HTML // the element without nonce
}

// newEnvAsset prepares the script for path (a validated Config.EnvScriptPath).
func newEnvAsset(path string) *envAsset {
	return newScriptAsset(path, visitor.EnvScriptJS, visitor.EnvScript)
}

// newScriptAsset prepares a same-origin script: code served at path, inline its inline
// element. The stream script (streamscript.go) is the other one.
func newScriptAsset(path, code string, inline func(string) template.HTML) *envAsset {
	sum := sha256.Sum256([]byte(code))
	a := &envAsset{path: path, code: code, inline: inline, version: base64.RawURLEncoding.EncodeToString(sum[:9]),
		hash: base64.StdEncoding.EncodeToString(sum[:])}
	a.etag = `"` + a.version + `"`
	a.src = path + "?v=" + a.version
	a.plain = a.external("")
	return a
}

// external is the <script src> element that loads the script, with nonce when not "".
// async: the script needs nothing from the page, so it never holds up its rendering.
func (a *envAsset) external(nonce string) template.HTML {
	if nonce == "" && a.plain != "" {
		return a.plain
	}
	if nonce == "" {
		return template.HTML(`<script src="` + template.HTMLEscapeString(a.src) + `" async></script>`)
	}
	return template.HTML(`<script src="` + template.HTMLEscapeString(a.src) + `" nonce="` + template.HTMLEscapeString(nonce) + `" async></script>`)
}

// claims reports whether r is the request for the script: a GET or HEAD of its path. Other
// methods are the application's.
func (a *envAsset) claims(r *http.Request) bool {
	return r.URL != nil && r.URL.Path == a.path &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == "")
}

// serve answers the request for the script: cacheable for a year under its current URL,
// with an ETag for revalidation, nosniff, and no cookie (it is the same for every visitor).
func (a *envAsset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", envScriptType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", envScriptCache)
	} else {
		h.Set("Cache-Control", envScriptRevalidate)
	}
	// ServeContent answers HEAD, If-None-Match and Range requests.
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(a.code))
}

// tag renders personyzeScript for a page whose response carries the Content-Security-Policy
// headers, requested over scheme at host; nonce is the template's nonce argument, already
// checked to be one (or ""). See Tracker.FuncMap for the rule.
func (a *envAsset) tag(headers []string, nonce, scheme, host string) template.HTML {
	var buf [2]scriptSources
	policies := appendScriptPolicies(buf[:0], headers)
	if len(policies) == 0 {
		if nonce != "" {
			return a.inline(nonce)
		}
		return a.plain
	}
	// The candidate nonces: the template's, then those of the first policy (a nonce must
	// be in every policy that lists nonces to help). candidate(-1) is "": no nonce.
	listed := policies[0].nonces
	candidate := func(i int) string {
		switch {
		case i < 0:
			return ""
		case nonce != "" && i == 0:
			return nonce
		case nonce != "":
			return listed[i-1]
		}
		return listed[i]
	}
	count := len(listed)
	if nonce != "" {
		count++
	}
	for i := range count {
		n := candidate(i)
		if allowedByAll(policies, func(s *scriptSources) bool { return s.allowsInline(n, a.hash) }) {
			return a.inline(n)
		}
	}
	for i := -1; i < count; i++ {
		n := candidate(i)
		if allowedByAll(policies, func(s *scriptSources) bool { return s.allowsSameOrigin(n, scheme, host, a.path) }) {
			return a.external(n)
		}
	}
	if allowedByAll(policies, func(s *scriptSources) bool { return s.allowsInline("", a.hash) }) {
		return a.inline("")
	}
	return "" // every form would be refused: better nothing than a violation
}

// allowedByAll reports whether every policy allows what ok checks.
func allowedByAll(policies []scriptSources, ok func(*scriptSources) bool) bool {
	for i := range policies {
		if !ok(&policies[i]) {
			return false
		}
	}
	return true
}

// validateEnvScriptPath checks Config.EnvScriptPath: a path the page can name as is and
// that reaches this server, not another host ("//host/…") or another path after cleaning.
func validateEnvScriptPath(p string) error {
	fix := "use an absolute path such as " + defaultEnvScriptPath + ", or leave it empty for the default"
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || path.Clean(p) != p || p == "/" {
		return &ConfigError{Field: "EnvScriptPath", Problem: fmt.Sprintf("%q is not a clean absolute path of a file", p), Fix: fix}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~/", c) >= 0:
		default:
			return &ConfigError{Field: "EnvScriptPath", Problem: fmt.Sprintf("%q has the character %q", p, c),
				Fix: fix + `; only letters, digits and "-._~/" are allowed`}
		}
	}
	return nil
}
