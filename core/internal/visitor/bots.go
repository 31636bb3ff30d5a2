package visitor

import (
	"net/http"
)

// botSignature is one User-Agent fragment that marks automated traffic.
// needle is matched case-insensitively anywhere in the User-Agent; reason
// is the stable name reported in Device.BotReason.
type botSignature struct {
	needle, reason string
}

// botSignatures returns the fragments mssola/useragent misses (it only
// flags product names with "bot"/"crawler" or a URL in the comment), in
// match order: specific tools first so that BotReason names the tool, the
// generic words last. It is a function, not a package variable, so that
// nothing in the package is mutable global state; the array is returned by
// value so it stays on the stack.
func botSignatures() [34]botSignature {
	return [...]botSignature{
		{"HeadlessChrome", "HeadlessChrome"},
		{"PhantomJS", "PhantomJS"},
		{"Lighthouse", "Lighthouse"},
		{"curl/", "curl"},
		{"Wget", "wget"},
		{"python-requests", "python-requests"},
		{"Python-urllib", "python-urllib"},
		{"python-httpx", "python-httpx"},
		{"aiohttp", "aiohttp"},
		{"Scrapy", "Scrapy"},
		{"Go-http-client", "Go-http-client"},
		{"okhttp", "okhttp"},
		{"Java/", "Java"},
		{"Apache-HttpClient", "Apache-HttpClient"},
		{"libwww-perl", "libwww-perl"},
		{"axios/", "axios"},
		{"node-fetch", "node-fetch"},
		{"undici", "undici"},
		{"UptimeRobot", "UptimeRobot"},
		{"Pingdom", "Pingdom"},
		{"StatusCake", "StatusCake"},
		{"Site24x7", "Site24x7"},
		{"Better Uptime", "Better Uptime"},
		{"BetterUptime", "Better Uptime"},
		{"Better Stack", "Better Uptime"},
		{"facebookexternalhit", "facebookexternalhit"},
		{"Slackbot", "Slackbot"},
		{"WhatsApp", "WhatsApp"},
		{"Googlebot", "Googlebot"},
		{"bingbot", "bingbot"},
		{"Google-InspectionTool", "Google-InspectionTool"},
		{"spider", "spider"},
		{"crawl", "crawler"},
		{"bot", "bot"},
	}
}

// botReason returns why ua is automated traffic, or "" for a browser.
// parserBot is the Parser's own verdict, consulted after our list
// so that the more specific reason wins. ua must already be length-bounded
// by the caller: the scan is O(len(ua) × signatures).
func botReason(ua string, parserBot bool) string {
	if len(ua) == 0 || isBlank(ua) {
		return "empty user agent"
	}
	for _, s := range botSignatures() {
		if !containsFold(ua, s.needle) {
			continue
		}
		// "CUBOT" is an Android phone brand, not a robot.
		if s.reason == "bot" && !hasGenericBot(ua) {
			continue
		}
		return s.reason
	}
	if parserBot {
		return "bot flag"
	}
	return ""
}

// isBlank reports whether ua holds only spaces and tabs.
func isBlank(ua string) bool {
	for i := 0; i < len(ua); i++ {
		if ua[i] != ' ' && ua[i] != '\t' {
			return false
		}
	}
	return true
}

// hasGenericBot reports whether "bot" occurs in ua other than as part of
// "cubot" (case-insensitive).
func hasGenericBot(ua string) bool {
	for i := 0; i+3 <= len(ua); i++ {
		if !equalFoldASCII(ua[i:i+3], "bot") {
			continue
		}
		if i >= 2 && equalFoldASCII(ua[i-2:i], "cu") {
			continue
		}
		return true
	}
	return false
}

// containsFold is an allocation-free ASCII case-insensitive
// strings.Contains; User-Agents are ASCII in practice and a non-ASCII byte
// simply never matches our ASCII needles.
func containsFold(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		if equalFoldASCII(s[i:i+n], needle) {
			return true
		}
	}
	return false
}

// equalFoldASCII compares two equal-length strings ignoring ASCII case.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// IsPrefetch reports a speculative load the visitor may never see.
func IsPrefetch(h http.Header) bool {
	if sp := h.Get("Sec-Purpose"); sp != "" &&
		(containsFold(sp, "prefetch") || containsFold(sp, "prerender")) {
		return true
	}
	if containsFold(h.Get("Purpose"), "prefetch") || containsFold(h.Get("X-Moz"), "prefetch") {
		return true
	}
	// Safari's Top Sites thumbnails.
	return containsFold(h.Get("X-Purpose"), "preview")
}
