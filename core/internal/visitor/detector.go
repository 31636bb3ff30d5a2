package visitor

import (
	"net/http"
	"strings"
)

// Device types, as the Personyze "device_type" field spells them.
const (
	deviceRegular = "regular"
	devicePhone   = "phone"
	deviceTablet  = "tablet"
)

// maxParse bounds the part of a User-Agent that is parsed. Real
// User-Agents are a few hundred bytes; a 64 KiB header must not cost a
// 64 KiB parse and scan on every request (it is not cached either).
const maxParse = 2 << 10

// defaultCacheSize is the cache size used when NewDetector is
// given 0 (it matches Config.UACacheSize's default).
const defaultCacheSize = 4096

// Device holds the visitor facts derived from the request headers.
type Device struct {
	// Type is "phone", "tablet" or "regular" (Personyze's device_type).
	Type string
	// OS is "Name/Version" or just "Name" when the version is unknown:
	// "Windows/11", "macOS/10.15.7", "iOS/17.4", "Android/14", "Linux".
	// Names and versions have the shapes shape.go defines.
	OS string
	// Platform is the device or system family: "Windows", "Macintosh",
	// "iPhone", "iPad", "Android", "Linux x86_64", ...
	Platform string
	// Bot reports automated traffic (crawler, HTTP library, monitor,
	// headless browser, or no User-Agent at all).
	Bot bool
	// BotReason names what matched when Bot is true: "empty user agent",
	// "curl", "Googlebot", "HeadlessChrome", "bot", "bot flag" (the
	// parser's own verdict), ...; "" otherwise.
	BotReason string
}

// uaFacts is what is cached per User-Agent: the device as the User-Agent
// alone describes it, plus the tablet verdict that client hints must not
// override ("?1" on an Android tablet still means tablet).
type uaFacts struct {
	dev    Device
	tablet bool
	osName string // OS without version, to know whether a hint agrees
}

// Detector derives Device facts from request headers. It parses the
// User-Agent through a Parser, corrects it with our own tablet,
// phone and bot rules, and then applies User-Agent Client Hints.
//
// Parsed User-Agents are kept in a bounded LRU cache, since a site sees
// few distinct User-Agents and parsing is the expensive part. A
// Detector is safe for concurrent use; a nil *Detector works
// too (default parser, no cache).
type Detector struct {
	parser Parser
	cache  *uaCache
	langs  langCache
}

// NewDetector returns a detector caching up to cacheSize parsed
// User-Agents (0 means 4096, negative disables the cache). A nil parser
// means the default one, built on github.com/mssola/useragent.
//
// User-Agents longer than 512 bytes are never cached, and only their
// first 2 KiB are parsed, so hostile headers cost bounded time and memory.
func NewDetector(cacheSize int, p Parser) *Detector {
	if p == nil {
		p = mssola{}
	}
	if cacheSize == 0 {
		cacheSize = defaultCacheSize
	}
	return &Detector{parser: p, cache: newUACache(cacheSize)}
}

// Detect returns the device facts of a request from its User-Agent,
// Sec-CH-UA-Mobile, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version and
// Sec-CH-UA headers. It never panics on hostile input.
//
// Known limits: iPadOS Safari sends a macOS User-Agent by default ("desktop
// mode") and no client hints, so such iPads are reported as regular
// Macintosh devices; only the screen size could tell them apart.
func (d *Detector) Detect(h http.Header) Device {
	ua := h.Get("User-Agent")
	f := d.facts(ua)
	dev := applyHints(f, h)
	return dev
}

// facts returns the cached or freshly derived facts of one User-Agent.
func (d *Detector) facts(ua string) uaFacts {
	if len(ua) > maxParse {
		ua = ua[:maxParse]
	}
	var c *uaCache
	var p Parser = mssola{}
	if d != nil {
		c, p = d.cache, d.parser
	}
	if c != nil && len(ua) <= uaCacheMaxKey {
		if f, ok := c.get(ua); ok {
			return f
		}
	}
	f := derive(ua, p)
	if c != nil {
		c.put(ua, f)
	}
	return f
}

// derive applies our rules to what the parser says about ua.
func derive(ua string, p Parser) uaFacts {
	var info Info
	if strings.TrimSpace(ua) != "" {
		info = safeParse(p, ua)
	}
	var f uaFacts
	// The parser reports what the client wrote: only the part in the documented shape is
	// kept (see shape.go).
	f.osName = cleanName(info.OSName)
	f.dev.Platform = cleanName(info.Platform)
	f.dev.OS = f.osName
	if version := cleanVersion(info.OSVersion); f.osName != "" && version != "" {
		f.dev.OS = f.osName + "/" + version
	}
	f.tablet = isTablet(ua)
	switch {
	case f.tablet:
		f.dev.Type = deviceTablet
	case isPhone(ua) || info.Mobile:
		f.dev.Type = devicePhone
	default:
		f.dev.Type = deviceRegular
	}
	f.dev.BotReason = botReason(ua, info.Bot)
	f.dev.Bot = f.dev.BotReason != ""
	return f
}

// safeParse calls a parser, turning a panic (a bug in a third-party
// parser on odd input) into "nothing known" rather than a failed page.
func safeParse(p Parser, ua string) (info Info) {
	defer func() {
		if recover() != nil {
			info = Info{}
		}
	}()
	return p.ParseUserAgent(ua)
}

// isTablet applies our tablet rules, which mssola lacks: it calls every
// Android device mobile and knows nothing about Kindles.
func isTablet(ua string) bool {
	switch {
	case strings.Contains(ua, "iPad"),
		strings.Contains(ua, "Kindle"), strings.Contains(ua, "Silk/"),
		strings.Contains(ua, "PlayBook"):
		return true
	case strings.Contains(ua, "Android") && !strings.Contains(ua, "Mobile") &&
		!strings.Contains(ua, "Windows Phone"):
		// Google's convention: Android tablets drop "Mobile".
		return true
	case strings.Contains(ua, "Tablet") && !strings.Contains(ua, "Tablet PC"):
		// "Tablet PC 2.0" is a touch-capable Windows laptop.
		return true
	}
	return false
}

// isPhone applies our phone rules.
func isPhone(ua string) bool {
	return strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPod") ||
		strings.Contains(ua, "Windows Phone") ||
		(strings.Contains(ua, "Android") && strings.Contains(ua, "Mobile"))
}
