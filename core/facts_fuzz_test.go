package core

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Shapes of the facts sent to Personyze, as the Facts fields document them.
var (
	factName      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,30}[A-Za-z0-9._-])?$`)
	factVersion   = regexp.MustCompile(`^[0-9]{1,6}(\.[0-9]{1,6}){0,3}$`)
	factLanguages = regexp.MustCompile(`^([a-z]{2}(, [a-z]{2}){0,2})?$`)
	factScreen    = regexp.MustCompile(`^([1-9][0-9]{0,4}x[1-9][0-9]{0,4})?$`)
	factTimeZone  = regexp.MustCompile(`^-?[0-9]{1,2}(\.[0-9]{1,2})?$`) // as JSON writes it
)

// validFacts returns an error naming the first fact outside its documented shape.
func validFacts(f Facts) error {
	if f.UserID == 0 {
		return fmt.Errorf("user_id 0")
	}
	switch f.DeviceType {
	case "regular", "phone", "tablet":
	default:
		return fmt.Errorf("device_type %q", f.DeviceType)
	}
	if f.Platform != "" && !factName.MatchString(f.Platform) {
		return fmt.Errorf("platform %q", f.Platform)
	}
	if f.OS != "" {
		name, version, hasVersion := strings.Cut(f.OS, "/")
		if !factName.MatchString(name) || hasVersion && !factVersion.MatchString(version) {
			return fmt.Errorf("os %q", f.OS)
		}
	}
	if !factLanguages.MatchString(f.Languages) {
		return fmt.Errorf("languages %q", f.Languages)
	}
	if tz := f.TimeZone; tz != nil && (*tz < -12 || *tz > 14 || !factTimeZone.MatchString(strconv.FormatFloat(*tz, 'f', -1, 64))) {
		return fmt.Errorf("time_zone %v", *tz)
	}
	if !factScreen.MatchString(f.Screen) {
		return fmt.Errorf("screen %q", f.Screen)
	}
	if w, h, ok := strings.Cut(f.Screen, "x"); ok && (len(w) == 5 && w > "20000" || len(h) == 5 && h > "20000") {
		return fmt.Errorf("screen %q", f.Screen)
	}
	return nil
}

// factsFor derives the facts a Tracker sends for a request with the given headers.
func factsFor(t testing.TB, tr *Tracker, h http.Header) Facts {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header = h
	return tr.deriveFacts(r, Device(tr.detector.Detect(h)), "visitor-key")
}

// factsTracker is a Tracker for deriving facts; it sends nothing.
func factsTracker(t testing.TB) *Tracker {
	t.Helper()
	tr, err := New(Config{APIKey: strings.Repeat("K", 40), Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// FuzzFacts: whatever User-Agent, client hints, Accept-Language and environment cookie a
// client sends, every fact sent to Personyze has its documented shape.
func FuzzFacts(f *testing.F) {
	win := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	for _, s := range [][6]string{
		{win, "?0", `"Windows"`, `"15.0.0"`, "en-US,en;q=0.9", "tz=-4&s=1920x1080"},
		{`Mozilla/5.0 (Windows NT "><img src=x onerror=alert(7)>) Chrome/120`, `"?1`, `"Win\"dows"`, `"1.2.3.4.5.6"`, "en;q=NaN, de;q=0.5", "tz=5.5;s=0x0"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_" + strings.Repeat("9", 300) + ")", "?1;a=b", "macOS", strings.Repeat("1", 70), "fr;q=1.0001", "%"},
		{"Mozilla/5.0 (Linux; Android 14\t\u202e; K) Mobile", " ?0 ", `"Android"`, `"14\u202e"`, "*;q=0.5, es;Q=0.8", "tz=14&s=20000x20000"},
		{"Mozilla/5.0 (X11; Linux <b>x86_64) Gecko", "", `"Chrome OS"`, `""`, "zh-Hant-TW;q=.5, en", `"tz=-0"`},
		{"", "?1", `"Unknown"`, "0", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	tr := factsTracker(f)
	f.Fuzz(func(t *testing.T, ua, mobile, platform, version, lang, env string) {
		h := http.Header{}
		for k, v := range map[string]string{"User-Agent": ua, "Sec-Ch-Ua-Mobile": mobile, "Sec-Ch-Ua-Platform": platform,
			"Sec-Ch-Ua-Platform-Version": version, "Accept-Language": lang, "Cookie": EnvCookieName + "=" + env} {
			h.Set(k, v)
		}
		if err := validFacts(factsFor(t, tr, h)); err != nil {
			t.Fatalf("%v, from %q", err, h)
		}
	})
}
