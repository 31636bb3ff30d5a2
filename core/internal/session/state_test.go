package session

import (
	"strings"
	"testing"
	"time"

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
		{"late answer marked", State{VisitorKey: "v", SessionID: "1700000000 ab", SessionUser: 7, Late: 1700000100}, true},
		{"held statuses in the store", State{VisitorKey: "v", SessionID: "1700000000 ab", Held: true}, false},
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
		s.Values[keyLate] = bad
		if got := Load(s); got.SessionUser != 0 || got.Late != 0 {
			t.Errorf("%q loaded as user %d, late %d, want 0 (unknown, none)", bad, got.SessionUser, got.Late)
		}
	}
}

// TestClearLeavesTheAppsValues: Forget with an application's own session store removes
// this library's values only; the app's (its sign-in, say) stay.
func TestClearLeavesTheAppsValues(t *testing.T) {
	s := sessions.NewSession(nil, "app")
	Put(s, State{VisitorKey: "v", SessionID: "1700000000 ab", SessionUser: 7, PastSessions: "1", Blocked: "5:1", ForceNew: true,
		Late: 1700000100, Held: true})
	s.Values["user"] = "alice"
	if len(s.Values) != len(stateKeys)+1 {
		t.Fatalf("Put stored %d values, want every key of stateKeys and the app's: %v", len(s.Values), s.Values)
	}
	Clear(s)
	if len(s.Values) != 1 || s.Values["user"] != "alice" {
		t.Fatalf("after Clear: %v, want only the app's value", s.Values)
	}
}

func TestSessionStart(t *testing.T) {
	tests := []struct {
		id   string
		want int64
	}{
		{"1700000000 ab12", 1700000000},
		{"1700000000,x,y", 1700000000},
		{"1700000000", 1700000000},
		{"", 0},
		{"abc 1700000000", 0},
		{"99999999999999999999999 x", 0}, // overflow: forces a new session
		{"-5 x", 0},
	}
	for _, tt := range tests {
		if got := Start(tt.id); got != tt.want {
			t.Errorf("Start(%q) = %d, want %d", tt.id, got, tt.want)
		}
	}
}

func TestNeedsNewSession(t *testing.T) {
	start := time.Unix(1700000000, 0)
	id := "1700000000 ab"
	tests := []struct {
		name string
		id   string
		now  time.Time
		want bool
	}{
		{"no session yet", "", start, true},
		{"fresh", id, start.Add(time.Minute), false},
		{"just before the margin", id, start.Add(90*time.Minute - 6*time.Second), false},
		{"at 90 min minus 5 s", id, start.Add(90*time.Minute - 5*time.Second), true},
		{"long gone", id, start.Add(48 * time.Hour), true},
		{"unparsable id", "x", start, true},
	}
	for _, tt := range tests {
		if got := NeedsNew(tt.id, tt.now); got != tt.want {
			t.Errorf("%s: NeedsNew = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAppendPastSessionKeepsNewest12(t *testing.T) {
	list := ""
	for i := int64(1); i <= 15; i++ {
		list = AppendPast(list, i)
	}
	parts := strings.Split(list, ",")
	if len(parts) != maxPastSessions || parts[0] != "4" || parts[11] != "15" {
		t.Fatalf("past sessions %q", list)
	}
}
