package visitor

import (
	"strings"
	"testing"
)

func TestCleanVersion(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"10.15.7", "10.15.7"}, {"14", "14"}, {"", ""}, {"amd64", ""}, {".5", ""},
		{"10.0\t\u202e", "10.0"}, {"10.", "10"}, {"1..2", "1"}, {"1.2.3.4.5", "1.2.3.4"},
		{"999999.1", "999999.1"}, {"1234567", ""}, {"10." + strings.Repeat("4", 1900), "10"},
		{"17.4 onerror", "17.4"},
	} {
		if got := cleanVersion(tt.in); got != tt.want {
			t.Errorf("cleanVersion(%.30q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Linux x86_64", "Linux x86_64"}, {`Windows NT "><img`, "Windows NT"}, {"Linux <b>x86_64", "Linux"},
		{" Windows", ""}, {"-x", ""}, {"J2ME/MIDP", "J2ME"}, {"Win\u202edows", "Win"},
		{strings.Repeat("a", 40), strings.Repeat("a", MaxName)}, {strings.Repeat("a", 31) + " b", strings.Repeat("a", 31)},
	} {
		if got := cleanName(tt.in); got != tt.want {
			t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseHintBool(t *testing.T) {
	for _, tt := range []struct {
		in        string
		value, ok bool
	}{
		{"?1", true, true}, {"?0", false, true}, {" ?1 ", true, true}, {`"?1`, false, false}, {`"?1"`, false, false},
		{"1", false, false}, {"?1;a=b", false, false}, {"?2", false, false}, {"", false, false}, {"??1", false, false},
	} {
		if v, ok := parseHintBool(tt.in); v != tt.value || ok != tt.ok {
			t.Errorf("parseHintBool(%q) = %v, %v; want %v, %v", tt.in, v, ok, tt.value, tt.ok)
		}
	}
}

func TestQValue(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"q=0.9", "0.9", true}, {" q=1 ", "1", true}, {"Q=0.5", "0.5", true}, {"q=1.000", "1.000", true},
		{"q=0", "0", true}, {"q=0.", "0.", true}, {"q=0.123", "0.123", true},
		{"q=NaN", "", false}, {"q=Inf", "", false}, {"q=2", "", false}, {"q=1.001", "", false},
		{"q=0.1234", "", false}, {"q=.5", "", false}, {"q=-0", "", false}, {"q = 0.5", "", false},
		{"q=0.5;level=1", "", false}, {"level=1", "", false}, {"q=", "", false}, {"", "", false},
	} {
		if q, ok := qvalue(tt.in); q != tt.want || ok != tt.ok {
			t.Errorf("qvalue(%q) = %q, %v; want %q, %v", tt.in, q, ok, tt.want, tt.ok)
		}
	}
}
