package core

import (
	"errors"
	"strings"
	"testing"
)

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
