package core

import (
	"hash/crc32"
	"net/http"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// Facts are what the middleware tells Personyze about a visitor, all derived from the
// request: nothing here comes from the application unless Config.UserKey supplies it.
type Facts struct {
	// UserID is crc32 of the application's user key when Config.UserKey returns one (so a
	// logged-in user keeps one id across devices), else of the random visitor key kept in
	// the cookie session.
	UserID uint32
	// Languages is up to three 2-letter codes from Accept-Language, e.g. "en, es".
	Languages string
	// DeviceType is "phone", "tablet" or "regular".
	DeviceType string
	// OS is "Name/Version", e.g. "Windows/11".
	OS string
	// Platform is the device platform, e.g. "Windows" or "iPhone".
	Platform string
	// TimeZone is the visitor's offset from GMT in hours, known once the script helper has
	// run in the visitor's browser; nil before that.
	TimeZone *float64
	// Screen is "<width>x<height>", known once the script helper has run; "" before that.
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

// deriveFacts computes a visitor's facts from the request, the detected device and the
// visitor key of its cookie session.
func (t *Tracker) deriveFacts(r *http.Request, d Device, visitorKey string) Facts {
	key := visitorKey
	if t.cfg.UserKey != nil {
		if k := t.cfg.UserKey(r); k != "" {
			key = "user:" + k
		}
	}
	f := Facts{
		UserID:     userID(key),
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
