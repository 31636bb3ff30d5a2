package wire

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads the JSON of a tracker answer in one pass, without reflection. It accepts
// exactly what encoding/json accepts for the shapes it knows and gives up (ok false) on
// anything else, so that its callers can fall back to the tolerant decoding, which stays
// the reference for every unusual answer. Strings without escapes are substrings of the
// input: one copy of the body backs all of them.
type scanner struct {
	s string
	i int
}

// maxScanDepth bounds the nesting skipValue follows; deeper input goes to the fallback.
const maxScanDepth = 512

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (sc *scanner) peek() byte {
	sc.ws()
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

// eat consumes c after white space.
func (sc *scanner) eat(c byte) bool {
	if sc.peek() == c {
		sc.i++
		return true
	}
	return false
}

// literal consumes true, false or null and returns its text.
func (sc *scanner) literal() (string, bool) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(sc.s[sc.i:], lit) {
			sc.i += len(lit)
			return lit, true
		}
	}
	return "", false
}

// str reads a string at the current position (after white space).
func (sc *scanner) str() (string, bool) {
	if sc.peek() != '"' {
		return "", false
	}
	start := sc.i + 1
	for i := start; i < len(sc.s); {
		c := sc.s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			return sc.s[start:i], true
		case c == '\\':
			return sc.unescape(start, i)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(sc.s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false // encoding/json would replace it: the fallback decides
			}
			i += size
		}
	}
	return "", false
}

// unescape finishes a string that has an escape at esc. Its text is at most as long as
// its escaped form, which ends at the first quote that no backslash escapes: one buffer
// of that size, and no copy to turn it into a string.
func (sc *scanner) unescape(start, esc int) (string, bool) {
	end := esc
	for end < len(sc.s) && sc.s[end] != '"' {
		if sc.s[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(sc.s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(end - start)
	b.WriteString(sc.s[start:esc])
	for i := esc; i < len(sc.s); {
		c := sc.s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			return b.String(), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if i+1 >= len(sc.s) {
				return "", false
			}
			switch e := sc.s[i+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := hex4(sc.s, i+2)
				if !ok || utf16.IsSurrogate(r) {
					return "", false // surrogate pairs are left to the fallback
				}
				b.WriteRune(r)
				i += 4
			default:
				return "", false
			}
			i += 2
		case c < utf8.RuneSelf:
			// Copy the run of plain ASCII up to the next byte that needs a look.
			j := i + 1
			for j < len(sc.s) && sc.s[j] >= 0x20 && sc.s[j] < utf8.RuneSelf && sc.s[j] != '"' && sc.s[j] != '\\' {
				j++
			}
			b.WriteString(sc.s[i:j])
			i = j
		default:
			r, size := utf8.DecodeRuneInString(sc.s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			b.WriteString(sc.s[i : i+size])
			i += size
		}
	}
	return "", false
}

func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s[at:at+4], 16, 16)
	return rune(n), err == nil
}

// number reads a JSON number and returns its text.
func (sc *scanner) number() (string, bool) {
	sc.ws()
	s, start, i := sc.s, sc.i, sc.i
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	sc.i = i
	return s[start:i], true
}

// int reads a JSON integer that fits int64.
func (sc *scanner) int() (int64, bool) {
	text, ok := sc.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}

// scalar reads a string, number, true or false as item text; null gives ok with null set.
// Objects and arrays are not scalars (ok false).
func (sc *scanner) scalar() (text string, null, ok bool) {
	switch c := sc.peek(); {
	case c == '"':
		text, ok = sc.str()
		return text, false, ok
	case c == '-' || (c >= '0' && c <= '9'):
		text, ok = sc.number()
		return text, false, ok
	case c == 't' || c == 'f' || c == 'n':
		text, ok = sc.literal()
		if text == "null" {
			return "", true, ok
		}
		return text, false, ok
	}
	return "", false, false
}

// skip consumes any JSON value, checking it as encoding/json would.
func (sc *scanner) skip(depth int) bool {
	if depth > maxScanDepth {
		return false
	}
	switch sc.peek() {
	case '{':
		sc.i++
		if sc.eat('}') {
			return true
		}
		for {
			if _, ok := sc.str(); !ok || !sc.eat(':') || !sc.skip(depth+1) {
				return false
			}
			if sc.eat('}') {
				return true
			}
			if !sc.eat(',') {
				return false
			}
		}
	case '[':
		sc.i++
		if sc.eat(']') {
			return true
		}
		for {
			if !sc.skip(depth + 1) {
				return false
			}
			if sc.eat(']') {
				return true
			}
			if !sc.eat(',') {
				return false
			}
		}
	}
	_, _, ok := sc.scalar()
	return ok
}

// object calls field for each member of an object at the current position; field reads
// the value. A null instead of the object is reported as null.
func (sc *scanner) object(field func(key string) bool) (null, ok bool) {
	if sc.peek() == 'n' {
		lit, ok := sc.literal()
		return true, ok && lit == "null"
	}
	if !sc.eat('{') {
		return false, false
	}
	if sc.eat('}') {
		return false, true
	}
	for {
		key, ok := sc.str()
		if !ok || !sc.eat(':') || !field(key) {
			return false, false
		}
		if sc.eat('}') {
			return false, true
		}
		if !sc.eat(',') {
			return false, false
		}
	}
}

// array calls elem for each element of an array at the current position; a null instead
// of the array is reported as null.
func (sc *scanner) array(elem func() bool) (null, ok bool) {
	if sc.peek() == 'n' {
		lit, ok := sc.literal()
		return true, ok && lit == "null"
	}
	if !sc.eat('[') {
		return false, false
	}
	if sc.eat(']') {
		return false, true
	}
	for {
		if !elem() {
			return false, false
		}
		if sc.eat(']') {
			return false, true
		}
		if !sc.eat(',') {
			return false, false
		}
	}
}

// end reports whether only white space is left.
func (sc *scanner) end() bool {
	sc.ws()
	return sc.i == len(sc.s)
}
