package session

import (
	"testing"

	"github.com/gorilla/sessions"
)

// TestSessionUserInCookie: the cookie keeps whose session it holds; a cookie that lacks
// it (or holds garbage) says "unknown", and no session means no owner kept.
func TestSessionUserInCookie(t *testing.T) {
	tests := []struct {
		name    string
		st      State
		wantKey bool
	}{
		{"session of a user", State{VisitorKey: "v", SessionID: "1700000000 ab", SessionUser: 4294967295}, true},
		{"no session", State{VisitorKey: "v", SessionUser: 7}, false},
		{"owner unknown", State{VisitorKey: "v", SessionID: "1700000000 ab"}, false},
	}
	for _, tt := range tests {
		s := sessions.NewSession(nil, "personyze")
		Put(s, tt.st)
		if _, ok := s.Values[keySessionUser]; ok != tt.wantKey {
			t.Errorf("%s: key %q stored %v, want %v", tt.name, keySessionUser, ok, tt.wantKey)
		}
		got := Load(s)
		want := tt.st
		if !tt.wantKey {
			want.SessionUser = 0
		}
		if got != want {
			t.Errorf("%s: round trip %+v, want %+v", tt.name, got, want)
		}
	}
	for _, bad := range []string{"x", "-1", "4294967296", ""} {
		s := sessions.NewSession(nil, "personyze")
		s.Values[keySessionUser] = bad
		if got := Load(s).SessionUser; got != 0 {
			t.Errorf("%q loaded as user %d, want 0 (unknown)", bad, got)
		}
	}
}

// TestClearLeavesTheAppsValues: Forget with an application's own session store removes
// this library's values only; the app's (its sign-in, say) stay.
func TestClearLeavesTheAppsValues(t *testing.T) {
	s := sessions.NewSession(nil, "app")
	Put(s, State{VisitorKey: "v", SessionID: "1700000000 ab", SessionUser: 7, PastSessions: "1", Blocked: "5:1", ForceNew: true})
	s.Values["user"] = "alice"
	if len(s.Values) != len(stateKeys)+1 {
		t.Fatalf("Put stored %d values, want every key of stateKeys and the app's: %v", len(s.Values), s.Values)
	}
	Clear(s)
	if len(s.Values) != 1 || s.Values["user"] != "alice" {
		t.Fatalf("after Clear: %v, want only the app's value", s.Values)
	}
}
