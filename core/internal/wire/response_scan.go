package wire

import "strings"

// responseKeys are the answer's top-level members the scanner reads; any other key that
// encoding/json would match to one of them (it matches names case-insensitively) sends
// the answer to the fallback.
var responseKeys = [...]string{"session_id", "cache_version", "conditions", "actions", "dismiss_conditions", "dismiss_actions"}

// scanResponse decodes the answer Personyze sends in practice in one pass: one copy of the
// body backs every string without escapes, ids are integers, data values scalars. ok is
// false for anything else (the tolerant decoding handles it), and when ok the Response is
// the one decodeCommon returns for the same body.
func scanResponse(body string) (*Response, bool) {
	sc := scanner{s: body}
	r := &Response{}
	var seen [len(responseKeys)]bool
	null, ok := sc.object(func(key string) bool {
		k := -1
		for i, name := range responseKeys {
			if key == name {
				k = i
			} else if strings.EqualFold(key, name) {
				return false
			}
		}
		if k < 0 {
			return sc.skip(0)
		}
		if seen[k] {
			return false // encoding/json's rules for repeated members are the fallback's
		}
		seen[k] = true
		switch k {
		case 0:
			s, null, ok := sc.scalar()
			if !ok || (!null && sc.s[sc.i-1] != '"') {
				return false
			}
			r.SessionID = s
			return true
		case 1:
			if sc.peek() == 'n' {
				lit, ok := sc.literal()
				return ok && lit == "null"
			}
			n, ok := sc.int()
			r.CacheVersion = n
			return ok
		case 2:
			return sc.ids(&r.Conditions)
		case 3:
			return sc.actions(r)
		case 4:
			return sc.ids(&r.DismissConditions)
		default:
			return sc.ids(&r.DismissActions)
		}
	})
	if null || !ok || !sc.end() {
		return nil, false
	}
	for _, ids := range []*[]int64{&r.Conditions, &r.DismissConditions, &r.DismissActions} {
		if *ids == nil {
			*ids = []int64{}
		}
	}
	if r.Actions == nil {
		r.Actions = []Action{}
	}
	return r, true
}

// ids reads an id list of integers or {"id": integer} objects.
func (sc *scanner) ids(dst *[]int64) bool {
	var out []int64 // nil until an id comes: the usual empty lists cost nothing
	_, ok := sc.array(func() bool {
		if sc.peek() != '{' {
			id, ok := sc.int()
			out = append(out, id)
			return ok
		}
		var id int64
		has := false
		null, ok := sc.object(func(key string) bool {
			if key != "id" {
				return !strings.EqualFold(key, "id") && sc.skip(0)
			}
			if has {
				return false
			}
			var ok bool
			id, ok = sc.int()
			has = true
			return ok
		})
		if has {
			out = append(out, id)
		}
		return ok && !null && has
	})
	if out == nil {
		out = []int64{}
	}
	*dst = out
	return ok
}

// actions reads the actions array: objects with an integer id and a data object of
// scalars. A null element is skipped, as decodeCommon skips an action without an id.
func (sc *scanner) actions(r *Response) bool {
	_, ok := sc.array(func() bool {
		if sc.peek() == 'n' {
			lit, ok := sc.literal()
			return ok && lit == "null"
		}
		var a Action
		hasID, hasData := false, false
		_, ok := sc.object(func(key string) bool {
			switch key {
			case "id":
				if hasID {
					return false
				}
				hasID = true
				var ok bool
				a.ID, ok = sc.int()
				return ok
			case "data":
				if hasData {
					return false
				}
				hasData = true
				return sc.data(&a)
			}
			return !strings.EqualFold(key, "id") && !strings.EqualFold(key, "data") && sc.skip(0)
		})
		if !ok || !hasID {
			return false
		}
		r.Actions = append(r.Actions, a)
		return true
	})
	return ok
}

// data reads an action's data object of scalars; null values are left out.
func (sc *scanner) data(a *Action) bool {
	d := make(map[string]string, 2)
	null, ok := sc.object(func(key string) bool {
		text, null, ok := sc.scalar()
		if null {
			delete(d, key)
		} else {
			d[key] = text
		}
		return ok
	})
	if !null {
		a.Data = d
	}
	return ok
}

// scanItems reads the items of a JSON action: data is the inside of an array of objects
// whose values are scalars (null elements are skipped). Keys and values without escapes
// are substrings of data, and the items share one array of fields. ok is false for
// anything else: ParseItemFields then uses encoding/json.
func scanItems(data string) ([]Fields, bool) {
	sc := scanner{s: data}
	items := make([]Fields, 0, 10)
	if sc.end() {
		return items, true
	}
	// One field per key: every key is a string followed by a colon (a value holding `":`
	// only makes the estimate larger).
	all := make([]Field, 0, min(strings.Count(data, `":`), len(data)/4+1))
	for {
		if sc.peek() == 'n' {
			if lit, ok := sc.literal(); !ok || lit != "null" {
				return nil, false
			}
		} else {
			start := len(all)
			null, ok := sc.object(func(key string) bool {
				text, null, ok := sc.scalar()
				all = setField(all, start, key, text, null)
				return ok
			})
			if null || !ok {
				return nil, false
			}
			items = append(items, Fields(all[start:len(all):len(all)]))
		}
		if sc.end() {
			return items, true
		}
		if !sc.eat(',') {
			return nil, false
		}
	}
}

// setField sets key in the item that starts at all[start]: a repeated key takes the later
// value, and a null removes the key, as decoding into a map would.
func setField(all []Field, start int, key, value string, null bool) []Field {
	for i := start; i < len(all); i++ {
		if all[i].Key == key {
			if null {
				return append(all[:i], all[i+1:]...)
			}
			all[i].Value = value
			return all
		}
	}
	if null {
		return all
	}
	return append(all, Field{key, value})
}

// ScanStringObject reads a JSON object whose values are all strings, as the session
// cookie holds, calling set for each member in order (a repeated key calls set again).
// Strings without escapes are substrings of one copy of b. ok is false for anything else,
// and the caller then decodes b with encoding/json, which stays the reference.
func ScanStringObject(b []byte, set func(key, value string)) bool {
	sc := scanner{s: string(b)}
	null, ok := sc.object(func(key string) bool {
		v, ok := sc.str()
		if ok {
			set(key, v)
		}
		return ok
	})
	return ok && !null && sc.end()
}
