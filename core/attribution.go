package core

import (
	"net/url"
	"strconv"
	"strings"
)

// maxActionID bounds accepted action ids: Personyze ids are positive 32-bit integers.
const maxActionID = 1<<31 - 1

// parseAttribution parses the attribution query parameter that links built with
// Tracker.Link carry: a positive decimal action id. Anything else is not an attribution.
func parseAttribution(v string) (int64, bool) {
	if v == "" || len(v) > 10 || v[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' { // strconv alone would take "+5": one id, one spelling
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > maxActionID {
		return 0, false
	}
	return n, true
}

// Link returns the URL to link a recommended item to, carrying the id of the action that
// recommended it so the view on the next page is attributed to that action. The target is
// the item's own URL (url, guide_url, cart_url or content_url), else /products/{internal_id}.
// It returns "" for an item with neither, and the URL unchanged when it cannot be parsed
// (html/template still escapes or refuses it as for any URL).
func (t *Tracker) Link(it Item) string {
	target := it.URL()
	if target == "" {
		id := it.ID()
		if id == "" {
			return ""
		}
		target = "/products/" + url.PathEscape(id)
	}
	if it.ActionID <= 0 || it.ActionID > maxActionID {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	setQueryParam(u, t.cfg.AttributionParam, strconv.FormatInt(it.ActionID, 10))
	return u.String()
}

// setQueryParam sets param to value in u's query (the attribution parameter of a link),
// replacing any earlier value.
func setQueryParam(u *url.URL, param, value string) {
	q := u.Query()
	q.Set(param, value)
	u.RawQuery = q.Encode()
}

// attributionOf reads the attribution parameter ("<id>") from a request's raw query; 0 if
// there is none.
func attributionOf(rawQuery, param string) int64 {
	n, _ := parseAttribution(queryParam(rawQuery, param))
	return n
}

// queryParam returns the raw value of param's first occurrence in a raw query ("" if it
// has none), without parsing the whole query string.
func queryParam(rawQuery, param string) string {
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		if k, v, _ := strings.Cut(kv, "="); k == param {
			return v
		}
	}
	return ""
}
