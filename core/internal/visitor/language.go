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

// qvalue returns the value of an Accept-Language weight, w being what follows an entry's
// ";": "q=" and a qvalue of RFC 9110 (section 12.4.2), a number from 0 to 1 with at most
// three decimals. ok is false for anything else ("q=NaN", "q=Inf", "q=2", "q=0.1234",
// "q=.5", other parameters): strconv.ParseFloat, which x/text uses, would take most of
// them and order the entry by a weight the client never had a right to give.
func qvalue(w string) (q string, ok bool) {
	w = strings.Trim(w, " \t")
	if len(w) < 3 || (w[0] != 'q' && w[0] != 'Q') || w[1] != '=' {
		return "", false
	}
	q = w[2:]
	if q[0] != '0' && q[0] != '1' {
		return "", false
	}
	if len(q) == 1 {
		return q, true
	}
	if q[1] != '.' || len(q) > 5 {
		return "", false
	}
	for i := 2; i < len(q); i++ {
		if q[i] < '0' || q[i] > '9' || q[0] == '1' && q[i] != '0' {
			return "", false
		}
	}
	return q, true
}

// validWeights returns the entries of an Accept-Language header whose weight, if any, is
// valid (see qvalue), with the weight spelled "q=<value>" as x/text reads it: an invalid
// entry is ignored, not a reason to drop the whole header.
func validWeights(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for rest := s; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		tag, w, weighted := strings.Cut(entry, ";")
		if tag = strings.TrimSpace(tag); tag == "" {
			continue
		}
		q := ""
		if weighted {
			var ok bool
			if q, ok = qvalue(w); !ok {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tag)
		if weighted {
			b.WriteString(";q=")
			b.WriteString(q)
		}
	}
	return b.String()
}

// Languages turns an Accept-Language header into the "languages" fact
// Personyze expects: 2-letter ISO 639-1 primary codes ordered by q weight
// (stable for equal weights), deduplicated, at most three, joined by ", ".
//
// Region and script subtags are dropped ("en-US" → "en"), deprecated codes
// are canonicalized ("iw" → "he", "deu" → "de"), and entries with no
// 2-letter form ("*", "fil", "gsw") or with q=0 are skipped.
//
// An entry whose weight is not an RFC 9110 qvalue (0 to 1, at most three
// decimals: "q=NaN", "q=2", "q=0.1234") is ignored. A malformed header (bad
// syntax or a well-formed but unknown language, as decided by
// golang.org/x/text/language.ParseAcceptLanguage) gives "", and so does an
// entry longer than 64 bytes. Only the first
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
	plain := true // every weight valid, and spelled as x/text reads it
	for rest := s; rest != ""; {
		entry, tail, _ := strings.Cut(rest, ",")
		if len(entry) > maxLangEntry && len(strings.TrimSpace(entry)) > maxLangEntry {
			return ""
		}
		if _, w, ok := strings.Cut(entry, ";"); ok {
			_, valid := qvalue(w)
			plain = plain && valid && strings.IndexByte(w, 'Q') < 0
		}
		rest = tail
	}
	if !plain {
		s = validWeights(s)
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
