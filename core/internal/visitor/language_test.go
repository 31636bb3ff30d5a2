package visitor

import (
	"strings"
	"testing"
	"time"
)

func TestParseLanguages(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank", "   ", ""},
		{"single", "en", "en"},
		{"region dropped", "en-US", "en"},
		{"chrome default", "en-US,en;q=0.9", "en"},
		{"weights reorder", "fr;q=0.5, de;q=0.9, es", "es, de, fr"},
		{"equal weights keep order", "de, fr, it", "de, fr, it"},
		{"duplicates across regions", "en-GB,en-US;q=0.9,en;q=0.8,fr;q=0.7", "en, fr"},
		{"more than three", "en,fr;q=0.9,de;q=0.8,es;q=0.7,it;q=0.6", "en, fr, de"},
		{"star skipped", "*;q=0.9, pt-BR", "pt"},
		{"only star", "*", ""},
		{"three-letter without 2-letter form skipped", "fil, gsw;q=0.9, es;q=0.8", "es"},
		{"three-letter with 2-letter form mapped", "deu", "de"},
		{"deprecated code canonicalized", "iw", "he"},
		{"script and region", "zh-Hant-TW,zh;q=0.9,en;q=0.5", "zh, en"},
		{"q zero excluded", "en;q=0, fr", "fr"},
		{"uppercase", "EN-us, FR;q=0.5", "en, fr"},
		{"spaces", " en-US ; q=0.8 ,  ja ", "ja, en"},
		{"empty entries", ",,en,,", "en"},
		{"undetermined skipped", "und-US, it", "it"},
		{"malformed weight", "en;q=abc", ""},
		{"invalid weights ignored", "en;q=NaN, de;q=0.5, fr, it;q=2, es;q=0.1234", "fr, de"},
		{"upper-case Q", "de;q=0.5, es;Q=0.8", "es, de"},
		{"malformed tag", "en_US_!!", ""},
		{"garbage", "\x00\xff;;;==", ""},
		{"unknown language", "zz, en", ""},
		{"long extension tag", "de-DE-u-co-phonebk-ca-gregory, en;q=0.5", "de, en"},
		{"over-long entry", "en-" + strings.Repeat("1994-", 20) + "1994, fr", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Languages(tt.in); got != tt.want {
				t.Errorf("Languages(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLanguagesHugeHeader(t *testing.T) {
	// 1,000 entries: only the first 4 KiB are parsed (cut at a comma), so
	// the valid entries in that part still count.
	var b strings.Builder
	b.WriteString("de;q=0.1")
	for i := 0; i < 1000; i++ {
		b.WriteString(", en-US;q=0.5")
	}
	b.WriteString(", fr")
	hdr := b.String()
	if len(hdr) <= maxLangHeader {
		t.Fatalf("test header too short: %d", len(hdr))
	}
	start := time.Now()
	got := Languages(hdr)
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v", el)
	}
	if got != "en, de" { // "fr" is beyond the first 4 KiB
		t.Errorf("got %q", got)
	}
	// One gigantic entry without commas is not parsed at all.
	if got := Languages(strings.Repeat("a", 64<<10)); got != "" {
		t.Errorf("got %q", got)
	}
	// Long variant lists are superlinear in x/text; the entry bound keeps
	// the worst 4 KiB header cheap.
	start = time.Now()
	for range 100 {
		Languages("en-" + strings.Repeat("1994-", 800))
		Languages(strings.Repeat("sl-rozaj-biske-1994,", 200))
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("200 pathological headers took %v", el)
	}
	// 1,000 well-formed tags in 4 KiB still finish quickly.
	b.Reset()
	for i := 0; i < 1000; i++ {
		b.WriteString("en,")
	}
	if got := Languages(b.String()); got != "en" {
		t.Errorf("got %q", got)
	}
}

func FuzzParseLanguages(f *testing.F) {
	for _, s := range []string{"", "en-US,en;q=0.9", "fr;q=0.5, de;q=0.9, es", "*", "en;q=abc",
		"zh-Hant-TW,zh;q=0.9", "iw, deu, fil", "x-foo", "en;q=0", "i-klingon", ",,,", "en-a-bbb-x-ccc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Languages(s)
		if got == "" {
			return
		}
		codes := strings.Split(got, ", ")
		if len(codes) > 3 {
			t.Fatalf("%d codes in %q", len(codes), got)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if len(c) != 2 || c[0] < 'a' || c[0] > 'z' || c[1] < 'a' || c[1] > 'z' {
				t.Fatalf("bad code %q in %q", c, got)
			}
			if seen[c] {
				t.Fatalf("duplicate %q in %q", c, got)
			}
			seen[c] = true
		}
	})
}

func BenchmarkParseLanguages(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Languages("en-US,en;q=0.9,fr-FR;q=0.8,fr;q=0.7,de;q=0.6")
	}
}
