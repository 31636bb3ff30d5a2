package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeTolerant(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *Response // only exported fields compared
		data map[int64]map[string]string
	}{
		{
			name: "full answer",
			body: `{"session_id":"1700000000 abc","cache_version":123,"conditions":[{"id":5},{"id":"6"}],` +
				`"actions":[{"id":10,"data":{"data":"{\"internal_id\":\"P1\"}"}}],"dismiss_conditions":[1],"dismiss_actions":["2"]}`,
			want: &Response{SessionID: "1700000000 abc", CacheVersion: 123, Conditions: []int64{5, 6},
				Actions: []Action{{ID: 10}}, DismissConditions: []int64{1}, DismissActions: []int64{2}},
			data: map[int64]map[string]string{10: {"data": `{"internal_id":"P1"}`}},
		},
		{
			name: "only session id: missing arrays are empty",
			body: `{"session_id":"s"}`,
			want: &Response{SessionID: "s", Conditions: []int64{}, DismissConditions: []int64{}, DismissActions: []int64{}},
		},
		{
			name: "nulls everywhere",
			body: `{"session_id":null,"cache_version":null,"conditions":null,"actions":[{"id":1,"data":null}],"dismiss_conditions":null,"dismiss_actions":null}`,
			want: &Response{Conditions: []int64{}, Actions: []Action{{ID: 1}}, DismissConditions: []int64{}, DismissActions: []int64{}},
			data: map[int64]map[string]string{1: nil},
		},
		{
			name: "scalars in data are stringified, null dropped, objects kept as JSON",
			body: `{"actions":[{"id":"7","data":{"n":1.50,"b":true,"f":false,"s":"x","z":null,"o":{"a": 1},"l":[1, 2]}}]}`,
			want: &Response{Conditions: []int64{}, Actions: []Action{{ID: 7}}, DismissConditions: []int64{}, DismissActions: []int64{}},
			data: map[int64]map[string]string{7: {"n": "1.50", "b": "true", "f": "false", "s": "x", "o": `{"a":1}`, "l": "[1,2]"}},
		},
		{
			name: "unusable ids skipped, unknown fields ignored, wrong types empty",
			body: `{"extra":{"deep":[1]},"cache_version":"42","conditions":[{"id":"x"},{"id":3.5},{"id":4},"8",null,true],` +
				`"actions":[1,"a",{"id":null},{"id":" 12 "},{"data":{}}],"dismiss_conditions":"oops","dismiss_actions":{"id":1}}`,
			want: &Response{CacheVersion: 42, Conditions: []int64{4, 8}, Actions: []Action{{ID: 12}},
				DismissConditions: []int64{}, DismissActions: []int64{}},
			data: map[int64]map[string]string{12: nil},
		},
		{
			name: "float cache version truncated, session id number stringified",
			body: ` {"session_id":1700000000,"cache_version":7.9} `,
			want: &Response{SessionID: "1700000000", CacheVersion: 7, Conditions: []int64{}, DismissConditions: []int64{}, DismissActions: []int64{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got.SessionID != tt.want.SessionID || got.CacheVersion != tt.want.CacheVersion ||
				!reflect.DeepEqual(got.Conditions, tt.want.Conditions) ||
				!reflect.DeepEqual(got.DismissConditions, tt.want.DismissConditions) ||
				!reflect.DeepEqual(got.DismissActions, tt.want.DismissActions) {
				t.Errorf("got session=%q cv=%d cond=%v dc=%v da=%v", got.SessionID, got.CacheVersion, got.Conditions, got.DismissConditions, got.DismissActions)
			}
			if len(got.Actions) != len(tt.want.Actions) {
				t.Fatalf("actions = %d, want %d", len(got.Actions), len(tt.want.Actions))
			}
			for i, a := range got.Actions {
				if a.ID != tt.want.Actions[i].ID {
					t.Errorf("action %d id = %d, want %d", i, a.ID, tt.want.Actions[i].ID)
				}
				if want := tt.data[a.ID]; len(want) > 0 && !reflect.DeepEqual(a.Data, want) {
					t.Errorf("action %d data = %v, want %v", a.ID, a.Data, want)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		body string
		want error
	}{
		{"", ErrEmptyResponse},
		{" \n\t", ErrEmptyResponse},
		{"null", ErrMalformedResponse},
		{"[]", ErrMalformedResponse},
		{`"x"`, ErrMalformedResponse},
		{`{"session_id":`, ErrMalformedResponse},
		{`{} trailing`, ErrMalformedResponse},
		{`<html>Internal error</html>`, ErrMalformedResponse},
	}
	for _, tt := range tests {
		r, err := Decode([]byte(tt.body))
		if !errors.Is(err, tt.want) || r != nil {
			t.Errorf("Decode(%q) = %v, %v; want %v", tt.body, r, err, tt.want)
		}
	}
}

func TestParseItems(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		isJSON bool
		want   []map[string]string
	}{
		{"html in data", "<div>hi</div>", false, nil},
		{"empty list", "", true, nil},
		{"bracket injection rejected", `{"a":"1"}],[{"b":"2"}`, false, nil},
		{"typical items", `{"internal_id":"P1","title":"Chair","price":19.90},{"internal_id":2,"in_stock":true}`, true,
			[]map[string]string{{"internal_id": "P1", "title": "Chair", "price": "19.90"}, {"internal_id": "2", "in_stock": "true"}}},
		{"non-objects skipped, nested values skipped", `1,"x",null,[{"a":"b"}],{"k":"v","n":null,"o":{},"l":[]}`, true,
			[]map[string]string{{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, ok := ParseItems(tt.data)
			if ok != tt.isJSON {
				t.Errorf("ok = %v, want %v", ok, tt.isJSON)
			}
			if !ok && items != nil {
				t.Errorf("items %v from data that is not a JSON array body", items)
			}
			if len(items) != len(tt.want) {
				t.Fatalf("items = %d, want %d", len(items), len(tt.want))
			}
			for i, it := range items {
				if !reflect.DeepEqual(it, tt.want[i]) {
					t.Errorf("item %d = %v, want %v", i, it, tt.want[i])
				}
			}
		})
	}
}

func TestWrapArray(t *testing.T) {
	for _, data := range []string{"", `{"a":1}`, `{"a":1},{"b":2}`, "<p>"} {
		if got := string(WrapArray(data)); got != "["+data+"]" {
			t.Errorf("WrapArray(%q) = %q", data, got)
		}
	}
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"session_id":"1700000000 abc","cache_version":1,"conditions":[{"id":5}],"actions":[{"id":10,"data":{"data":"{\"internal_id\":\"P1\"}"}}],"dismiss_conditions":[],"dismiss_actions":[]}`))
	f.Add([]byte(`{"actions":[{"id":"7","data":{"n":1,"b":true,"o":{}}}],"conditions":["1",{"id":"2"}]}`))
	f.Add([]byte(`{"actions":[{"id":1,"data":{"data":"1,{\"a\":[1]},null"}}]}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"cache_version":1e400}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Decode(body)
		if err != nil {
			if r != nil || !errors.Is(err, ErrEmptyResponse) && !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("unexpected result %v, %v", r, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		// The one-pass fast path must agree with the part-by-part tolerant decoding.
		if fast, ok := decodeCommon(bytes.Trim(body, " \t\r\n")); ok {
			slow, err := decodeTolerant(bytes.Trim(body, " \t\r\n"))
			if err != nil {
				t.Fatalf("fast path accepted what the tolerant path refuses: %v", err)
			}
			if fast.SessionID != slow.SessionID || fast.CacheVersion != slow.CacheVersion ||
				!slices.Equal(fast.Conditions, slow.Conditions) || len(fast.Actions) != len(slow.Actions) {
				t.Fatalf("fast %+v != tolerant %+v", fast, slow)
			}
			for i, a := range fast.Actions {
				if a.ID != slow.Actions[i].ID || !maps.Equal(a.Data, slow.Actions[i].Data) {
					t.Fatalf("action %d: fast %+v != tolerant %+v", i, a, slow.Actions[i])
				}
			}
		}
		// Item ids and the Response-wide item list are package core's (Action.Items, itemsOf);
		// here: every action's data parses as items or is refused as a whole.
		for _, a := range r.Actions {
			data, has := a.Data["data"]
			if !has {
				continue
			}
			items, ok := ParseItems(data)
			if !ok && items != nil {
				t.Fatal("items from a non-JSON action")
			}
			if ok && items == nil {
				t.Fatal("nil items from a JSON action")
			}
		}
	})
}

func FuzzParseItems(f *testing.F) {
	f.Add(`{"internal_id":"P1","title":"Chair","price":19.9},{"internal_id":2}`)
	f.Add(``)
	f.Add(`1,"x",null,[],{"k":{"n":1}}`)
	f.Add(`{"a":"1"}],[{"b":"2"}`)
	f.Add(`{"\u00e9":"\ud83d\ude00","t":true,"f":false,"e":1e3}`)
	f.Fuzz(func(t *testing.T, data string) {
		items, isJSON := ParseItems(data)
		// Reference: encoding/json on the same wrapped text (json.Valid rejects trailing data).
		var ref []any
		wrapped := "[" + data + "]"
		refErr := errors.New("invalid")
		if json.Valid([]byte(wrapped)) {
			dec := json.NewDecoder(strings.NewReader(wrapped))
			dec.UseNumber()
			refErr = dec.Decode(&ref)
		}
		if isJSON != (refErr == nil) {
			t.Fatalf("ok = %v, encoding/json error %v for %q", isJSON, refErr, data)
		}
		var want []map[string]string
		for _, e := range ref {
			obj, ok := e.(map[string]any)
			if !ok {
				continue
			}
			m := map[string]string{}
			for k, v := range obj {
				switch v := v.(type) {
				case string:
					m[k] = v
				case json.Number:
					m[k] = string(v)
				case bool:
					m[k] = strconv.FormatBool(v)
				}
			}
			want = append(want, m)
		}
		if len(items) != len(want) {
			t.Fatalf("items = %d, want %d for %q", len(items), len(want), data)
		}
		for i := range items {
			if !reflect.DeepEqual(items[i], want[i]) {
				t.Fatalf("item %d = %v, want %v", i, items[i], want[i])
			}
		}
	})
}

// benchBody is a response with one JSON action of 10 items plus an HTML action.
func benchBody() []byte {
	var items []string
	for i := range 10 {
		n := strconv.Itoa(i)
		items = append(items, `{"internal_id":"SKU-`+n+`","title":"Product `+n+`","guide_url":"https://shop.example/p/`+n+
			`","image_big_url":"https://cdn.example/`+n+`.jpg","price":1`+n+`.90,"is_in_stock":"yes"}`)
	}
	data, _ := json.Marshal(strings.Join(items, ","))
	return []byte(`{"session_id":"1700000000 9f86d081884c7d65","cache_version":0,"conditions":[{"id":5}],` +
		`"actions":[{"id":10,"data":{"data":` + string(data) + `}}],"dismiss_conditions":[],"dismiss_actions":[]}`)
}

// BenchmarkDecode10Items decodes an answer with one JSON action of 10 items and reads its
// items: Fields as pages do (Items, whose accessors read the key/value pairs), and Maps, one
// map per item (ParseItems), for comparison.
func BenchmarkDecode10Items(b *testing.B) {
	body := benchBody()
	reads := []struct {
		name string
		read func(data string) (n int, title string)
	}{
		{"Fields", func(data string) (int, string) {
			items, _ := ParseItemFields(data)
			if len(items) == 0 {
				return 0, ""
			}
			title, _ := items[len(items)-1].Get("title")
			return len(items), title
		}},
		{"Maps", func(data string) (int, string) {
			items, _ := ParseItems(data)
			if len(items) == 0 {
				return 0, ""
			}
			return len(items), items[len(items)-1]["title"]
		}},
	}
	for _, rd := range reads {
		b.Run(rd.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r, err := Decode(body)
				if err != nil {
					b.Fatal(err)
				}
				if n, title := rd.read(r.Actions[0].Data["data"]); n != 10 || title != "Product 9" {
					b.Fatalf("%d items, last title %q", n, title)
				}
			}
		})
	}
}
