// Package meta keeps the account's action, placeholder and condition metadata: the constant
// parts of actions (content type, the text around the variable part, the placeholders they
// are targeted at), the placeholders' names and sizes, and the campaign (condition) names.
// A tracker answer carries only ids and each action's variable data; the rest comes from
// three GET endpoints (see the wire package documentation) and is the same for every
// visitor, so one Cache per Tracker serves all of them.
package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Object names: the first path segment of each metadata endpoint.
const (
	ObjectActions      = "actions"
	ObjectPlaceholders = "placeholders"
	ObjectConditions   = "conditions"
)

// Content types an action's metadata may name.
const (
	ContentJSON = "application/json"
	ContentHTML = "text/html"
)

// Action is an action's metadata row.
type Action struct {
	ID           int64
	Name         string
	ContentType  string // a MIME type: ContentJSON, ContentHTML, application/javascript, ...
	ContentParam string // the key of the tracker data that holds the variable part
	ContentBegin string
	ContentEnd   string
	LibsApp      string  // comma-separated Personyze JavaScript libraries for app web views
	Placeholders []int64 // the placeholders the action is targeted at
}

// Content composes the action's content from the tracker data: ContentBegin +
// data[ContentParam] + ContentEnd, the middle "" when ContentParam is empty or missing.
func (a *Action) Content(data map[string]string) string {
	var mid string
	if a.ContentParam != "" {
		mid = data[a.ContentParam]
	}
	return a.ContentBegin + mid + a.ContentEnd
}

// Kind returns the content type without parameters, lower case ("text/html" for
// "Text/HTML; charset=utf-8").
func (a *Action) Kind() string {
	t, _, _ := strings.Cut(a.ContentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// Placeholder is a placeholder's metadata row.
type Placeholder struct {
	ID            int64
	Name          string
	HTMLID        string // a CSS selector naming the place on the page, e.g. "#home-banner"
	UnitsCountMax int    // at most this many actions render in it; 0 means no limit is known
}

// Condition is a condition's (campaign's) metadata row.
type Condition struct {
	ID   int64
	Name string
}

// Columns each endpoint is asked for, in the SDKs' order.
const (
	actionColumns      = "id,name,content_type,content_param,content_begin,content_end,libs_app,placeholders"
	placeholderColumns = "id,name,html_id,units_count_max"
	conditionColumns   = "id,name"
)

// Path returns the path, relative to the REST base, of the metadata GET for ids of object
// (ids sorted ascending, so equal sets give equal paths).
func Path(object string, ids []int64) string {
	cols := conditionColumns
	switch object {
	case ObjectActions:
		cols = actionColumns
	case ObjectPlaceholders:
		cols = placeholderColumns
	}
	ids = slices.Sorted(slices.Values(ids))
	b := make([]byte, 0, len(object)+len(cols)+24+len(ids)*8)
	b = append(b, object...)
	b = append(b, "/columns/"...)
	b = append(b, cols...)
	b = append(b, "/where/id:"...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// ErrNotArray is returned for a metadata body that is not a JSON array.
var ErrNotArray = errors.New("personyze: metadata answer is not a JSON array")

// rows splits a metadata body into its row objects. Elements that are not objects are
// skipped; a body that is not an array is ErrNotArray.
func rows(body []byte) ([]map[string]json.RawMessage, error) {
	body = bytes.Trim(body, " \t\r\n")
	if len(body) == 0 || body[0] != '[' {
		return nil, ErrNotArray
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil {
		return nil, errors.Join(ErrNotArray, err)
	}
	out := make([]map[string]json.RawMessage, 0, len(elems))
	for _, e := range elems {
		if len(e) == 0 || e[0] != '{' {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(e, &m) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// ParseActions parses the answer of the actions endpoint tolerantly: null or missing strings
// are "", numbers become their text, ids may be numbers or numeric strings (rows without a
// usable id are skipped), and placeholders may be an array of numbers or numeric strings,
// or a comma-separated string.
func ParseActions(body []byte) ([]Action, error) {
	rs, err := rows(body)
	if err != nil {
		return nil, err
	}
	out := make([]Action, 0, len(rs))
	for _, r := range rs {
		id, ok := intOf(r["id"])
		if !ok || id <= 0 {
			continue
		}
		out = append(out, Action{
			ID: id, Name: text(r["name"]), ContentType: text(r["content_type"]),
			ContentParam: text(r["content_param"]), ContentBegin: text(r["content_begin"]),
			ContentEnd: text(r["content_end"]), LibsApp: text(r["libs_app"]),
			Placeholders: idList(r["placeholders"]),
		})
	}
	return out, nil
}

// ParsePlaceholders parses the answer of the placeholders endpoint, as tolerantly as
// ParseActions; units_count_max may be a number or a numeric string (0 otherwise).
func ParsePlaceholders(body []byte) ([]Placeholder, error) {
	rs, err := rows(body)
	if err != nil {
		return nil, err
	}
	out := make([]Placeholder, 0, len(rs))
	for _, r := range rs {
		id, ok := intOf(r["id"])
		if !ok || id <= 0 {
			continue
		}
		n, _ := intOf(r["units_count_max"])
		out = append(out, Placeholder{ID: id, Name: text(r["name"]), HTMLID: text(r["html_id"]),
			UnitsCountMax: int(max(0, min(n, math.MaxInt32)))})
	}
	return out, nil
}

// ParseConditions parses the answer of the conditions endpoint, as tolerantly as
// ParseActions.
func ParseConditions(body []byte) ([]Condition, error) {
	rs, err := rows(body)
	if err != nil {
		return nil, err
	}
	out := make([]Condition, 0, len(rs))
	for _, r := range rs {
		id, ok := intOf(r["id"])
		if !ok || id <= 0 {
			continue
		}
		out = append(out, Condition{ID: id, Name: text(r["name"])})
	}
	return out, nil
}

// text returns a JSON scalar as text: strings as they are, numbers and booleans as their
// JSON text; null, objects, arrays and nothing are "".
func text(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return s
	case 'n', '{', '[':
		return ""
	default:
		return string(v)
	}
}

// intOf reads an integer given as a JSON number (a float is truncated) or a numeric string.
func intOf(v json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(text(v))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// maxPlaceholdersPerAction bounds what one row may name: an account's action sits in a
// handful of places, and a broken answer must not make a huge slice.
const maxPlaceholdersPerAction = 64

// idList reads a list of positive ids: a JSON array of numbers or numeric strings, or a
// comma-separated string. Unusable elements are skipped; repeats are dropped.
func idList(v json.RawMessage) []int64 {
	var parts []json.RawMessage
	switch {
	case len(v) > 0 && v[0] == '[':
		if json.Unmarshal(v, &parts) != nil {
			return nil
		}
	case len(v) > 0 && v[0] == '"':
		for p := range strings.SplitSeq(text(v), ",") {
			parts = append(parts, json.RawMessage(strconv.Quote(strings.TrimSpace(p))))
		}
	default:
		return nil
	}
	var out []int64
	for _, p := range parts {
		if id, ok := intOf(p); ok && id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
			if len(out) == maxPlaceholdersPerAction {
				break
			}
		}
	}
	return out
}
