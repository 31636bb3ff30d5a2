package core

import (
	"strings"

	"golang.org/x/text/language"
)

// langMaxHeader bounds the part of an Accept-Language header that is
// parsed. Browsers send well under 200 bytes; anything much longer is
// abuse, and we refuse to spend more than a few microseconds on it.
const langMaxHeader = 4 << 10

// langMaxEntry bounds one comma-separated entry. The longest tags browsers
// send ("de-DE-u-co-phonebk;q=0.9") are well under it, and x/text's
// handling of long variant lists is superlinear, so a longer entry makes
// the header malformed rather than slow.
const langMaxEntry = 64

// langMaxCodes is how many codes Personyze respects ("only the first 3
// count; the first is the main language").
const langMaxCodes = 3

// ParseLanguages turns an Accept-Language header into the "languages" fact
// Personyze expects: 2-letter ISO 639-1 primary codes ordered by q weight
// (stable for equal weights), deduplicated, at most three, joined by ", ".
//
// Region and script subtags are dropped ("en-US" → "en"), deprecated codes
// are canonicalized ("iw" → "he", "deu" → "de"), and entries with no
// 2-letter form ("*", "fil", "gsw") or with q=0 are skipped.
//
// A malformed header (bad syntax, bad weight, or a well-formed but unknown
// language, as decided by golang.org/x/text/language.ParseAcceptLanguage)
// gives "", and so does an entry longer than 64 bytes. Only the first
// 4 KiB of the header are considered, cut back to the last complete entry,
// so huge headers cost a bounded amount of work.
func ParseLanguages(acceptLanguage string) string {
	s := acceptLanguage
	if len(s) > langMaxHeader {
		s = s[:langMaxHeader]
		i := strings.LastIndexByte(s, ',')
		if i < 0 {
			return ""
		}
		s = s[:i]
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	for rest := s; rest != ""; {
		entry, tail, _ := strings.Cut(rest, ",")
		if len(entry) > langMaxEntry && len(strings.TrimSpace(entry)) > langMaxEntry {
			return ""
		}
		rest = tail
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil {
		return ""
	}
	var codes [langMaxCodes]string
	n := 0
	for _, t := range tags {
		b, conf := t.Base()
		// Exact only: "und-US" would otherwise be guessed as "en",
		// which the visitor never asked for.
		if conf != language.Exact {
			continue
		}
		code := b.String()
		if len(code) != 2 {
			continue
		}
		dup := false
		for _, c := range codes[:n] {
			if c == code {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		codes[n] = code
		n++
		if n == langMaxCodes {
			break
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return codes[0]
	}
	return strings.Join(codes[:n], ", ")
}
