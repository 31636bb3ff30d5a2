package session

import (
	"strings"
	"testing"
	"time"
)

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
