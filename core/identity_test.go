package core

import (
	"testing"

	"github.com/gorilla/sessions"
)

// TestSessionUserInCookie: the cookie keeps whose session it holds; a cookie that lacks
// it (or holds garbage) says "unknown", and no session means no owner kept.
func TestSessionUserInCookie(t *testing.T) {
	tests := []struct {
		name    string
		st      sessionState
		wantKey bool
	}{
		{"session of a user", sessionState{VisitorKey: "v", SessionID: "1700000000 ab", SessionUser: 4294967295}, true},
		{"no session", sessionState{VisitorKey: "v", SessionUser: 7}, false},
		{"owner unknown", sessionState{VisitorKey: "v", SessionID: "1700000000 ab"}, false},
	}
	for _, tt := range tests {
		s := sessions.NewSession(nil, "personyze")
		storeState(s, tt.st)
		if _, ok := s.Values[keySessionUser]; ok != tt.wantKey {
			t.Errorf("%s: key %q stored %v, want %v", tt.name, keySessionUser, ok, tt.wantKey)
		}
		got := loadState(s)
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
		if got := loadState(s).SessionUser; got != 0 {
			t.Errorf("%q loaded as user %d, want 0 (unknown)", bad, got)
		}
	}
}

// TestOwnSession: the page's call keeps the cookie's session only when it was issued to
// the call's user_id, or when the cookie does not say whose it is (written by an earlier
// version: not every visitor's session is restarted at an upgrade).
func TestOwnSession(t *testing.T) {
	const sid = "1700000000 ab"
	tests := []struct {
		name      string
		owner     uint32
		user      uint32
		sessionID string
		keep      bool
	}{
		{"same user", 7, 7, sid, true},
		{"signed in, out or another user", 7, 8, sid, false},
		{"owner unknown", 0, 8, sid, true},
		{"no session yet", 0, 8, "", true},
	}
	for _, tt := range tests {
		v := &Visit{state: sessionState{SessionID: tt.sessionID, SessionUser: tt.owner}, facts: Facts{UserID: tt.user}}
		v.ownSession()
		if kept := v.state.SessionID == tt.sessionID; kept != tt.keep {
			t.Errorf("%s: session %q after, keep %v", tt.name, v.state.SessionID, tt.keep)
		}
		if !tt.keep && (v.state.SessionID != "" || !v.dirty || v.state.SessionUser != 0) {
			t.Errorf("%s: session %q dirty %v owner %d", tt.name, v.state.SessionID, v.dirty, v.state.SessionUser)
		}
	}
}
