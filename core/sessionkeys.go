package core

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// keygenHelp says how to make a key pair; every session-key error ends with it.
const keygenHelp = "generate a pair with `openssl rand -hex 64` (hash key) and `openssl rand -hex 32` " +
	"(encryption key), store them as \"<hash>,<encryption>\" in a secret (for example " +
	"PERSONYZE_SESSION_KEYS) and load it with core.SessionKeysFromEnv or core.ParseSessionKeys"

// ParseSessionKeys decodes session keys as people store them: a list of keys separated by
// commas (spaces and line breaks also separate), taken in pairs of (hash key, encryption
// key), newest pair first. Each key is hex or base64 (standard or URL alphabet, padded or
// not). To rotate keys, put the new pair in front and keep the old pair after it until the
// cookies it signed have expired or no longer matter:
//
//	<new hash>,<new encryption>,<old hash>,<old encryption>
//
// The result is checked like Config.SessionKeys: an odd number of keys or a key of the
// wrong length is an error that says which key and how to generate a good one. Errors
// never contain key material.
func ParseSessionKeys(s string) ([][]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(fields) == 0 {
		return nil, &ConfigError{Field: "SessionKeys", Problem: "no keys given", Fix: keygenHelp}
	}
	keys := make([][]byte, 0, len(fields))
	for i, f := range fields {
		k, err := decodeKey(f)
		if err != nil {
			return nil, &ConfigError{Field: "SessionKeys",
				Problem: fmt.Sprintf("%s is %d characters of neither hex nor base64", keyName(i), len(f)),
				Fix:     keygenHelp}
		}
		keys = append(keys, k)
	}
	if err := validateKeys(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// SessionKeysFromEnv reads session keys in the ParseSessionKeys format from the environment
// variable name or, when that is empty, from the file named by name+"_FILE" (the convention
// of Docker and Kubernetes secrets). Surrounding whitespace in the file is ignored.
func SessionKeysFromEnv(name string) ([][]byte, error) {
	if v := os.Getenv(name); strings.TrimSpace(v) != "" {
		return ParseSessionKeys(v)
	}
	path := os.Getenv(name + "_FILE")
	if path == "" {
		return nil, &ConfigError{Field: "SessionKeys",
			Problem: fmt.Sprintf("neither %s nor %s_FILE is set", name, name), Fix: keygenHelp}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the content would be, and is never shown.
		return nil, &ConfigError{Field: "SessionKeys",
			Problem: fmt.Sprintf("cannot read %s_FILE: %v", name, err), Fix: "check the path and its permissions"}
	}
	return ParseSessionKeys(string(b))
}

// decodeKey decodes one key: hex first (every hex string is also valid base64, and a hex
// key is what the documentation suggests), then the four base64 variants.
func decodeKey(s string) ([]byte, error) {
	if len(s)%2 == 0 && isHexText([]byte(s)) {
		return hex.DecodeString(s)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding,
		base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) > 0 {
			return k, nil
		}
	}
	return nil, fmt.Errorf("not hex or base64")
}

// keyName names the i-th key of a SessionKeys list for an error message, counting pairs
// from 1 as people do.
func keyName(i int) string {
	kind := "hash key"
	if i%2 == 1 {
		kind = "encryption key"
	}
	return fmt.Sprintf("the %s of pair %d", kind, i/2+1)
}

// validateKeys checks a non-empty SessionKeys list: pairs, lengths, and keys that are the
// text of a hex or base64 string rather than the bytes it encodes.
func validateKeys(keys [][]byte) error {
	if len(keys)%2 != 0 {
		return &ConfigError{Field: "SessionKeys", Problem: fmt.Sprintf("%d keys given; keys come in pairs", len(keys)),
			Fix: "give (hash key, encryption key) pairs, newest pair first; keep older pairs after it to rotate keys; " + keygenHelp}
	}
	for i, k := range keys {
		if enc, n := encodedText(k); enc != "" {
			return &ConfigError{Field: "SessionKeys",
				Problem: fmt.Sprintf("%s is %d characters of %s text, not the %d random bytes they encode", keyName(i), len(k), enc, n),
				Fix:     "decode it first (core.ParseSessionKeys accepts hex and base64), or " + keygenHelp}
		}
		if i%2 == 0 && len(k) < 32 {
			return &ConfigError{Field: "SessionKeys", Problem: fmt.Sprintf("%s is %d bytes", keyName(i), len(k)),
				Fix: "use at least 32 random bytes (64 recommended) for each hash key; " + keygenHelp}
		}
		if i%2 == 1 && len(k) != 16 && len(k) != 24 && len(k) != 32 {
			return &ConfigError{Field: "SessionKeys", Problem: fmt.Sprintf("%s is %d bytes", keyName(i), len(k)),
				Fix: "use 16, 24 or 32 random bytes for each encryption key (32 selects AES-256); " + keygenHelp}
		}
	}
	return nil
}

// encodedText reports whether k is hex or base64 text and how many bytes it encodes. It
// asks for a mix of character classes that random text of that alphabet always has (hex:
// digits and letters; base64: digits, lower and upper case), so placeholder keys such as
// 32 times "b" in tests are left alone, while a random key made of bytes is never flagged
// (all 32 bytes in the base64 alphabet has a chance of about 1e-19).
func encodedText(k []byte) (string, int) {
	var digit, lower, upper, other bool
	for _, c := range k {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c == '+' || c == '/' || c == '-' || c == '_' || c == '=':
		default:
			other = true
		}
	}
	switch {
	case other || !digit:
		return "", 0
	case isHexText(k) && len(k)%2 == 0 && (lower || upper):
		return "hex", len(k) / 2
	case lower && upper:
		if b, err := decodeKey(string(k)); err == nil {
			return "base64", len(b)
		}
	}
	return "", 0
}

// isHexText reports whether b is non-empty and only hex digits.
func isHexText(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(b) > 0
}
