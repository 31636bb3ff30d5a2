package core

import (
	"errors"
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
		if got := sessionStart(tt.id); got != tt.want {
			t.Errorf("sessionStart(%q) = %d, want %d", tt.id, got, tt.want)
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
		if got := needsNewSession(tt.id, tt.now); got != tt.want {
			t.Errorf("%s: needsNewSession = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAppendPastSessionKeepsNewest12(t *testing.T) {
	list := ""
	for i := int64(1); i <= 15; i++ {
		list = appendPastSession(list, i)
	}
	parts := strings.Split(list, ",")
	if len(parts) != maxPastSessions || parts[0] != "4" || parts[11] != "15" {
		t.Fatalf("past sessions %q", list)
	}
}

func TestValidateSession(t *testing.T) {
	k := func(n int) []byte { return make([]byte, n) }
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"keys", Config{SessionKeys: [][]byte{k(64), k(32)}}, ""},
		{"rotation", Config{SessionKeys: [][]byte{k(64), k(32), k(32), k(16)}}, ""},
		{"development", Config{Development: true}, ""},
		{"none", Config{}, "SessionKeys"},
		{"odd", Config{SessionKeys: [][]byte{k(64)}}, "pairs"},
		{"short hash", Config{SessionKeys: [][]byte{k(16), k(32)}}, "at least 32"},
		{"bad block", Config{SessionKeys: [][]byte{k(64), k(20)}}, "16, 24 or 32"},
	}
	for _, tt := range tests {
		err := validateSession(tt.cfg)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want a ConfigError mentioning %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestNewRefusesMissingSessionKeys(t *testing.T) {
	_, err := New(Config{APIKey: strings.Repeat("A", 40)})
	if err == nil || !strings.Contains(err.Error(), "Development") {
		t.Fatalf("New without keys: %v", err)
	}
}
