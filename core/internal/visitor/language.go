package visitor

import (
	"strings"

	"golang.org/x/text/language"
)

// maxLangHeader bounds the part of an Accept-Language header that is
// parsed. Browsers send well under 200 bytes; anything much longer is
// abuse, and we refuse to spend more than a few microseconds on it.
const maxLangHeader = 4 << 10

// maxLangEntry bounds one comma-separated entry. The longest tags browsers
// send ("de-DE-u-co-phonebk;q=0.9") are well under it, and x/text's
// handling of long variant lists is superlinear, so a longer entry makes
// the header malformed rather than slow.
const maxLangEntry = 64

// maxLangCodes is how many codes Personyze respects ("only the first 3
// count; the first is the main language").
const maxLangCodes = 3

// Languages turns an Accept-Language header into the "languages" fact
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
func Languages(acceptLanguage string) string {
	s := acceptLanguage
	if len(s) > maxLangHeader {
		s = s[:maxLangHeader]
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
		if len(entry) > maxLangEntry && len(strings.TrimSpace(entry)) > maxLangEntry {
			return ""
		}
		rest = tail
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil {
		return ""
	}
	var codes [maxLangCodes]string
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
		if n == maxLangCodes {
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
