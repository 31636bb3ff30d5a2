package core

import (
	"net/http"
	"slices"
	"testing"
)

// TestPrivateCacheVary: the library adds "Cookie" to Vary only when no Vary line of the
// response names it already (case-insensitively, in a comma-separated list) and Vary is
// not "*": an app behind nosurf and scs must not answer with three "Vary: Cookie" lines.
func TestPrivateCacheVary(t *testing.T) {
	tests := []struct {
		name string
		have []string
		want []string
	}{
		{"none", nil, []string{"Cookie"}},
		{"already", []string{"Cookie"}, []string{"Cookie"}},
		{"other case", []string{"cookie"}, []string{"cookie"}},
		{"in a list", []string{"Accept-Encoding, Cookie"}, []string{"Accept-Encoding, Cookie"}},
		{"list without spaces", []string{"Origin,COOKIE,Accept"}, []string{"Origin,COOKIE,Accept"}},
		{"on a later line", []string{"Accept-Encoding", "Origin, Cookie"}, []string{"Accept-Encoding", "Origin, Cookie"}},
		{"star", []string{"*"}, []string{"*"}},
		{"star in a list", []string{"Origin, *"}, []string{"Origin, *"}},
		{"other names", []string{"Accept-Encoding", "Origin"}, []string{"Accept-Encoding", "Origin", "Cookie"}},
		{"prefix is not the name", []string{"Cookie2, X-Cookie"}, []string{"Cookie2, X-Cookie", "Cookie"}},
		{"empty line", []string{""}, []string{"", "Cookie"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.have {
				h.Add("Vary", v)
			}
			privateCache(h)
			if got := h.Values("Vary"); !slices.Equal(got, tt.want) {
				t.Errorf("Vary %q became %q, want %q", tt.have, got, tt.want)
			}
			privateCache(h) // a second pass (a second middleware of ours) adds nothing
			if got := h.Values("Vary"); !slices.Equal(got, tt.want) {
				t.Errorf("second pass: Vary %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzAddVary: whatever Vary lines the application set, adding a name never panics, keeps
// them, and leaves the name covered exactly once by a second add.
func FuzzAddVary(f *testing.F) {
	for _, s := range []string{"", "Cookie", "*", "Accept-Encoding, cookie", " , ,Origin", "Cookie2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := http.Header{}
		h.Add("Vary", line)
		addVary(h, "Cookie")
		once := h.Values("Vary")
		if len(once) < 1 || once[0] != line || len(once) > 2 {
			t.Fatalf("Vary %q became %q", line, once)
		}
		addVary(h, "Cookie")
		if got := h.Values("Vary"); !slices.Equal(got, once) {
			t.Fatalf("second add changed %q to %q", once, got)
		}
	})
}

// BenchmarkPrivateCache measures the cache headers of a personalised page, with the Vary
// line another middleware (a session manager) set before.
func BenchmarkPrivateCache(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		h := http.Header{"Vary": {"Accept-Encoding, Cookie"}}
		privateCache(h)
	}
}
