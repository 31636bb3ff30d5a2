package core

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKey returns n deterministic bytes that look random (every byte value occurs), so the
// encoded-text check never mistakes them for text.
func testKeyBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*37) + seed*101 + 0x80
	}
	return b
}

func TestParseSessionKeys(t *testing.T) {
	h64, b32 := testKeyBytes(64, 1), testKeyBytes(32, 2)
	h32, b16 := testKeyBytes(32, 3), testKeyBytes(16, 4)
	hx := hex.EncodeToString
	tests := []struct {
		name string
		in   string
		want [][]byte
	}{
		{"hex", hx(h64) + "," + hx(b32), [][]byte{h64, b32}},
		{"upper-case hex", strings.ToUpper(hx(h64) + "," + hx(b32)), [][]byte{h64, b32}},
		{"base64 std padded", base64.StdEncoding.EncodeToString(h64) + "," + base64.StdEncoding.EncodeToString(b32), [][]byte{h64, b32}},
		{"base64 std raw", base64.RawStdEncoding.EncodeToString(h64) + "," + base64.RawStdEncoding.EncodeToString(b32), [][]byte{h64, b32}},
		{"base64 url padded", base64.URLEncoding.EncodeToString(h64) + "," + base64.URLEncoding.EncodeToString(b32), [][]byte{h64, b32}},
		{"base64 url raw", base64.RawURLEncoding.EncodeToString(h64) + "," + base64.RawURLEncoding.EncodeToString(b32), [][]byte{h64, b32}},
		{"mixed encodings", hx(h64) + "," + base64.StdEncoding.EncodeToString(b32), [][]byte{h64, b32}},
		{"rotation, newest first", hx(h64) + "," + hx(b32) + "," + hx(h32) + "," + hx(b16), [][]byte{h64, b32, h32, b16}},
		{"spaces and line breaks", "\n  " + hx(h64) + ", " + hx(b32) + "\r\n" + hx(h32) + "\t" + hx(b16) + "\n", [][]byte{h64, b32, h32, b16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSessionKeys(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d keys, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("key %d differs", i)
				}
			}
			if _, err := New(Config{APIKey: strings.Repeat("A", 40), SessionKeys: got}); err != nil {
				t.Errorf("New refuses the parsed keys: %v", err)
			}
		})
	}
}

func TestParseSessionKeysErrors(t *testing.T) {
	hx := hex.EncodeToString
	h64, b32 := hx(testKeyBytes(64, 1)), hx(testKeyBytes(32, 2))
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no keys"},
		{"only separators", " ,\n, ", "no keys"},
		{"odd", h64, "pairs"},
		{"three", h64 + "," + b32 + "," + h64, "pairs"},
		{"not an encoding", h64 + ",not*a*key", "the encryption key of pair 1 is 9 characters of neither hex nor base64"},
		{"short hash key", hx(testKeyBytes(16, 1)) + "," + b32, "the hash key of pair 1 is 16 bytes"},
		{"bad encryption key", h64 + "," + hx(testKeyBytes(20, 2)), "the encryption key of pair 1 is 20 bytes"},
		{"bad second pair", h64 + "," + b32 + "," + h64 + "," + hx(testKeyBytes(33, 2)), "the encryption key of pair 2 is 33 bytes"},
		// openssl rand -hex 32, hex-encoded again by a script: decodes to 64 bytes of hex text.
		{"hex of hex", hx([]byte(h64)) + "," + b32, "the hash key of pair 1 is 128 characters of hex text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseSessionKeys(tt.in)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != "SessionKeys" {
				t.Fatalf("got %v, %v; want a SessionKeys ConfigError", keys, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			if !strings.Contains(msg, "openssl rand -hex") {
				t.Errorf("error %q does not say how to generate keys", msg)
			}
			for _, f := range strings.Split(tt.in, ",") {
				if len(f) >= 16 && strings.Contains(msg, f) {
					t.Errorf("error reveals key material: %q", msg)
				}
			}
		})
	}
}

// TestNewRefusesKeyText is the common mistake: the text of `openssl rand -hex 32` (or
// -base64) passed as the key bytes. The error names the key, says it is text and how to fix it.
func TestNewRefusesKeyText(t *testing.T) {
	good := func(n int) []byte { return testKeyBytes(n, 9) }
	hexText := func(n int) []byte { return []byte(hex.EncodeToString(testKeyBytes(n, 5))) }
	b64Text := func(n int) []byte { return []byte(base64.StdEncoding.EncodeToString(testKeyBytes(n, 5))) }
	tests := []struct {
		name string
		keys [][]byte
		want string
	}{
		// 64 hex characters is a valid hash-key length, so only the text check catches it.
		{"hex hash key", [][]byte{hexText(32), good(32)}, "the hash key of pair 1 is 64 characters of hex text, not the 32 random bytes they encode"},
		// 32 hex characters is a valid AES-256 length.
		{"hex encryption key", [][]byte{good(64), hexText(16)}, "the encryption key of pair 1 is 32 characters of hex text, not the 16 random bytes"},
		{"hex in the old pair", [][]byte{good(64), good(32), hexText(32), good(32)}, "the hash key of pair 2 is 64 characters of hex text"},
		{"base64 hash key", [][]byte{b64Text(32), good(32)}, "the hash key of pair 1 is 44 characters of base64 text, not the 32 random bytes"},
		{"base64 encryption key", [][]byte{good(64), b64Text(18)}, "the encryption key of pair 1 is 24 characters of base64 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{APIKey: strings.Repeat("A", 40), SessionKeys: tt.keys})
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v\nwant a ConfigError saying %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "ParseSessionKeys") {
				t.Errorf("error %q does not point to the decoder", err)
			}
		})
	}
	// Placeholder keys of one repeated letter, as tests use, stay accepted.
	if _, err := New(Config{APIKey: strings.Repeat("A", 40),
		SessionKeys: [][]byte{bytes.Repeat([]byte("h"), 64), bytes.Repeat([]byte("b"), 32)}}); err != nil {
		t.Errorf("placeholder keys: %v", err)
	}
}

func TestNewWithoutKeysSaysHowToGenerate(t *testing.T) {
	_, err := New(Config{APIKey: strings.Repeat("A", 40)})
	if err == nil {
		t.Fatal("New without keys succeeded")
	}
	for _, want := range []string{"openssl rand -hex 64", "openssl rand -hex 32", "SessionKeysFromEnv", "Development"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSessionKeysFromEnv(t *testing.T) {
	h64, b32 := testKeyBytes(64, 1), testKeyBytes(32, 2)
	value := hex.EncodeToString(h64) + "," + hex.EncodeToString(b32)
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, env, envFile, wantErr string
	}{
		{name: "variable", env: value},
		{name: "file", envFile: file},
		{name: "variable wins", env: value, envFile: filepath.Join(t.TempDir(), "missing")},
		{name: "neither", wantErr: "neither TEST_PZ_KEYS nor TEST_PZ_KEYS_FILE is set"},
		{name: "missing file", envFile: filepath.Join(t.TempDir(), "missing"), wantErr: "cannot read TEST_PZ_KEYS_FILE"},
		{name: "bad value", env: "zz*,zz*", wantErr: "neither hex nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TEST_PZ_KEYS", tt.env)
			t.Setenv("TEST_PZ_KEYS_FILE", tt.envFile)
			keys, err := SessionKeysFromEnv("TEST_PZ_KEYS")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 || !bytes.Equal(keys[0], h64) || !bytes.Equal(keys[1], b32) {
				t.Fatalf("keys not decoded")
			}
		})
	}
}

// FuzzParseSessionKeys: any input either fails with a ConfigError or yields keys that New
// accepts; nothing panics.
func FuzzParseSessionKeys(f *testing.F) {
	f.Add(hex.EncodeToString(testKeyBytes(64, 1)) + "," + hex.EncodeToString(testKeyBytes(32, 2)))
	f.Add(base64.RawURLEncoding.EncodeToString(testKeyBytes(32, 1)) + "\n" + base64.StdEncoding.EncodeToString(testKeyBytes(16, 2)))
	f.Add(",,, \t")
	f.Add("====,----")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseSessionKeys(s)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a ConfigError", err, err)
			}
			return
		}
		if err := validateKeys(keys); err != nil {
			t.Fatalf("parsed keys fail validation: %v", err)
		}
	})
}

func ExampleParseSessionKeys() {
	// What `openssl rand -hex 64` and `openssl rand -hex 32` print, joined by a comma
	// (shortened here by repetition; use real random output).
	secret := strings.Repeat("5f3a9c", 21) + "5f" + "," + strings.Repeat("c0ffee17", 8)
	keys, err := ParseSessionKeys(secret)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(keys), "keys:", len(keys[0]), "and", len(keys[1]), "bytes")
	// Output: 2 keys: 64 and 32 bytes
}
