package core

import (
	"testing"
)

// FuzzSharedValues: the VisitorStore's values come from outside the process (another
// instance, another program, a corrupted Redis); whatever they hold, reading them never
// panics, and what is accepted is bounded.
func FuzzSharedValues(f *testing.F) {
	f.Add([]byte("1700000000 1700000000 abc"))
	f.Add([]byte(`{"a":[{"i":101,"d":{"data":"[]"}}],"c":[5]}`))
	f.Add([]byte(`{"a":null}`))
	f.Add([]byte(" "))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, sid, ok := parseSharedSession(b); ok && (sid == "" || len(sid) > maxSharedSessionID) {
			t.Fatalf("accepted session id %q", sid)
		}
		if resp, err := decodeStoredResult(b); err == nil && (len(resp.Actions) > maxMerged || len(resp.Conditions) > maxMerged) {
			t.Fatalf("accepted %d actions, %d campaigns", len(resp.Actions), len(resp.Conditions))
		}
	})
}

// TestSharedValuesRoundTrip: what shareSession and shareResult write, adoptShared and
// lastResult read back.
func TestSharedValuesRoundTrip(t *testing.T) {
	at, sid, ok := parseSharedSession([]byte("1700000123 1700000000 0123456789abcdef"))
	if !ok || at != 1700000123 || sid != "1700000000 0123456789abcdef" {
		t.Errorf("parseSharedSession = %d, %q, %t", at, sid, ok)
	}
	for _, bad := range []string{"", "x y", "123", "123 ", "-"} {
		if _, _, ok := parseSharedSession([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	resp, err := decodeStoredResult([]byte(`{"a":[{"i":7,"d":{"k":"v"}}],"c":[3,4]}`))
	if err != nil || len(resp.Actions) != 1 || resp.Actions[0].ID != 7 || resp.Actions[0].Data["k"] != "v" || len(resp.Conditions) != 2 {
		t.Errorf("decodeStoredResult = %+v, %v", resp, err)
	}
}
