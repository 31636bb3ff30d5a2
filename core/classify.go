package core

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// RequestKind says what a request means to Personyze.
type RequestKind uint8

const (
	// KindPage is a page view: the visit sends Navigate plus any tracked
	// commands.
	KindPage RequestKind = iota
	// KindEvent is a request that may track events (a form POST, an API
	// call) but is not a page view: no Navigate is sent.
	KindEvent
	// KindIgnore is a request Personyze must not see at all (bots,
	// static assets, prefetches, HEAD): the Visit does nothing.
	KindIgnore
)

// String returns "page", "event" or "ignore".
func (k RequestKind) String() string {
	switch k {
	case KindPage:
		return "page"
	case KindEvent:
		return "event"
	case KindIgnore:
		return "ignore"
	}
	return "RequestKind(" + strconv.Itoa(int(k)) + ")"
}

// Classifier decides what kind of request r is, given the device facts
// already derived from it, and returns a short reason for logs and stats.
type Classifier func(r *http.Request, d Device) (RequestKind, string)

// Every reason a Visit's Reason gives, in one place (the package documentation lists
// them, see TestDocReasons). They are stable so that they can be counted and alerted on.
const (
	// Returned by DefaultClassifier and IgnorePaths:
	reasonPageView    = "page view"    // KindPage
	reasonStatic      = "static asset" // KindIgnore: file extension or well-known file
	reasonPrefetch    = "prefetch"     // KindIgnore: Sec-Purpose/Purpose/X-Moz/X-Purpose
	reasonIgnoredPath = "ignored path" // KindIgnore: IgnorePaths matched
	reasonEnvScript   = "env script"   // KindIgnore: the request for personyzeScript's file
	// Bots give "bot: " + Device.BotReason ("bot: curl"); methods give
	// "method " + the method ("method POST", "method HEAD").

	// GETs that are not page views, by request (the classifier) and by response
	// (BeforeHeader):
	reasonFetch   = "fetch"    // KindEvent: Sec-Fetch-Mode is not navigate, or Sec-Fetch-Dest not document
	reasonXHR     = "xhr"      // KindEvent: X-Requested-With: XMLHttpRequest
	reasonNotHTML = "not html" // KindEvent: no Sec-Fetch headers and Accept does not ask for HTML
	// reasonResponseNotHTML: KindEvent, the response's Content-Type is set and is not HTML.
	reasonResponseNotHTML = "response not html"
	// Responses with a status other than a successful page give "response <status>".

	// Given by Begin and the Visit's controls:
	reasonNoConsent    = "no consent"             // KindIgnore: Config.Consent refused
	reasonGPC          = "global privacy control" // KindIgnore: HonorGPC and Sec-GPC: 1
	reasonSkipped      = "skipped by handler"     // KindIgnore: Visit.Skip
	reasonForgotten    = "forgotten"              // KindIgnore: Visit.Forget before the call
	reasonNoMiddleware = "no middleware"          // the Visit of FromContext without one
)

// DefaultClassifier is the classifier used when Config.Classify is nil.
// In order:
//
//   - bots (d.Bot) → KindIgnore, "bot: <Device.BotReason>" ("bot: curl")
//   - HEAD, OPTIONS, CONNECT, TRACE → KindIgnore, "method HEAD" ...
//   - other non-GET methods (POST, PUT, PATCH, DELETE, ...) → KindEvent,
//     "method POST" ...
//   - GET prefetch or prerender (Sec-Purpose containing "prefetch" or
//     "prerender", Purpose: prefetch, X-Moz: prefetch, X-Purpose: preview)
//     → KindIgnore, "prefetch"
//   - GET of a static asset (.css .js .mjs .map .png .jpg .jpeg .gif .svg
//     .webp .avif .ico .woff .woff2 .ttf .eot .otf .mp4 .webm .mp3 .pdf .zip
//     .txt .xml .json .wasm .webmanifest, hence /favicon.ico and
//     /robots.txt) → KindIgnore, "static asset"
//   - GET that is not a browser navigating to a document → KindEvent (events the handler
//     tracks are sent, no Navigate): X-Requested-With: XMLHttpRequest → "xhr";
//     Sec-Fetch-Mode other than navigate or Sec-Fetch-Dest other than document → "fetch";
//     neither Sec-Fetch header and an Accept without text/html → "not html"
//   - any other GET → KindPage, "page view"; it stays one only if the response is a page
//     too (see Exchange.BeforeHeader and Visit.SetStatus)
func DefaultClassifier(r *http.Request, d Device) (RequestKind, string) {
	if d.Bot {
		if d.BotReason == "" {
			return KindIgnore, "bot"
		}
		return KindIgnore, "bot: " + d.BotReason
	}
	switch r.Method {
	case http.MethodGet, "":
		// "" is GET for client requests; servers always set it.
	case http.MethodHead:
		return KindIgnore, "method HEAD"
	case http.MethodOptions:
		return KindIgnore, "method OPTIONS"
	case http.MethodConnect:
		return KindIgnore, "method CONNECT"
	case http.MethodTrace:
		return KindIgnore, "method TRACE"
	case http.MethodPost:
		return KindEvent, "method POST"
	case http.MethodPut:
		return KindEvent, "method PUT"
	case http.MethodPatch:
		return KindEvent, "method PATCH"
	case http.MethodDelete:
		return KindEvent, "method DELETE"
	default:
		m := r.Method
		if len(m) > 16 {
			m = m[:16] // a log line, not a copy of hostile input
		}
		return KindEvent, "method " + m
	}
	if visitor.IsPrefetch(r.Header) {
		return KindIgnore, reasonPrefetch
	}
	if r.URL != nil && isStatic(r.URL.Path) {
		return KindIgnore, reasonStatic
	}
	if why := notNavigation(r.Header); why != "" {
		return KindEvent, why
	}
	return KindPage, reasonPageView
}

// Classifiers combines classifiers: each one runs (nil ones are skipped)
// and the most restrictive kind wins (KindIgnore > KindEvent > KindPage),
// with the reason of the first classifier that gave it. With no non-nil
// classifier it behaves as DefaultClassifier, so that combining never
// silently turns bots into page views.
func Classifiers(cs ...Classifier) Classifier {
	list := make([]Classifier, 0, len(cs))
	for _, c := range cs {
		if c != nil {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return DefaultClassifier
	}
	return func(r *http.Request, d Device) (RequestKind, string) {
		kind, reason := KindPage, reasonPageView
		for i, c := range list {
			k, why := c(r, d)
			if k > KindIgnore {
				k = KindIgnore // unknown kinds are treated as the safest one
			}
			if i == 0 || k > kind {
				kind, reason = k, why
			}
			if kind == KindIgnore {
				break // nothing is more restrictive
			}
		}
		return kind, reason
	}
}

// IgnorePaths returns a classifier that gives KindIgnore, "ignored path"
// for requests under any of the path prefixes, and KindPage, "page view"
// (no opinion) otherwise; combine it with DefaultClassifier through
// Classifiers. A prefix matches whole path segments: "/admin" matches
// "/admin" and "/admin/users" but not "/administrators"; a prefix ending
// in "/" matches anything below it.
func IgnorePaths(prefixes ...string) Classifier {
	ps := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		if p != "" {
			ps = append(ps, p)
		}
	}
	return func(r *http.Request, _ Device) (RequestKind, string) {
		if r.URL == nil {
			return KindPage, reasonPageView
		}
		path := r.URL.Path
		for _, p := range ps {
			if !strings.HasPrefix(path, p) {
				continue
			}
			if len(path) == len(p) || p[len(p)-1] == '/' || path[len(p)] == '/' {
				return KindIgnore, reasonIgnoredPath
			}
		}
		return KindPage, reasonPageView
	}
}

// isStatic reports whether path names a static file by its
// extension. It does not allocate.
func isStatic(path string) bool {
	dot := -1
	for i := len(path) - 1; i >= 0 && path[i] != '/'; i-- {
		if path[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 || len(path)-dot > 12 {
		return false
	}
	var buf [12]byte
	ext := buf[:0]
	for i := dot + 1; i < len(path); i++ {
		c := path[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		ext = append(ext, c)
	}
	switch string(ext) {
	case "css", "js", "mjs", "map",
		"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
		"woff", "woff2", "ttf", "eot", "otf",
		"mp4", "webm", "mp3", "ogg",
		"pdf", "zip", "gz",
		"txt", "xml", "json", "wasm", "webmanifest":
		return true
	}
	return false
}
