package visitor

import (
	"strings"

	"github.com/mssola/useragent"
)

// Parser extracts raw facts from a User-Agent string. It is the
// seam that keeps the third-party parser (github.com/mssola/useragent by
// default) out of the rest of the library; Detector applies its own
// corrections (tablets, bots, client hints, Windows 11) on top of it.
//
// Implementations must be safe for concurrent use and must not panic.
type Parser interface {
	ParseUserAgent(ua string) Info
}

// Info is what a Parser reports about one User-Agent.
type Info struct {
	// Bot is the parser's own bot verdict (Detector adds its list).
	Bot bool
	// Mobile is the parser's "mobile device" verdict (phone or tablet).
	Mobile bool
	// OSName is a normalized OS name: "Windows", "Windows Phone",
	// "macOS", "iOS", "Android", "Linux", "ChromeOS", or the parser's own.
	OSName string
	// OSVersion uses dots ("10.15.7"), "" when unknown.
	OSVersion string
	// Platform is the device or system family: "Windows", "Macintosh",
	// "iPhone", "iPad", "Android", "Linux x86_64", ...
	Platform string
	// Browser is the browser or client name ("Chrome", "Firefox", "curl").
	Browser string
}

// mssola is the default Parser. It is stateless (mssola's
// UserAgent value is built per call), so it is safe for concurrent use.
type mssola struct{}

// ParseUserAgent implements Parser over mssola/useragent and
// smooths over its naming quirks ("iPhone OS", "Intel Mac OS X", "X11").
func (mssola) ParseUserAgent(ua string) Info {
	u := useragent.New(ua)
	oi := u.OSInfo()
	browser, _ := u.Browser()
	info := Info{
		Bot:       u.Bot(),
		Mobile:    u.Mobile(),
		OSName:    oi.Name,
		OSVersion: oi.Version,
		Platform:  u.Platform(),
		Browser:   browser,
	}
	normalizeOS(&info, oi.FullName)
	return info
}

// normalizeOS maps mssola's OS and platform names to the spellings the
// Personyze dashboard shows (os "Name/Version", platform as in the spec).
func normalizeOS(info *Info, fullOS string) {
	switch {
	case info.Platform == "iPhone" || info.Platform == "iPad" || info.Platform == "iPod" ||
		info.Platform == "iPod touch":
		// mssola reports "iPhone OS" for iPhones and plain "OS" for iPads.
		info.OSName = "iOS"
	case info.OSName == "Mac OS X" || info.OSName == "Mac OS":
		info.OSName = "macOS"
	case info.OSName == "Android":
		info.Platform = "Android"
	case strings.HasPrefix(info.OSName, "CrOS"):
		info.OSName = "ChromeOS"
		info.Platform = "ChromeOS"
	case info.Platform == "X11" || info.Platform == "Linux":
		// "Linux x86_64" and friends: keep the architecture in the
		// platform, as the Personyze PHP tracker does, and drop the
		// meaningless "version" from the OS.
		if strings.HasPrefix(fullOS, "Linux") {
			info.Platform = fullOS
			info.OSName = "Linux"
			info.OSVersion = ""
		} else if info.Platform == "X11" {
			info.Platform = "Linux"
		}
	}
}
