package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testKey = "8C03F1C7FF861065B3D063CD6A4DD0F8E8008FE9"

func TestEffectiveDefaults(t *testing.T) {
	c, err := effective(Config{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	eff := (*c)
	checks := []struct {
		field     string
		got, want any
	}{
		{"BaseURL", eff.BaseURL, "https://app.personyze.com/rest/"},
		{"UserAgent", eff.UserAgent, "gopersonyze/0.1.0 (+https://github.com/gopersonyze/personyze)"},
		{"Timeout", eff.Timeout, 300 * time.Millisecond},
		{"MaxResponseBytes", eff.MaxResponseBytes, int64(1 << 20)},
		{"Logger", eff.Logger, slog.Default()},
		{"SessionName", eff.SessionName, "personyze"},
		{"CookiePath", eff.CookiePath, "/"},
		{"CookieMaxAge", eff.CookieMaxAge, 34560000},
		{"QueueSize", eff.QueueSize, 1024},
		{"MaxRetries", eff.MaxRetries, 6},
		{"RetryBackoff", eff.RetryBackoff, 250 * time.Millisecond},
		{"BreakerFailures", eff.BreakerFailures, 5},
		{"BreakerCooldown", eff.BreakerCooldown, 10 * time.Second},
		{"StaleCacheSize", eff.StaleCacheSize, 10000},
		{"UACacheSize", eff.UACacheSize, 4096},
		{"AttributionParam", eff.AttributionParam, "pz"},
		{"LogInterval", eff.LogInterval, 10 * time.Second},
		{"EnvScriptPath", eff.EnvScriptPath, "/personyze-env.js"},
		{"APIKey kept", eff.APIKey, testKey},
		{"HTTPClient stays nil", eff.HTTPClient == nil, true},
		{"Consent stays nil", eff.Consent == nil, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.field, ck.got, ck.want)
		}
	}
	if eff.DocumentName == nil {
		t.Fatal("DocumentName default missing")
	}
	if got := eff.DocumentName(httptest.NewRequest("GET", "/shop/chair?x=1", nil)); got != "/shop/chair" {
		t.Errorf("DocumentName default = %q, want r.URL.Path", got)
	}
}

func TestExplicitValuesKept(t *testing.T) {
	in := Config{APIKey: testKey, BaseURL: "http://127.0.0.1:8080/rest", UserAgent: "ua", Timeout: time.Second,
		MaxResponseBytes: 10, MaxRetries: -1, StaleCacheSize: -1, QueueSize: 5, AttributionParam: "ref"}
	c, err := effective(in)
	if err != nil {
		t.Fatal(err)
	}
	eff := (*c)
	if eff.BaseURL != "http://127.0.0.1:8080/rest/" || eff.UserAgent != "ua" || eff.Timeout != time.Second ||
		eff.MaxResponseBytes != 10 || eff.MaxRetries != -1 || eff.StaleCacheSize != -1 || eff.QueueSize != 5 ||
		eff.AttributionParam != "ref" {
		t.Errorf("explicit values changed: %+v", eff)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		field   string
		problem string // substring
	}{
		{"missing key", Config{}, "APIKey", "has 0 characters"},
		{"short key", Config{APIKey: testKey[:39]}, "APIKey", "has 39 characters"},
		{"long key", Config{APIKey: testKey + "0"}, "APIKey", "has 41 characters"},
		{"key with space", Config{APIKey: " " + testKey[1:]}, "APIKey", "character 1"},
		{"key with non-ASCII", Config{APIKey: "é" + testKey[2:]}, "APIKey", "has 39 characters"},
		{"relative URL", Config{APIKey: testKey, BaseURL: "app.personyze.com/rest/"}, "BaseURL", "not an absolute URL"},
		{"plain http remote", Config{APIKey: testKey, BaseURL: "http://app.personyze.com/rest/"}, "BaseURL", "plain http"},
		{"plain http private IP", Config{APIKey: testKey, BaseURL: "http://10.0.0.1/rest/"}, "BaseURL", "plain http"},
		{"ftp", Config{APIKey: testKey, BaseURL: "ftp://app.personyze.com/rest/"}, "BaseURL", "scheme"},
		{"user info", Config{APIKey: testKey, BaseURL: "https://api:x@app.personyze.com/rest/"}, "BaseURL", "user information"},
		{"query", Config{APIKey: testKey, BaseURL: "https://app.personyze.com/rest/?a=1"}, "BaseURL", "query"},
		{"user agent newline", Config{APIKey: testKey, UserAgent: "a\r\nX: y"}, "UserAgent", "line break"},
		{"negative timeout", Config{APIKey: testKey, Timeout: -1}, "Timeout", "negative"},
		{"negative max response", Config{APIKey: testKey, MaxResponseBytes: -1}, "MaxResponseBytes", "negative"},
		{"relative script path", Config{APIKey: testKey, EnvScriptPath: "pz.js"}, "EnvScriptPath", "not a clean absolute path"},
		{"script on another host", Config{APIKey: testKey, EnvScriptPath: "//cdn.example/pz.js"}, "EnvScriptPath", "not a clean absolute path"},
		{"unclean script path", Config{APIKey: testKey, EnvScriptPath: "/a/../pz.js"}, "EnvScriptPath", "not a clean absolute path"},
		{"root as script path", Config{APIKey: testKey, EnvScriptPath: "/"}, "EnvScriptPath", "not a clean absolute path"},
		{"script path with a query", Config{APIKey: testKey, EnvScriptPath: "/pz.js?v=1"}, "EnvScriptPath", `character '?'`},
		{"script path with a quote", Config{APIKey: testKey, EnvScriptPath: `/pz".js`}, "EnvScriptPath", `character '"'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := effective(tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || c != nil {
				t.Fatalf("effective = %v, %v; want *ConfigError", c, err)
			}
			if ce.Field != tt.field || !strings.Contains(ce.Problem, tt.problem) || ce.Fix == "" {
				t.Errorf("ConfigError = %+v, want field %s problem containing %q and a fix", ce, tt.field, tt.problem)
			}
			if tt.cfg.APIKey != "" && strings.Contains(err.Error(), tt.cfg.APIKey) {
				t.Errorf("error reveals the key: %v", err)
			}
		})
	}
}

func TestBaseURLAccepted(t *testing.T) {
	tests := map[string]string{
		"https://app.personyze.com/rest":  "https://app.personyze.com/rest/",
		"https://app.personyze.com/rest/": "https://app.personyze.com/rest/",
		"HTTPS://example.com":             "https://example.com/",
		"http://localhost:9/rest":         "http://localhost:9/rest/",
		"http://LOCALHOST./x/":            "http://LOCALHOST./x/",
		"http://127.0.0.1:1/":             "http://127.0.0.1:1/",
		"http://127.9.9.9/":               "http://127.9.9.9/",
		"http://[::1]:8080/rest":          "http://[::1]:8080/rest/",
	}
	for in, want := range tests {
		c, err := effective(Config{APIKey: testKey, BaseURL: in})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := (*c).BaseURL; got != want {
			t.Errorf("%s: BaseURL = %q, want %q", in, got, want)
		}
		if got := c.BaseURL + "tracker-v1"; got != want+"tracker-v1" {
			t.Errorf("%s: endpoint = %q", in, got)
		}
	}
}

func TestConfigNeverPrintsKey(t *testing.T) {
	cfg := Config{APIKey: testKey, SessionKeys: [][]byte{[]byte("hash-key-0123456789"), []byte("block-key-0123456")}}
	c, err := effective(cfg)
	if err != nil {
		t.Fatal(err)
	}
	devCfg := cfg
	devCfg.SessionKeys, devCfg.Development = nil, true
	devCfg.Logger = slog.New(slog.DiscardHandler)
	tr, err := New(devCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())
	basic := base64.StdEncoding.EncodeToString([]byte("api:" + testKey))
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", &cfg, "eff", (*c))
	outputs := map[string]string{
		"%v":          fmt.Sprintf("%v", cfg),
		"%+v":         fmt.Sprintf("%+v", cfg),
		"%#v":         fmt.Sprintf("%#v", cfg),
		"%s":          fmt.Sprintf("%s", cfg),
		"%v ptr":      fmt.Sprintf("%v", &cfg),
		"%+v slice":   fmt.Sprintf("%+v", []Config{cfg}),
		"tracker %+v": fmt.Sprintf("%+v", tr),
		"tracker %#v": fmt.Sprintf("%#v", tr),
		"slog":        logged.String(),
	}
	for name, out := range outputs {
		for _, secret := range []string{testKey, testKey[:8], basic, "hash-key", "block-key"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output reveals %q: %s", name, secret, out)
			}
		}
	}
	if !strings.Contains(outputs["%v"], "[REDACTED]") || !strings.Contains(outputs["slog"], "[REDACTED]") {
		t.Errorf("redaction marker missing: %s / %s", outputs["%v"], outputs["slog"])
	}
	if !strings.Contains(outputs["%v"], defaultBaseURL) && !strings.Contains(outputs["%v"], `BaseURL:""`) {
		t.Errorf("String lost the useful fields: %s", outputs["%v"])
	}
}

// effective applies the defaults and validates the wire fields, as New does first.
func effective(cfg Config) (*Config, error) {
	eff := cfg.withDefaults()
	if err := eff.validateWire(); err != nil {
		return nil, err
	}
	if err := validateEnvScriptPath(eff.EnvScriptPath); err != nil {
		return nil, err
	}
	return &eff, nil
}

func TestConfigErrorString(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ConfigError{Field: "BaseURL", Problem: "bad", Fix: "fix it"}, "personyze: Config.BaseURL: bad; fix it"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
