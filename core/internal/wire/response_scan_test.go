package wire

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sameResponse reports how a and b differ in their exported fields, "" when they do not.
func sameResponse(a, b *Response) string {
	switch {
	case a.SessionID != b.SessionID || a.CacheVersion != b.CacheVersion:
		return "session or cache version"
	case !slices.Equal(a.Conditions, b.Conditions) || !slices.Equal(a.DismissConditions, b.DismissConditions) ||
		!slices.Equal(a.DismissActions, b.DismissActions):
		return "id lists"
	case (a.Conditions == nil) != (b.Conditions == nil) || (a.Actions == nil) != (b.Actions == nil):
		return "nil lists"
	case len(a.Actions) != len(b.Actions):
		return "number of actions"
	}
	for i, x := range a.Actions {
		y := b.Actions[i]
		if x.ID != y.ID || !maps.Equal(x.Data, y.Data) || (x.Data == nil) != (y.Data == nil) {
			return "action " + strconv.FormatInt(x.ID, 10)
		}
	}
	return ""
}

func sameItems(a []Fields, b []map[string]string) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if !maps.Equal(a[i].Map(), b[i]) || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

// scanCases are answers the scanner takes (true) or leaves to encoding/json (false).
var scanCases = []struct {
	body string
	scan bool
}{
	{`{"session_id":"1700000000 abc","cache_version":1,"conditions":[{"id":5}],"actions":[{"id":10,"data":{"data":"{\"internal_id\":\"P1\"}"}}],"dismiss_conditions":[],"dismiss_actions":[]}`, true},
	{`{}`, true},
	{` { "session_id" : null , "actions" : null, "conditions": null, "x": [1, {"y": [true, false, null, -0.5e+3]}] } `, true},
	{`{"actions":[null,{"id":3},{"id":4,"data":null},{"id":5,"data":{"a":1,"b":true,"c":null,"a":"x\u00e9\n"}}]}`, true},
	{`{"conditions":[1,2,{"id":3,"n":"x"}],"dismiss_actions":[7]}`, true},
	{`{"session_id":"caf\u00e9 ☕"}`, true},
	{`{"Session_ID":"x"}`, false},                                                // encoding/json matches names in any case
	{`{"session_id":"a","session_id":"b"}`, false},                               // repeated member
	{`{"session_id":5}`, false},                                                  // a number
	{`{"cache_version":"1"}`, false},                                             // a numeric string
	{`{"conditions":["1"]}`, false},                                              // a numeric string
	{`{"actions":[{"id":"7"}]}`, false},                                          // a numeric string
	{`{"actions":[{"id":7,"data":{"o":{}}}]}`, false},                            // an object in data
	{`{"actions":[1]}`, false},                                                   // not an object
	{`{"session_id":"\ud83d\ude00"}`, false},                                     // a surrogate pair
	{"{\"session_id\":\"\xff\"}", false},                                         // invalid UTF-8
	{`{"x":01}`, false},                                                          // not JSON
	{`{"x":1}x`, false},                                                          // trailing data
	{`{"x":[1,]}`, false},                                                        // not JSON
	{`{"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, false}, // deeper than the scanner goes
}

// TestScanResponseMatchesEncodingJSON checks the scanner against the encoding/json path on
// the answers it takes, and that it leaves the others to it.
func TestScanResponseMatchesEncodingJSON(t *testing.T) {
	for _, c := range scanCases {
		got, ok := scanResponse(c.body)
		if ok != c.scan {
			t.Errorf("%s: scanned %t, want %t", c.body, ok, c.scan)
			continue
		}
		if !ok {
			continue
		}
		want, ok := decodeCommon([]byte(c.body))
		if !ok {
			t.Errorf("%s: scanned, but encoding/json refuses it", c.body)
			continue
		}
		if diff := sameResponse(got, want); diff != "" {
			t.Errorf("%s: %s differs: scanned %+v, encoding/json %+v", c.body, diff, got, want)
		}
	}
}

// TestScanItemsMatchesEncodingJSON does the same for the items of a JSON action.
func TestScanItemsMatchesEncodingJSON(t *testing.T) {
	for _, c := range []struct {
		data string
		scan bool
	}{
		{``, true},
		{` `, true},
		{`{"internal_id":"P1","title":"Chair","price":19.9},{"internal_id":2},null`, true},
		{`{"a":"1","a":null},{"\u00e9":"x\"y","t":true,"f":false,"e":-1e3}`, true},
		{`{}`, true},
		{`{"a":"1"},`, false},
		{`1,{"a":"1"}`, false},
		{`{"k":{"n":1}}`, false},
		{`{"a":"1"}],[{"b":"2"}`, false},
		{`{"a":"\ud83d\ude00"}`, false},
	} {
		got, ok := scanItems(c.data)
		if ok != c.scan {
			t.Errorf("%q: scanned %t, want %t", c.data, ok, c.scan)
			continue
		}
		if want, wantOK := decodeItems(c.data); ok && (!wantOK || !sameItems(got, want)) {
			t.Errorf("%q: scanned %v, encoding/json %v (ok %t)", c.data, got, want, wantOK)
		}
	}
}

// FuzzScanResponse: whatever the scanner takes, encoding/json decodes to the same Response
// and the same items.
func FuzzScanResponse(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := scanResponse(string(body))
		if !ok {
			return
		}
		want, ok := decodeCommon(body)
		if !ok {
			t.Fatalf("scanned, but encoding/json refuses it")
		}
		if diff := sameResponse(got, want); diff != "" {
			t.Fatalf("%s differs: scanned %+v, encoding/json %+v", diff, got, want)
		}
	})
}

// FuzzScanItems: whatever the scanner takes as items, encoding/json decodes alike.
func FuzzScanItems(f *testing.F) {
	f.Add(`{"internal_id":"P1","title":"Chair","price":19.9},{"internal_id":2},null`)
	f.Add(`{"a":"1","a":null},{"\u00e9":"x\"y","t":true,"f":false,"e":-1e3}`)
	f.Add(`1,"x",null,[],{"k":{"n":1}}`)
	f.Fuzz(func(t *testing.T, data string) {
		got, ok := scanItems(data)
		if !ok {
			return
		}
		want, wantOK := decodeItems(data)
		if !wantOK || !sameItems(got, want) {
			t.Fatalf("scanned %v, encoding/json %v (ok %t)", got, want, wantOK)
		}
	})
}

// FuzzScanStringObject: whatever the scanner takes as a string object, encoding/json
// decodes to the same map.
func FuzzScanStringObject(f *testing.F) {
	f.Add([]byte(`{"u":"1700000000","s":"1700000000 abc","k":"a\"b\u00e9"}`))
	f.Add([]byte(`{"a":"1","a":"2"}`))
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]string{}
		if !ScanStringObject(b, func(k, v string) { got[k] = v }) {
			return
		}
		var want map[string]string
		if err := json.Unmarshal(b, &want); err != nil || !maps.Equal(got, want) {
			t.Fatalf("scanned %v, encoding/json %v (%v)", got, want, err)
		}
	})
}

func TestScanStringObject(t *testing.T) {
	for in, want := range map[string]bool{
		`{"u":"1","s":"a b"}`: true, `{}`: true, ` {"a":"1","a":"2"} `: true,
		`{"a":1}`: false, `null`: false, `{"a":"1"}x`: false, `["a"]`: false, `{"a":"\ud83d\ude00"}`: false,
	} {
		got := map[string]string{}
		if ok := ScanStringObject([]byte(in), func(k, v string) { got[k] = v }); ok != want {
			t.Errorf("%s: ok %t, want %t", in, ok, want)
		}
	}
}
