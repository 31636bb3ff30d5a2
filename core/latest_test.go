package core

import (
	"strings"
	"testing"
	"unsafe"
)

// TestLatestSessions: the newest session per visitor wins, a late answer from an earlier
// session does not go back in time, and newer only reports an id the caller lacks.
func TestLatestSessions(t *testing.T) {
	l := newLatestSessions(2)
	l.observe(1, "1700000000 a")
	l.observe(1, "1700005400 b") // a new session
	l.observe(1, "1700000000 a") // a late answer from the first: ignored
	tests := []struct {
		user uint32
		have string
		want string
	}{
		{1, "", "1700005400 b"},
		{1, "1700000000 a", "1700005400 b"},
		{1, "1700005400 b", ""},
		{1, "1700009000 c", ""}, // the caller's is newer
		{2, "", ""},             // unknown visitor
	}
	for _, tt := range tests {
		if got := l.newer(tt.user, tt.have); got != tt.want {
			t.Errorf("newer(%d, %q) = %q, want %q", tt.user, tt.have, got, tt.want)
		}
	}
	l.observe(1, "1700005400 x") // same start, later answer: it wins
	if got := l.newer(1, "1700005400 b"); got != "1700005400 x" {
		t.Errorf("same start, later answer: %q", got)
	}
	l.observe(2, "1700000000 d")
	l.observe(3, "1700000000 e") // evicts visitor 1, the least recently used
	if got := l.newer(1, ""); got != "" {
		t.Errorf("evicted visitor still known: %q", got)
	}
	off := newLatestSessions(0)
	off.observe(1, "1700000000 a")
	if got := off.newer(1, ""); got != "" {
		t.Errorf("disabled registry holds %q", got)
	}
}

// TestLatestSessionsCopiesIDs: an id taken from an answer is kept as a copy, so the
// registry never holds the answer's text; observing the same id again keeps the copy.
func TestLatestSessionsCopiesIDs(t *testing.T) {
	body := `{"session_id":"1700000000 abcdef","actions":[` + strings.Repeat(" ", 1<<20) + `]}`
	id := body[15:32] // as the decoder returns it: a part of the answer
	l := newLatestSessions(10)
	got := l.observe(1, id)
	kept := l.newer(1, "")
	if kept != "1700000000 abcdef" || shares(kept, body) {
		t.Fatalf("kept %q, sharing the answer: %v", kept, shares(kept, body))
	}
	if unsafe.StringData(got) != unsafe.StringData(kept) {
		t.Error("observe returned another string than the one kept")
	}
	if again := l.observe(1, id); unsafe.StringData(again) != unsafe.StringData(kept) {
		t.Error("the same id observed again was copied again")
	}
	// A late answer from an earlier session, and a disabled registry: still a copy.
	l.observe(2, "1700005400 b")
	for _, r := range []*latestSessions{l, newLatestSessions(0)} {
		if got := r.observe(2, id); got != id || shares(got, body) {
			t.Errorf("observe returned %q, sharing the answer: %v", got, shares(got, body))
		}
	}
	if got := l.newer(2, ""); got != "1700005400 b" {
		t.Errorf("the late answer replaced the newer session: %q", got)
	}
}
