package visitor

import (
	"net/http"
	"strings"
)

// maxHintValue bounds a client-hint value we are willing to read. Real values
// are a few bytes ("?1", "\"Windows\"", "\"15.0.0\"").
const maxHintValue = 64

// maxBrands bounds the Sec-CH-UA brand list we scan for a headless brand.
const maxBrands = 512

// applyHints returns the device of f corrected by the User-Agent Client Hints
// in h. Hints beat the User-Agent because Chromium freezes the User-Agent
// (Windows 11 says "Windows NT 10.0", Android says "Android 10; K"), while
// the hints carry the real values.
func applyHints(f uaFacts, h http.Header) Device {
	dev := f.dev

	// Sec-CH-UA-Mobile: "?1" phone, "?0" not a phone. Tablets keep their
	// type: Chrome on an Android tablet may send either.
	if mobile, ok := parseHintBool(h.Get("Sec-Ch-Ua-Mobile")); ok && !f.tablet {
		if mobile {
			dev.Type = devicePhone
		} else if dev.Type == devicePhone {
			dev.Type = deviceRegular
		}
	}

	// Headless Chrome may drop "HeadlessChrome" from a spoofed User-Agent
	// but still lists it among its brands.
	if !dev.Bot {
		if brands := h.Get("Sec-Ch-Ua"); len(brands) <= maxBrands && strings.Contains(brands, "HeadlessChrome") {
			dev.Bot, dev.BotReason = true, "HeadlessChrome"
		}
	}

	name, ok := parseHintString(h.Get("Sec-Ch-Ua-Platform"))
	if !ok {
		return dev
	}
	name = platformName(name)
	if name == "" {
		return dev
	}
	version, _ := parseHintString(h.Get("Sec-Ch-Ua-Platform-Version"))
	if !validVersion(version) {
		version = ""
	}
	if dev.Platform == "" {
		dev.Platform = name
	}
	dev.OS = hintedOS(name, version, f)
	return dev
}

// hintedOS combines the platform hint with its version hint into "Name/Version".
func hintedOS(name, version string, f uaFacts) string {
	switch name {
	case "Windows":
		// Sec-CH-UA-Platform-Version on Windows is the UniversalApiContract
		// version: 13 and above is Windows 11, 1..10 is Windows 10, 0 is
		// Windows 7, 8 or 8.1, which only the User-Agent tells apart.
		major, ok := majorVersion(version)
		switch {
		case ok && major >= 13:
			return "Windows/11"
		case ok && major >= 1:
			return "Windows/10"
		}
		if f.osName == "Windows" {
			return f.dev.OS
		}
		return "Windows"
	case "Linux":
		// The "version" is a kernel release at best; the PHP tracker and
		// the spec show plain "Linux".
		return "Linux"
	}
	if version != "" {
		return name + "/" + trimZeros(version)
	}
	if f.osName == name {
		return f.dev.OS // same OS: keep the User-Agent's version
	}
	return name
}

// platformName maps Sec-CH-UA-Platform values to our OS names. Unknown
// values are kept when they look like a plain name, so a new platform still
// shows up; "Unknown" and junk are dropped.
func platformName(v string) string {
	switch v {
	case "Windows", "Android", "Linux", "iOS":
		return v
	case "macOS":
		return "macOS"
	case "Chrome OS", "Chromium OS", "ChromeOS":
		return "ChromeOS"
	case "", "Unknown":
		return ""
	}
	if !validName(v) {
		return ""
	}
	return v
}

// parseHintBool reads a structured-header boolean (RFC 8941): exactly "?1" or "?0",
// surrounding spaces aside. Anything else ("1", `"?1`, "?1;x") is no hint: a client that
// mangles the value says nothing reliable about the device.
func parseHintBool(v string) (value, ok bool) {
	switch strings.Trim(v, " \t") {
	case "?1":
		return true, true
	case "?0":
		return false, true
	}
	return false, false
}

// parseHintString reads a structured-header string (`"Windows"`), tolerating
// whitespace, parameters, escapes and a missing pair of quotes. It does not
// allocate unless the value contains escapes.
func parseHintString(v string) (string, bool) {
	if len(v) > maxHintValue {
		return "", false
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if v[0] != '"' {
		// Unquoted: tolerate a bare token, drop parameters.
		if i := strings.IndexByte(v, ';'); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		return v, v != ""
	}
	v = v[1:]
	end := -1
	escaped := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			escaped = true
			i++ // skip the escaped byte
		case '"':
			end = i
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return "", false // unterminated string
	}
	v = v[:end]
	if !escaped {
		return v, true
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String(), true
}

// validVersion accepts a whole version in the documented shape only ("15.0.0"; see
// MaxVersionParts): a hint is either right or ignored.
func validVersion(v string) bool { return v != "" && cleanVersion(v) == v }

// majorVersion returns the leading number of a version.
func majorVersion(v string) (int, bool) {
	n, digits := 0, 0
	for i := 0; i < len(v) && v[i] != '.'; i++ {
		if v[i] < '0' || v[i] > '9' || digits >= 6 {
			return 0, false
		}
		n = n*10 + int(v[i]-'0')
		digits++
	}
	return n, digits > 0
}

// trimZeros drops trailing ".0" components ("14.0.0" → "14"), so hint
// versions read like User-Agent ones, keeping at least the major.
func trimZeros(v string) string {
	for strings.HasSuffix(v, ".0") {
		v = v[:len(v)-2]
	}
	return strings.TrimSuffix(v, ".")
}
