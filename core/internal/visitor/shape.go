package visitor

import "strings"

// Shapes of the OS and platform facts. They come from the client's User-Agent and client
// hints, or from a custom Parser, and Personyze shows them in its dashboard (Live Visits):
// Detector reports them only in these shapes, whatever it was sent.
const (
	// MaxName bounds an OS or platform name: 1 to 32 ASCII letters, digits, spaces, '.',
	// '_' and '-', starting with a letter or digit and not ending with a space.
	MaxName = 32
	// MaxVersionParts and MaxVersionDigits bound an OS version: 1 to 4 numbers of 1 to 6
	// digits, separated by dots ("10.15.7").
	MaxVersionParts  = 4
	MaxVersionDigits = 6
)

// cleanName returns the longest prefix of s that is a name (see MaxName), "" when s does
// not start with a letter or digit: "Windows NT \"><img" gives "Windows NT", so what the
// parser recognised survives what a client appended to it.
func cleanName(s string) string {
	n := 0
	for n < len(s) && n < MaxName && nameByte(s[n], n == 0) {
		n++
	}
	return strings.TrimRight(s[:n], " ")
}

// validName reports whether s is a whole name (see MaxName).
func validName(s string) bool { return s != "" && cleanName(s) == s }

// nameByte reports whether c may stand in a name, at its start when first.
func nameByte(c byte, first bool) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	return !first && (c == ' ' || c == '.' || c == '_' || c == '-')
}

// cleanVersion returns the longest prefix of v that is a version (see MaxVersionParts): a
// number too long ends it before that number, so "10.<1,900 digits>" gives "10" and
// "10.0\t\u202e" gives "10.0"; "" when v does not start with a number of at most
// MaxVersionDigits digits.
func cleanVersion(v string) string {
	end, parts, digits := 0, 0, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && '0' <= v[i] && v[i] <= '9' {
			if digits++; digits > MaxVersionDigits {
				break
			}
			continue
		}
		if digits == 0 {
			break
		}
		parts, end, digits = parts+1, i, 0
		if parts == MaxVersionParts || i == len(v) || v[i] != '.' {
			break
		}
	}
	return v[:end]
}
