package shop

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPrettyJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"commands":[["Product Viewed","p 1"],["Navigate","urn:x"]],"z":null}`,
			"{\n  \"a\": 1,\n  \"commands\": [\n    [\"Product Viewed\", \"p 1\"],\n    [\"Navigate\", \"urn:x\"]\n  ],\n  \"z\": null\n}"},
		{`[1, 2 ,3]`, `[1, 2, 3]`},
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`"s"`, `"s"`},
		{`{"b":{"c":[{"d":[]}]}}`, "{\n  \"b\": {\n    \"c\": [\n      {\n        \"d\": []\n      }\n    ]\n  }\n}"},
		{`{"data":[{"id":"p1", "price":"9"},{"id":"p2"}]}`, "{\n  \"data\": [\n    {\"id\":\"p1\",\"price\":\"9\"},\n    {\"id\":\"p2\"}\n  ]\n}"},
		{`{"broken":`, `{"broken":`},
		{``, ``},
	}
	for _, tt := range tests {
		if got := prettyJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("prettyJSON(%s) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

// FuzzPrettyJSON checks that valid JSON stays equivalent after formatting
// and that nothing panics.
func FuzzPrettyJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",[2]],"b":{}}`, `[[],{}]`, `"\u00e9"`, `{"k":`, `1e5`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := prettyJSON([]byte(in))
		if !json.Valid([]byte(in)) {
			return
		}
		// Numbers as their text: a valid number such as 1E700 is out of float64's range.
		a, errA := decodeNumbers(in)
		b, errB := decodeNumbers(out)
		if errA != nil || errB != nil {
			t.Fatalf("formatted output is not JSON: %q -> %q (%v, %v)", in, out, errA, errB)
		}
		aj, _ := json.Marshal(a)
		bj, _ := json.Marshal(b)
		if string(aj) != string(bj) {
			t.Fatalf("formatting changed the value: %s -> %s", aj, bj)
		}
	})
}

// decodeNumbers decodes s keeping every number as its text (json.Number).
func decodeNumbers(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
