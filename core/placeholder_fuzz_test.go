package core

import (
	"strings"
	"testing"
)

// FuzzAttributeLinks: any HTML an account sends renders without a panic; markup without an
// anchor is returned unchanged, and attribution settles: after a second pass, a third
// changes nothing.
func FuzzAttributeLinks(f *testing.F) {
	for _, s := range []string{
		`<div><a class="cta" href="/">Shop</a></div>`, `<a href="/p?x=1#f">x</a>`, `<a href=//evil>`,
		`<script>"<a href='/'>"</script>`, `<a data-personyze-click-target="products p1" href="p1">`,
		`<a href="%zz">`, `<<a href=/>`, `plain text`, `<A HREF='/X'>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := attributeLinks(s, "pz", 7)
		if !strings.Contains(strings.ToLower(s), "<a") && out != s {
			t.Fatalf("markup without an anchor changed:\n%q\n%q", s, out)
		}
		if again := attributeLinks(out, "pz", 7); again != attributeLinks(again, "pz", 7) {
			t.Fatalf("attribution does not settle:\n%q\n%q", out, again)
		}
	})
}

// FuzzParseBlocked: whatever a session store holds, the closed-actions list stays bounded
// and round-trips.
func FuzzParseBlocked(f *testing.F) {
	for _, s := range []string{"5:2,6:1", "", "x", "1:999999999999", "-1:2,0:1,2147483648:1", strings.Repeat("1:1,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bs := parseBlocked(s)
		if len(bs) > maxBlocked {
			t.Fatalf("%d entries", len(bs))
		}
		for _, b := range bs {
			if b.id <= 0 || b.id > maxActionID || b.n <= 0 || b.n > maxCloseSessions {
				t.Fatalf("entry %+v", b)
			}
		}
		if f := formatBlocked(bs); formatBlocked(parseBlocked(f)) != f {
			t.Fatalf("no round trip: %q", f)
		}
	})
}

func BenchmarkAttributeLinks(b *testing.B) {
	const banner = `<div class="personyze-banner"><strong>Summer sale: free shipping on every order this week</strong> <a class="personyze-cta" href="/">Shop the sale</a></div>`
	b.ReportAllocs()
	for b.Loop() {
		attributeLinks(banner, "pz", 301)
	}
}
