package core

import (
	"testing"

	"github.com/gopersonyze/personyze/core/internal/session"
)

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
		v := &Visit{state: session.State{SessionID: tt.sessionID, SessionUser: tt.owner}, facts: Facts{UserID: tt.user}}
		v.ownSession()
		if kept := v.state.SessionID == tt.sessionID; kept != tt.keep {
			t.Errorf("%s: session %q after, keep %v", tt.name, v.state.SessionID, tt.keep)
		}
		if !tt.keep && (v.state.SessionID != "" || !v.dirty || v.state.SessionUser != 0) {
			t.Errorf("%s: session %q dirty %v owner %d", tt.name, v.state.SessionID, v.dirty, v.state.SessionUser)
		}
	}
}
