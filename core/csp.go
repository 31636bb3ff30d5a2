package core

import (
	"net"
	"strings"
)

// This file reads the Content-Security-Policy of a response as far as personyzeScript
// needs it: may the page run an inline <script> with a given nonce, and may it load a
// same-origin <script src>? It follows CSP Level 3 for script elements: each enforced policy
// must allow the element, through its script-src-elem directive, else script-src, else
// default-src (a policy with none of them allows every script).

// scriptSources is the source list that governs script elements in one policy.
type scriptSources struct {
	self, star, unsafeInline, strictDynamic bool
	// nonceOrHash: a nonce or hash source is listed, which makes browsers ignore
	// 'unsafe-inline'.
	nonceOrHash bool
	nonces      []string // the base64 values of the well-formed 'nonce-…' sources
	hashes      []string // the 'sha256-…' sources, without the quotes
	hosts       []string // scheme- and host-sources ("https:", "example.com:8080")
}

// scriptPolicies returns the source lists of the policies in a response's
// Content-Security-Policy header values (several headers, and several policies in one
// separated by commas), leaving out the policies that do not restrict scripts.
func scriptPolicies(headers []string) []scriptSources {
	return appendScriptPolicies(nil, headers)
}

// appendScriptPolicies is scriptPolicies appending to out, so that a caller can pass a
// buffer on its stack: pages usually carry one policy.
func appendScriptPolicies(out []scriptSources, headers []string) []scriptSources {
	for _, h := range headers {
		for h != "" {
			var policy string
			policy, h, _ = strings.Cut(h, ",")
			if list, ok := scriptList(policy); ok {
				out = append(out, parseSources(list))
			}
		}
	}
	return out
}

// scriptList returns the value of the directive that governs script elements in policy,
// and false when the policy has none. Directive names are case-insensitive, and the first
// occurrence of a name counts (browsers ignore repeats).
func scriptList(policy string) (string, bool) {
	var found [3]string
	var seen [3]bool
	for policy != "" {
		var dir string
		dir, policy, _ = strings.Cut(policy, ";")
		dir = strings.Trim(dir, asciiSpace)
		name, value := dir, ""
		if i := strings.IndexAny(dir, asciiSpace); i >= 0 {
			name, value = dir[:i], dir[i+1:]
		}
		i := -1
		switch {
		case strings.EqualFold(name, "script-src-elem"):
			i = 0
		case strings.EqualFold(name, "script-src"):
			i = 1
		case strings.EqualFold(name, "default-src"):
			i = 2
		}
		if i >= 0 && !seen[i] {
			found[i], seen[i] = value, true
		}
	}
	for i := range found {
		if seen[i] {
			return found[i], true
		}
	}
	return "", false
}

// asciiSpace is the white space that separates CSP tokens.
const asciiSpace = " \t\n\f\r"

// parseSources reads one source list. 'none' and an empty list allow nothing, which the
// zero scriptSources says.
func parseSources(list string) scriptSources {
	var s scriptSources
	for list != "" {
		list = strings.TrimLeft(list, asciiSpace)
		if list == "" {
			break
		}
		src := list
		if i := strings.IndexAny(list, asciiSpace); i >= 0 {
			src, list = list[:i], list[i:]
		} else {
			list = ""
		}
		switch {
		case strings.EqualFold(src, "'self'"):
			s.self = true
		case src == "*":
			s.star = true
		case strings.EqualFold(src, "'unsafe-inline'"):
			s.unsafeInline = true
		case strings.EqualFold(src, "'strict-dynamic'"):
			s.strictDynamic = true
		case hasPrefixFold(src, "'nonce-"):
			s.nonceOrHash = true
			if n, ok := nonceValue(src); ok {
				s.nonces = append(s.nonces, n)
			}
		case hasPrefixFold(src, "'sha256-"), hasPrefixFold(src, "'sha384-"), hasPrefixFold(src, "'sha512-"):
			s.nonceOrHash = true
			if hasPrefixFold(src, "'sha256-") && len(src) > len("'sha256-'") && src[len(src)-1] == '\'' {
				s.hashes = append(s.hashes, src[len("'sha256-"):len(src)-1])
			}
		case src[0] != '\'':
			s.hosts = append(s.hosts, src)
		}
	}
	return s
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// nonceValue returns the value of a nonce source "'nonce-<base64-value>'", and false when
// src is malformed: a value that is not base64 is no nonce (CSP's grammar) and must not be
// copied into a page.
func nonceValue(src string) (string, bool) {
	if len(src) < len("'nonce-x'") || src[len(src)-1] != '\'' {
		return "", false
	}
	n := src[len("'nonce-") : len(src)-1]
	return n, isNonce(n)
}

// isNonce reports whether n has the shape of CSP's base64-value: letters, digits, "+",
// "/", "-" and "_", then at most two "=".
func isNonce(n string) bool {
	body := strings.TrimRight(n, "=")
	if body == "" || len(n)-len(body) > 2 {
		return false
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '+', c == '/', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// allowsInline reports whether the list runs an inline script with nonce n ("" for none)
// whose body has the base64 SHA-256 hash.
func (s *scriptSources) allowsInline(n, hash string) bool {
	for _, x := range s.nonces {
		if n != "" && x == n {
			return true
		}
	}
	for _, x := range s.hashes {
		if x == hash {
			return true
		}
	}
	return s.unsafeInline && !s.nonceOrHash && !s.strictDynamic
}

// allowsSameOrigin reports whether the list loads a script with nonce n ("" for none) from
// path on the page's own origin, reached over scheme ("http" or "https") at host (the
// request's Host, with or without a port). Under 'strict-dynamic' only a nonce counts.
func (s *scriptSources) allowsSameOrigin(n, scheme, host, path string) bool {
	for _, x := range s.nonces {
		if n != "" && x == n {
			return true
		}
	}
	if s.strictDynamic {
		return false
	}
	if s.self || s.star {
		return true
	}
	for _, h := range s.hosts {
		if hostSourceMatches(h, scheme, host, path) {
			return true
		}
	}
	return false
}

// hostSourceMatches reports whether the scheme- or host-source src matches the URL
// scheme://host/path, as CSP's "does url match expression" does for the parts a same-origin
// URL has: an http source matches https too; a host "*.example.com" matches subdomains; a
// missing port means the scheme's default; a path ending in "/" is a prefix.
func hostSourceMatches(src, scheme, host, path string) bool {
	srcScheme, rest, hasScheme := strings.Cut(src, "://")
	if !hasScheme {
		srcScheme, rest = "", src
		if s, ok := strings.CutSuffix(src, ":"); ok && !strings.ContainsAny(s, ":/.*") {
			return schemeMatches(s, scheme) // a scheme-source such as "https:"
		}
	}
	if srcScheme != "" && !schemeMatches(srcScheme, scheme) {
		return false
	}
	srcHostPort, srcPath := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		srcHostPort, srcPath = rest[:i], rest[i:]
	}
	srcHost, srcPort := srcHostPort, ""
	if i := strings.LastIndexByte(srcHostPort, ':'); i >= 0 {
		srcHost, srcPort = srcHostPort[:i], srcHostPort[i+1:]
	}
	h, port := host, ""
	if hh, p, err := net.SplitHostPort(host); err == nil {
		h, port = hh, p
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	switch {
	case strings.HasPrefix(srcHost, "*."):
		if !hasSuffixFold(h, srcHost[1:]) {
			return false
		}
	case !strings.EqualFold(srcHost, h):
		return false
	}
	if srcPort != "*" {
		want := srcPort
		if want == "" {
			want = defaultPort(srcScheme)
			if srcScheme == "" {
				want = defaultPort(scheme)
			}
		}
		if want != port && !(srcScheme == "http" && want == "80" && scheme == "https" && port == "443") {
			return false
		}
	}
	if srcPath == "" || srcPath == "/" {
		return true
	}
	if strings.HasSuffix(srcPath, "/") {
		return strings.HasPrefix(path, srcPath)
	}
	return path == srcPath
}

// schemeMatches reports whether a source's scheme allows the page's: equal, or http
// upgraded to https.
func schemeMatches(src, scheme string) bool {
	return strings.EqualFold(src, scheme) || (strings.EqualFold(src, "http") && scheme == "https")
}

// hasSuffixFold is strings.HasSuffix ignoring ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// defaultPort is the port a URL of scheme has when it names none.
func defaultPort(scheme string) string {
	if strings.EqualFold(scheme, "https") {
		return "443"
	}
	return "80"
}
