package core

import (
	"hash/crc32"
	"net/http"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// Facts are what the middleware tells Personyze about a visitor, all derived from the
// request: nothing here comes from the application unless Config.UserKey supplies it.
// Personyze shows them in its dashboard (Live Visits), and most come from headers and a
// cookie the client writes, so each has a fixed shape whatever the client sent: what does
// not fit is cut off or left out (an unknown fact is "" or nil).
//
// A name, in OS and Platform, is 1 to 32 ASCII letters, digits, spaces, '.', '_' and '-',
// starting with a letter or digit and not ending with a space; a version is 1 to 4 numbers
// of 1 to 6 digits separated by dots.
type Facts struct {
	// UserID is crc32 of the application's user key when Config.UserKey returns one (so a
	// logged-in user keeps one id across devices), else of the random visitor key kept in
	// the cookie session. Never 0.
	UserID uint32
	// Languages is "" or up to three distinct lower-case 2-letter ISO 639-1 codes from
	// Accept-Language, by weight and joined by ", ", e.g. "en, es". An entry whose weight
	// is not an RFC 9110 qvalue (0 to 1, at most three decimals) is ignored.
	Languages string
	// DeviceType is "phone", "tablet" or "regular". Sec-CH-UA-Mobile counts only as
	// exactly "?1" or "?0" (RFC 8941).
	DeviceType string
	// OS is "" or a name, or a name, "/" and a version: "Windows/11", "macOS/10.15.7",
	// "Linux". At most 60 bytes.
	OS string
	// Platform is "" or a name: the device platform, e.g. "Windows", "iPhone" or
	// "Linux x86_64".
	Platform string
	// TimeZone is the visitor's offset from GMT in hours, from -12 to 14 with at most two
	// decimals, known once the script helper has run in the visitor's browser; nil before
	// that.
	TimeZone *float64
	// Screen is "<width>x<height>", each 1 to 20000 without leading zeros, known once the
	// script helper has run; "" before that.
	Screen string
}

// userID derives the 32-bit user_id from a key. Zero is avoided because the SDKs treat it
// as "no user".
func userID(key string) uint32 {
	id := crc32.ChecksumIEEE([]byte(key))
	if id == 0 {
		id = 1
	}
	return id
}

// visitorUserID is the user_id of an application user key (Config.UserKey,
// Visit.SetUserKey), or of the cookie's visitor key for "".
func visitorUserID(userKey, visitorKey string) uint32 {
	if userKey != "" {
		return userID("user:" + userKey)
	}
	return userID(visitorKey)
}

// deriveFacts computes a visitor's facts from the request, the detected device and the
// visitor key of its cookie session.
func (t *Tracker) deriveFacts(r *http.Request, d Device, visitorKey string) Facts {
	var userKey string
	if t.cfg.UserKey != nil {
		userKey = t.cfg.UserKey(r)
	}
	f := Facts{
		UserID:     visitorUserID(userKey, visitorKey),
		Languages:  t.detector.Languages(r.Header.Get("Accept-Language")),
		DeviceType: d.Type,
		OS:         d.OS,
		Platform:   d.Platform,
	}
	if c, err := r.Cookie(EnvCookieName); err == nil {
		f.TimeZone, f.Screen = visitor.ParseEnvCookie(c.Value)
	}
	return f
}

// EnvCookieName is the first-party cookie that the personyzeScript template function's
// script writes: the visitor's UTC offset in hours and screen size ("tz=-4&s=1920x1080"),
// facts no request header carries. Later requests read it into Facts.
const EnvCookieName = visitor.EnvCookieName
