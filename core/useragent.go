package core

import "github.com/gopersonyze/personyze/core/internal/visitor"

// UserAgentParser extracts raw facts from a User-Agent string; set one in
// Config.UserAgentParser to replace the built-in parser (github.com/mssola/useragent). The
// library applies its own corrections (tablets, bots, client hints, Windows 11) on top of
// what it reports, and keeps of its names and versions only what fits the shapes Facts
// documents. Implementations must be safe for concurrent use; a panic is caught and
// treated as "nothing known".
type UserAgentParser interface {
	ParseUserAgent(ua string) UserAgentInfo
}

// UserAgentInfo is what a UserAgentParser reports about one User-Agent.
type UserAgentInfo struct {
	// Bot is the parser's own bot verdict (the library adds its list).
	Bot bool
	// Mobile is the parser's "mobile device" verdict (phone or tablet).
	Mobile bool
	// OSName is a normalized OS name: "Windows", "Windows Phone", "macOS", "iOS", "Android",
	// "Linux", "ChromeOS", or the parser's own.
	OSName string
	// OSVersion uses dots ("10.15.7"), "" when unknown.
	OSVersion string
	// Platform is the device or system family: "Windows", "Macintosh", "iPhone", "iPad",
	// "Android", "Linux x86_64", ...
	Platform string
	// Browser is the browser or client name ("Chrome", "Firefox", "curl").
	Browser string
}

// userAgentParser adapts a UserAgentParser to the visitor package's.
type userAgentParser struct{ p UserAgentParser }

func (a userAgentParser) ParseUserAgent(ua string) visitor.Info {
	return visitor.Info(a.p.ParseUserAgent(ua))
}

// Device holds the visitor facts derived from the request headers, as classifiers see them.
type Device struct {
	// Type is "phone", "tablet" or "regular" (Personyze's device_type).
	Type string
	// OS is "Name/Version" or just "Name" when the version is unknown: "Windows/11",
	// "macOS/10.15.7", "iOS/17.4", "Android/14", "Linux"; in the shape Facts.OS documents.
	OS string
	// Platform is the device or system family: "Windows", "Macintosh", "iPhone", "iPad",
	// "Android", "Linux x86_64", ...; in the shape Facts.Platform documents.
	Platform string
	// Bot reports automated traffic (crawler, HTTP library, monitor, headless browser, or no
	// User-Agent at all).
	Bot bool
	// BotReason names what matched when Bot is true: "empty user agent", "curl",
	// "Googlebot", "HeadlessChrome", "bot", "bot flag" (the parser's own verdict), ...; ""
	// otherwise.
	BotReason string
}
