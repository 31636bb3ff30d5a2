package session

import (
	"maps"
	"strings"
	"testing"
)

func TestStringMapSerializerRoundTrip(t *testing.T) {
	var ser stringMapSerializer
	in := map[any]any{keyVisitor: "ab12", keySession: "1700000000 x\"y\\z", keyPastSessions: "", "ünï": "\x00<>"}
	b, err := ser.Serialize(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[any]any
	if err := ser.Deserialize(b, &out); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(in, out) {
		t.Fatalf("round trip: %v != %v", out, in)
	}
	tests := []struct {
		name string
		src  any
	}{
		{"not a map", "x"},
		{"int value", map[any]any{"k": 1}},
		{"int key", map[any]any{1: "v"}},
	}
	for _, tt := range tests {
		if _, err := ser.Serialize(tt.src); err == nil || !strings.Contains(err.Error(), "personyze") {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
	for _, bad := range []string{"", "[1]", `{"a":1}`, "{"} {
		var m map[any]any
		if err := ser.Deserialize([]byte(bad), &m); err == nil {
			t.Errorf("Deserialize(%q) accepted", bad)
		}
	}
	var s string
	if err := ser.Deserialize([]byte(`{}`), &s); err == nil {
		t.Error("Deserialize into a string accepted")
	}
}
