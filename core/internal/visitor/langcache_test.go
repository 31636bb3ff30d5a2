package visitor

import (
	"strconv"
	"strings"
	"testing"
)

// TestDetectorLanguagesCaches: the cached answer is the uncached one, the cache keeps at
// most maxLangCached headers and none longer than maxLangCachedLen.
func TestDetectorLanguagesCaches(t *testing.T) {
	d := NewDetector(0, nil)
	for _, h := range []string{"en-US,en;q=0.9", "de-CH, fr;q=0.5", "", "xx-invalid-;q=", "fil, es-419"} {
		for range 2 { // the second answer comes from the cache
			if got, want := d.Languages(h), Languages(h); got != want {
				t.Errorf("%q: cached %q, want %q", h, got, want)
			}
		}
	}
	long := strings.Repeat("en-US,", maxLangCachedLen/6+1)
	if got, want := d.Languages(long), Languages(long); got != want {
		t.Errorf("long header: %q, want %q", got, want)
	}
	if _, ok := d.langs.m[long]; ok {
		t.Error("a header longer than the bound was cached")
	}
	for i := range 2 * maxLangCached {
		d.Languages("en;q=0." + strconv.Itoa(i))
	}
	if n := len(d.langs.m); n != maxLangCached {
		t.Errorf("cache holds %d headers, want the bound %d", n, maxLangCached)
	}
}

// A nil Detector, documented to work, parses without a cache.
func TestNilDetectorLanguages(t *testing.T) {
	var d *Detector
	if got, want := d.Languages("de-CH, fr;q=0.5"), Languages("de-CH, fr;q=0.5"); got != want || got == "" {
		t.Errorf("nil Detector: %q, want %q", got, want)
	}
}
