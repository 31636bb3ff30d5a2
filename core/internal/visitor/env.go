package visitor

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// EnvCookieName is the first-party cookie EnvScript writes and
// ParseEnvCookie reads. Its value looks like "tz=-4&s=1920x1080": the
// visitor's UTC offset in hours (may be fractional, e.g. 5.5) and the
// screen size in CSS pixels. Both are facts no request header carries.
const EnvCookieName = "pz_env"

// maxEnvCookie bounds the cookie value we parse; a valid one is under 32
// bytes.
const maxEnvCookie = 128

// scriptBody is the script's code. It writes the cookie only when it is
// absent, so it runs its body once per browser and year, is a few hundred
// bytes, uses no external resource and no eval (CSP-friendly with a nonce),
// and swallows errors so a locked-down browser cannot break the page.
// The offset is rounded to 2 decimals, which ParseEnvCookie requires.
const scriptBody = `(function(){try{if(/(?:^|;\s*)` + EnvCookieName + `=/.test(document.cookie))return;` +
	`var z=Math.round(-new Date().getTimezoneOffset()/60*100)/100,s=window.screen;` +
	`document.cookie="` + EnvCookieName + `=tz="+z+"&s="+s.width+"x"+s.height+` +
	`";path=/;max-age=31536000;SameSite=Lax"+(location.protocol==="https:"?";Secure":"")}catch(e){}})();`

// EnvScriptJS is the script's code, for serving it as a same-origin file (a
// policy that allows only 'self' refuses it inline). It is pure ASCII with
// no "<", so it fits an inline <script> and a text/javascript file alike.
const EnvScriptJS = scriptBody

// EnvScript returns a tiny inline <script> that stores the visitor's time
// zone and screen size in the EnvCookieName cookie (path=/, one year,
// SameSite=Lax, Secure on HTTPS) when the cookie is absent. Later requests
// read it with ParseEnvCookie. nonce, when non-empty, is set as the
// script's nonce attribute (HTML-escaped) for Content-Security-Policy
// "script-src 'nonce-…'".
//
// The cookie is readable by scripts on purpose: it is written by one and
// holds nothing secret.
func EnvScript(nonce string) template.HTML {
	if nonce == "" {
		return template.HTML("<script>" + scriptBody + "</script>")
	}
	return template.HTML(`<script nonce="` + template.HTMLEscapeString(nonce) + `">` + scriptBody + "</script>")
}

// ParseEnvCookie reads an EnvCookieName cookie value. It is tolerant of
// form (surrounding quotes and spaces, fields in any order, "&" or ";"
// separators, URL escaping, unknown fields) and strict about content: the
// time zone must be a number in [-12, 14] with at most 2 decimals, the
// screen "<width>x<height>" with each side in 1..20000. Each field that
// fails is reported as nil or "" independently; it never panics.
//
// The returned screen is canonical ("1920x1080", no leading zeros).
func ParseEnvCookie(v string) (timeZone *float64, screen string) {
	if len(v) > maxEnvCookie {
		return nil, ""
	}
	v = strings.Trim(v, " \t\"")
	if strings.IndexByte(v, '%') >= 0 {
		u, err := url.QueryUnescape(v)
		if err != nil {
			return nil, ""
		}
		v = u
	}
	tzSeen, sSeen := false, false
	for v != "" {
		var field string
		if i := strings.IndexAny(v, "&;"); i >= 0 {
			field, v = v[:i], v[i+1:]
		} else {
			field, v = v, ""
		}
		key, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "tz":
			if !tzSeen { // first one wins
				tzSeen = true
				if tz, ok := parseTZ(strings.TrimSpace(val)); ok {
					timeZone = &tz
				}
			}
		case "s":
			if !sSeen {
				sSeen = true
				screen = parseScreen(strings.TrimSpace(val))
			}
		}
	}
	return timeZone, screen
}

// parseTZ accepts "-4", "5.5", "12.75", "+1", "0" within [-12, 14].
func parseTZ(s string) (float64, bool) {
	body := s
	if body != "" && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
	}
	whole, frac, hasDot := strings.Cut(body, ".")
	if len(whole) < 1 || len(whole) > 2 || !allDigits(whole) {
		return 0, false
	}
	if hasDot && (len(frac) < 1 || len(frac) > 2 || !allDigits(frac)) {
		return 0, false
	}
	tz, err := strconv.ParseFloat(s, 64)
	if err != nil || tz < -12 || tz > 14 {
		return 0, false
	}
	if tz == 0 {
		tz = 0 // no "-0" on the wire
	}
	return tz, true
}

// parseScreen accepts "<w>x<h>" with 1..20000 each and returns it in
// canonical form, or "".
func parseScreen(s string) string {
	ws, hs, ok := strings.Cut(s, "x")
	if !ok {
		return ""
	}
	w, ok1 := screenSide(ws)
	h, ok2 := screenSide(hs)
	if !ok1 || !ok2 {
		return ""
	}
	return strconv.Itoa(w) + "x" + strconv.Itoa(h)
}

// screenSide parses one screen side: 1 to 5 digits, value 1..20000.
func screenSide(s string) (int, bool) {
	if len(s) < 1 || len(s) > 5 || !allDigits(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, n >= 1 && n <= 20000
}

// allDigits reports whether s is all ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
