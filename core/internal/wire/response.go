package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Response is a decoded tracker-v1 answer.
type Response struct {
	SessionID         string   // "" when Personyze sent null (keep the previous id)
	CacheVersion      int64    // 0 means unchanged
	Conditions        []int64  // matched campaign (condition) ids
	Actions           []Action // matched actions, in Personyze's order
	DismissConditions []int64  // conditions to drop from a merged result
	DismissActions    []int64  // actions to drop from a merged result
	Body              string   // the body as received (decompressed), for debug panels
}

// Action is one matched action. Data maps each data key to its value as text: strings as they
// are, other scalars as their JSON text, objects and arrays as their compact JSON text.
type Action struct {
	ID   int64
	Data map[string]string
}

// wireResponse holds the raw parts; each is interpreted leniently afterwards so one odd field
// does not cost the whole answer.
type wireResponse struct {
	SessionID         json.RawMessage `json:"session_id"`
	CacheVersion      json.RawMessage `json:"cache_version"`
	Conditions        json.RawMessage `json:"conditions"`
	Actions           json.RawMessage `json:"actions"`
	DismissConditions json.RawMessage `json:"dismiss_conditions"`
	DismissActions    json.RawMessage `json:"dismiss_actions"`
}

type wireAction struct {
	ID   json.RawMessage `json:"id"`
	Data json.RawMessage `json:"data"`
}

// Decode decodes a tracker-v1 body tolerantly: missing or null arrays are empty, ids may
// be numbers or numeric strings (elements with unusable ids are skipped), data values may be any
// scalar, and unknown fields are ignored. An empty body is ErrEmptyResponse; a body that is not
// a JSON object is ErrMalformedResponse.
func Decode(body []byte) (*Response, error) { return decode(string(body)) }

// decode is Decode of a body already read into a string, which the decoded strings share.
func decode(body string) (*Response, error) {
	body = strings.Trim(body, " \t\r\n") // JSON whitespace only: strings.TrimSpace would accept "\v{}"
	if len(body) == 0 {
		return nil, ErrEmptyResponse
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformedResponse)
	}
	if r, ok := scanResponse(body); ok {
		return r, nil
	}
	b := []byte(body) // encoding/json, for what the scanner leaves
	if r, ok := decodeCommon(b); ok {
		return r, nil
	}
	return decodeTolerant(b)
}

// decodeTolerant decodes each part on its own, so one odd part does not cost the rest.
func decodeTolerant(body []byte) (*Response, error) {
	var w wireResponse
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	r := &Response{
		CacheVersion:      parseInt(w.CacheVersion),
		Conditions:        parseIDs(w.Conditions),
		DismissConditions: parseIDs(w.DismissConditions),
		DismissActions:    parseIDs(w.DismissActions),
	}
	r.SessionID, _ = scalarText(w.SessionID)
	for _, raw := range rawArray(w.Actions) {
		var wa wireAction
		if json.Unmarshal(raw, &wa) != nil {
			continue // not an object
		}
		id, ok := parseID(wa.ID)
		if !ok {
			continue
		}
		r.Actions = append(r.Actions, Action{ID: id, Data: parseData(wa.Data)})
	}
	return r, nil
}

// commonResponse is the shape Personyze sends in practice: actions as an array of objects
// with object data. Decoding it in one pass avoids re-scanning every nested part; anything
// else falls back to the part-by-part tolerant decoding.
type commonResponse struct {
	SessionID         json.RawMessage `json:"session_id"`
	CacheVersion      json.RawMessage `json:"cache_version"`
	Conditions        json.RawMessage `json:"conditions"`
	DismissConditions json.RawMessage `json:"dismiss_conditions"`
	DismissActions    json.RawMessage `json:"dismiss_actions"`
	Actions           []struct {
		ID   json.RawMessage            `json:"id"`
		Data map[string]json.RawMessage `json:"data"`
	} `json:"actions"`
}

// decodeCommon decodes the common shape; ok is false when the body needs the tolerant path.
func decodeCommon(body []byte) (*Response, bool) {
	var w commonResponse
	if json.Unmarshal(body, &w) != nil {
		return nil, false
	}
	r := &Response{
		CacheVersion:      parseInt(w.CacheVersion),
		Conditions:        parseIDs(w.Conditions),
		DismissConditions: parseIDs(w.DismissConditions),
		DismissActions:    parseIDs(w.DismissActions),
		Actions:           make([]Action, 0, len(w.Actions)),
	}
	r.SessionID, _ = scalarText(w.SessionID)
	for _, wa := range w.Actions {
		id, ok := parseID(wa.ID)
		if !ok {
			continue
		}
		var data map[string]string
		if wa.Data != nil {
			data = dataFields(wa.Data)
		}
		r.Actions = append(r.Actions, Action{ID: id, Data: data})
	}
	return r, true
}

// ParseItems parses the items of a JSON-format action: its data["data"] is the body of a JSON
// array, "[" + data + "]". Each object element becomes its scalar fields as text (strings as
// they are, numbers as their JSON text, booleans "true"/"false"; null, objects and arrays are
// left out); elements that are not objects are skipped. ok is false when data is not the body
// of a JSON array.
func ParseItems(data string) (items []map[string]string, ok bool) {
	fields, ok := ParseItemFields(data)
	if !ok {
		return nil, false
	}
	items = make([]map[string]string, len(fields))
	for i, f := range fields {
		items[i] = f.Map()
	}
	return items, true
}

// Field is one key/value pair of an item.
type Field struct{ Key, Value string }

// Fields are an item's fields, each key once. Items have a handful of keys, so a search
// through a slice is as fast as a map lookup and costs no map per item.
type Fields []Field

// Get returns the value of key and whether the item has it.
func (f Fields) Get(key string) (string, bool) {
	for _, kv := range f {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Map returns the fields as a new map.
func (f Fields) Map() map[string]string {
	m := make(map[string]string, len(f))
	for _, kv := range f {
		m[kv.Key] = kv.Value
	}
	return m
}

// FieldsOf returns m's pairs sorted by key.
func FieldsOf(m map[string]string) Fields {
	f := make(Fields, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		f = append(f, Field{k, m[k]})
	}
	return f
}

// ParseItemFields is ParseItems with each item's fields as Fields, in the order the keys
// first appear (sorted by key when the answer needs the encoding/json fallback).
func ParseItemFields(data string) ([]Fields, bool) {
	if items, ok := scanItems(data); ok {
		return items, true
	}
	maps, ok := decodeItems(data)
	if !ok {
		return nil, false
	}
	items := make([]Fields, len(maps))
	for i, m := range maps {
		items[i] = FieldsOf(m)
	}
	return items, true
}

// decodeItems is ParseItems with encoding/json: the reference, and the way for whatever
// scanItems leaves (elements that are not objects, values that are objects or arrays,
// anything that is not JSON).
func decodeItems(data string) (items []map[string]string, ok bool) {
	arr := WrapArray(data)
	// Fast path: every element is an object, decoded in one pass.
	var objs []map[string]json.RawMessage
	if json.Unmarshal(arr, &objs) == nil {
		items = make([]map[string]string, 0, len(objs))
		for _, m := range objs {
			if m != nil { // a JSON null element
				items = append(items, scalarFields(m))
			}
		}
		return items, true
	}
	var elems []json.RawMessage
	if json.Unmarshal(arr, &elems) != nil {
		return nil, false
	}
	items = []map[string]string{}
	for _, e := range elems {
		if f, ok := parseObject(e); ok {
			items = append(items, f)
		}
	}
	return items, true
}

// WrapArray returns "[" + data + "]".
func WrapArray(data string) []byte {
	b := make([]byte, 0, len(data)+2)
	b = append(b, '[')
	b = append(b, data...)
	return append(b, ']')
}

// parseObject turns a JSON object into item fields: strings as they are, numbers as their JSON
// text, booleans "true"/"false"; null, objects and arrays are skipped.
func parseObject(raw json.RawMessage) (map[string]string, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return scalarFields(m), true
}

// scalarFields keeps the scalar values of a decoded object as text.
func scalarFields(m map[string]json.RawMessage) map[string]string {
	f := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := scalarText(v); ok {
			f[k] = s
		}
	}
	return f
}

// parseData reads an action's data object. Scalars become text as in items; objects and arrays
// keep their compact JSON text (Android's getString does the same); null values are dropped.
func parseData(raw json.RawMessage) map[string]string {
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return dataFields(m)
}

// dataFields converts a decoded data object as parseData describes.
func dataFields(m map[string]json.RawMessage) map[string]string {
	d := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := scalarText(v); ok {
			d[k] = s
		} else if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				d[k] = buf.String()
			}
		}
	}
	return d
}

// scalarText returns a JSON scalar as text; ok is false for null, objects, arrays and nothing.
func scalarText(v json.RawMessage) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case '"':
		// Already validated by the enclosing Unmarshal: without escapes the text between
		// the quotes is the value, no second decoding pass needed.
		if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), true
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	case 't', 'f':
		return string(v), true // encoding/json already checked it is true/false
	case 'n', '{', '[':
		return "", false
	default:
		return string(v), true // a number: keep Personyze's exact text
	}
}

// rawArray splits a JSON array into its elements; anything else (missing, null, wrong type) is
// treated as empty.
func rawArray(v json.RawMessage) []json.RawMessage {
	if len(v) == 0 || v[0] != '[' {
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(v, &elems) != nil {
		return nil
	}
	return elems
}

// parseIDs reads an id list whose elements are numbers, numeric strings or {"id": ...} objects,
// skipping unusable elements. Never nil, so callers can range and compare without checks.
func parseIDs(v json.RawMessage) []int64 {
	elems := rawArray(v)
	ids := make([]int64, 0, len(elems))
	for _, e := range elems {
		if len(e) > 0 && e[0] == '{' {
			var o struct {
				ID json.RawMessage `json:"id"`
			}
			if json.Unmarshal(e, &o) != nil {
				continue
			}
			e = o.ID
		}
		if id, ok := parseID(e); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// parseID reads an id given as a JSON integer or a numeric string.
func parseID(v json.RawMessage) (int64, bool) {
	s, ok := scalarText(v)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil
}

// parseInt reads an integer leniently (number, numeric string, float truncated); 0 otherwise.
func parseInt(v json.RawMessage) int64 {
	s, ok := scalarText(v)
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && math.Abs(f) < math.MaxInt64 {
		return int64(f)
	}
	return 0
}
