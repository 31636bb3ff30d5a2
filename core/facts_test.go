package core

import (
	"net/http"
	"strings"
	"testing"
)

// TestFactsFromHostileHeaders: what a client puts in its headers reaches Personyze's
// dashboard (Live Visits) only in the documented shape: markup, control and bidi
// characters and endless versions are cut off, a malformed Sec-CH-UA-Mobile is absent, and
// an Accept-Language entry with an invalid weight is ignored.
func TestFactsFromHostileHeaders(t *testing.T) {
	const chrome = ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	const desktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64" + chrome
	long := strings.Repeat("4", 1900)
	tests := []struct {
		name                            string
		headers                         map[string]string
		os, platform, device, languages string
	}{
		{"markup in the Windows version", map[string]string{"User-Agent": `Mozilla/5.0 (Windows NT "><img src=x onerror=alert(7)>` + chrome},
			"Windows NT", "Windows", "regular", ""},
		{"tab and U+202E after the version", map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0\t\u202e; Win64; x64" + chrome},
			"Windows NT/10.0", "Windows", "regular", ""},
		{"1,900-digit macOS version", map[string]string{"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_" + long + chrome},
			"macOS/10", "Macintosh", "regular", ""},
		{"1,900-digit Android version", map[string]string{"User-Agent": "Mozilla/5.0 (Linux; Android 1" + long + "; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"},
			"Android", "Android", "phone", ""},
		{"1,900-digit iOS version", map[string]string{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_" + long + " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"},
			"iOS/17", "iPhone", "phone", ""},
		{"1,900-digit ChromeOS version", map[string]string{"User-Agent": "Mozilla/5.0 (X11; CrOS x86_64 1" + long + ".0.0" + chrome},
			"ChromeOS", "ChromeOS", "regular", ""},
		{"markup in the Linux platform", map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux <b>x86_64" + chrome},
			"Linux", "Linux", "regular", ""},
		{"hinted version with a bidi character", map[string]string{"User-Agent": desktop, "Sec-CH-UA-Platform": `"Android"`, "Sec-CH-UA-Platform-Version": "\"14\u202e\""},
			"Android", "Windows", "regular", ""},
		{"hinted platform over 32 bytes", map[string]string{"User-Agent": desktop, "Sec-CH-UA-Platform": `"` + strings.Repeat("A", 33) + `"`},
			"Windows/10", "Windows", "regular", ""},
		{"Sec-CH-UA-Mobile with a stray quote", map[string]string{"User-Agent": desktop, "Sec-CH-UA-Mobile": `"?1`},
			"Windows/10", "Windows", "regular", ""},
		{"Sec-CH-UA-Mobile without its question mark", map[string]string{"User-Agent": desktop, "Sec-CH-UA-Mobile": `1`},
			"Windows/10", "Windows", "regular", ""},
		{"Sec-CH-UA-Mobile ?1", map[string]string{"User-Agent": desktop, "Sec-CH-UA-Mobile": `?1`},
			"Windows/10", "Windows", "phone", ""},
		{"q=NaN", map[string]string{"User-Agent": desktop, "Accept-Language": "en;q=NaN, de;q=0.5, fr"},
			"Windows/10", "Windows", "regular", "fr, de"},
		{"q=Inf", map[string]string{"User-Agent": desktop, "Accept-Language": "de;q=0.5, en;q=Inf"},
			"Windows/10", "Windows", "regular", "de"},
		{"q over 1", map[string]string{"User-Agent": desktop, "Accept-Language": "de;q=0.5, en;q=2"},
			"Windows/10", "Windows", "regular", "de"},
		{"q with four decimals", map[string]string{"User-Agent": desktop, "Accept-Language": "fr;q=0.1234, en"},
			"Windows/10", "Windows", "regular", "en"},
		{"q=1.000 and Q=", map[string]string{"User-Agent": desktop, "Accept-Language": "de;q=0.5, en;q=1.000, es;Q=0.8"},
			"Windows/10", "Windows", "regular", "en, es, de"},
	}
	tr := factsTracker(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			f := factsFor(t, tr, h)
			if err := validFacts(f); err != nil {
				t.Errorf("%v (%d bytes)", err, len(f.OS))
			}
			if f.OS != tt.os || f.Platform != tt.platform || f.DeviceType != tt.device || f.Languages != tt.languages {
				t.Errorf("os %.40q platform %.40q device %s languages %q, want %q %q %s %q",
					f.OS, f.Platform, f.DeviceType, f.Languages, tt.os, tt.platform, tt.device, tt.languages)
			}
		})
	}
}
