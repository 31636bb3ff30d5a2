package core

import (
	"net/http"
	"strconv"
	"strings"
)

// Reasons for GETs that are not page views, by request (the classifier) and by response
// (BeforeHeader). They are stable so that they can be counted and alerted on.
const (
	reasonFetch   = "fetch"    // KindEvent: Sec-Fetch-Mode is not navigate, or Sec-Fetch-Dest not document
	reasonXHR     = "xhr"      // KindEvent: X-Requested-With: XMLHttpRequest
	reasonNotHTML = "not html" // KindEvent: no Sec-Fetch headers and Accept does not ask for HTML
	// reasonResponseNotHTML: KindEvent, the response's Content-Type is set and is not HTML.
	reasonResponseNotHTML = "response not html"
	// Responses with a status other than a successful page give "response <status>".
)

// notNavigation returns why a GET is not a browser navigating to a document, or "" when
// it is. Browsers send Sec-Fetch-Mode and Sec-Fetch-Dest on every request (Chrome 76+,
// Firefox 90+, Safari 16.4+); older ones are judged by Accept, which a navigation always
// fills with text/html and fetch()/XHR leave at */* unless the code asks for more.
func notNavigation(h http.Header) string {
	if strings.EqualFold(h.Get("X-Requested-With"), "XMLHttpRequest") {
		return reasonXHR
	}
	mode, dest := h.Get("Sec-Fetch-Mode"), h.Get("Sec-Fetch-Dest")
	if mode != "" || dest != "" {
		if (mode != "" && !strings.EqualFold(mode, "navigate")) || (dest != "" && !strings.EqualFold(dest, "document")) {
			return reasonFetch
		}
		return ""
	}
	if !acceptsHTML(h.Values("Accept")) {
		return reasonNotHTML
	}
	return ""
}

// acceptsHTML reports whether an Accept header names text/html or application/xhtml+xml
// with a non-zero quality.
func acceptsHTML(values []string) bool {
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			media, params, _ := strings.Cut(part, ";")
			media = strings.TrimSpace(media)
			if !strings.EqualFold(media, "text/html") && !strings.EqualFold(media, "application/xhtml+xml") {
				continue
			}
			if !zeroQuality(params) {
				return true
			}
		}
	}
	return false
}

// zeroQuality reports whether media-type parameters carry q=0 (the type is refused).
func zeroQuality(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, val, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			return err == nil && q <= 0
		}
	}
	return false
}

// notPageResponse returns why a response is not a page the visitor sees, or "" when it
// is: a page is answered with a 2xx status other than 204, 205 and 206 and, when the
// Content-Type is already set, an HTML one. An unset Content-Type counts as HTML, since
// net/http sniffs it only after the header hook ran and most Go handlers that write
// templates leave it unset. Status 0 means the handler wrote nothing: net/http sends 200.
func notPageResponse(status int, h http.Header) string {
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case status < 200 || status > 299, status == http.StatusNoContent,
		status == http.StatusResetContent, status == http.StatusPartialContent:
		return "response " + strconv.Itoa(status)
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	media, _, _ := strings.Cut(ct, ";")
	media = strings.TrimSpace(media)
	if strings.EqualFold(media, "text/html") || strings.EqualFold(media, "application/xhtml+xml") {
		return ""
	}
	return reasonResponseNotHTML
}
