package core

import "testing"

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
