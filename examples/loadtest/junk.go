package main

import (
	"math/rand/v2"
	"net/http"
	"strings"
)

// The junk load (-junk) is the traffic a public site gets besides its readers: bots and
// scanners with made-up User-Agents, languages and cookies, asking for pages that do not
// exist, each request a visitor never seen before. It is the load that fills every
// per-visitor memory of the server, so it shows whether that memory stays bounded.

// junkPath returns path, or one time in four a product or article page whose random id
// the shop does not have (notFound).
func junkPath(rng *rand.Rand, path string) (_ string, notFound bool) {
	if rng.IntN(4) != 0 {
		return path, false
	}
	kind := "/products/"
	if rng.IntN(2) == 0 {
		kind = "/articles/"
	}
	return kind + junkText(rng, 5+rng.IntN(60)), true
}

// junkHeaders replaces the browser's headers with random ones: a User-Agent of up to
// 200 characters, an Accept-Language of random tags, and random cookies, the library's
// own name among them with a value that is not a valid session cookie.
func junkHeaders(rng *rand.Rand, h http.Header) {
	h.Set("User-Agent", "Mozilla/5.0 ("+junkText(rng, 10+rng.IntN(190))+")")
	h.Set("Accept-Language", junkText(rng, 2)+"-"+junkText(rng, 2)+","+junkText(rng, 3)+";q=0.5")
	h.Set("Cookie", junkText(rng, 6)+"="+junkText(rng, 30)+"; personyze="+junkText(rng, 80+rng.IntN(200)))
}

// junkText returns n random characters of the URL-safe base64 alphabet.
func junkText(rng *rand.Rand, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}
