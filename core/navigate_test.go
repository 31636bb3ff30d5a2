package core

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// navigateDocument returns the wire form (after the prefix) of Navigate(document) and the
// name a decoder restores from it; it fails the test on a form no decoder reads.
func navigateDocument(t testing.TB, document string) (esc, name string) {
	t.Helper()
	c := Navigate(document)
	arg, ok := strings.CutPrefix(c.w.Args[0], navigatePrefix)
	if !ok || len(c.w.Args) != 1 {
		t.Fatalf("Navigate(%.40q) args %.80q", document, c.w.Args)
	}
	name, err := url.PathUnescape(arg)
	if err != nil {
		t.Fatalf("Navigate(%.40q): %v", document, err)
	}
	return arg, name
}

// checkDocument asserts the documented shape of Navigate's name: at most MaxDocumentName
// bytes encoded, valid UTF-8 decoded, the whole (valid) document when it fits, else its
// longest prefix of whole characters that fits.
func checkDocument(t testing.TB, document string) {
	t.Helper()
	esc, name := navigateDocument(t, document)
	if len(esc) > MaxDocumentName {
		t.Fatalf("%d bytes encoded, over MaxDocumentName", len(esc))
	}
	if !utf8.ValidString(name) {
		t.Fatalf("decoded name %.80q is not valid UTF-8", name)
	}
	if c := Navigate(document); len(c.w.AppendJSON(nil)) != len(`["Navigate",""]`)+len(navigatePrefix)+len(esc) {
		t.Fatalf("the JSON of the command escapes something: %.120s", c.w.AppendJSON(nil))
	}
	valid := strings.ToValidUTF8(document, "\uFFFD")
	if !strings.HasPrefix(valid, name) {
		t.Fatalf("decoded name %.80q is not a prefix of %.80q", name, valid)
	}
	if rest := valid[len(name):]; rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		if len(esc)+len(url.PathEscape(string(r))) <= MaxDocumentName {
			t.Fatalf("cut at %d encoded bytes although %q still fits", len(esc), r)
		}
	}
}

func TestNavigateBoundsDocumentName(t *testing.T) {
	ascii := strings.Repeat("a", MaxDocumentName)
	tests := []struct {
		name, document string
		wantLen        int // decoded name length in bytes
	}{
		{"short", "/products/p1", len("/products/p1")},
		{"ascii at the limit", ascii, MaxDocumentName},
		{"ascii over the limit", ascii + "b", MaxDocumentName},
		{"8 KB path", strings.Repeat("/abcdefg", 1024), 204*8 + 6}, // 204 segments of 10 encoded bytes, then "/abcde"
		{"1024 segments", strings.Repeat("/", 1024), MaxDocumentName / 3},
		{"two-byte runes", strings.Repeat("é", 2000), MaxDocumentName / 6 * 2},
		{"four-byte runes after one byte", "x" + strings.Repeat("😀", 500), 1 + (MaxDocumentName-1)/12*4},
		{"invalid UTF-8", "/a\xffb", len("/a\uFFFDb")},
		{"26 KB hostile path", strings.Repeat("/a", 13000), MaxDocumentName / 4 * 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDocument(t, tt.document)
			if _, name := navigateDocument(t, tt.document); len(name) != tt.wantLen {
				t.Errorf("decoded name %d bytes, want %d", len(name), tt.wantLen)
			}
		})
	}
}

// FuzzNavigateDocument: whatever path a client requests (and whatever name an application
// gives), the Navigate built from it has the documented shape. The path is repeated so that
// the fuzzer reaches the limit from short inputs.
func FuzzNavigateDocument(f *testing.F) {
	for _, s := range []string{"/", "/products/p1", "/a b/ü", "/\xff\xfe", "é😀/", "%2F", "\u2028\"\\\x00"} {
		f.Add(s, uint16(1))
		f.Add(s, uint16(1000))
	}
	f.Fuzz(func(t *testing.T, path string, times uint16) {
		if path == "" {
			return
		}
		n := min(int(times)+1, (8<<10)/len(path)+1) // past the limit, however the path encodes
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = strings.Repeat(path, n)
		checkDocument(t, defaultDocumentName(r))
		if err := wire.Fits(Navigate(r.URL.Path).w, func() *wire.Request { return &wire.Request{} }); err != nil {
			t.Fatalf("a Navigate does not fit a call: %v", err)
		}
	})
}
