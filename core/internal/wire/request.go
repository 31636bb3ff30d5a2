package wire

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Request is the body of one tracker-v1 call: the visitor's facts plus the commands.
type Request struct {
	UserID       uint32   // constant per visitor
	SessionID    string   // last session_id Personyze returned; "" is sent as JSON null
	NewSession   bool     // ask Personyze to start a new session
	PastSessions string   // comma-separated Unix start times, e.g. "1700000000,1700005400"
	Platform     string   // e.g. "Windows", "iPhone"
	TimeZone     *float64 // hours from GMT; nil (unknown) omits the field
	Languages    string   // e.g. "en, es"
	Screen       string   // e.g. "1920x1080"; "" (unknown) omits the field
	OS           string   // e.g. "Windows/11"
	DeviceType   string   // "regular", "tablet" or "phone"
	Commands     []Command
}

// AppendJSON appends the JSON body to dst and returns the extended slice. Fields come in the
// order Personyze's Android SDK writes them (see the package documentation); there is no noti_enabled. Any
// string is encoded to valid JSON (invalid UTF-8 becomes U+FFFD). Commands are encoded as they
// are; they were validated when they were built. This hand-written encoder runs on every
// tracked page, so it avoids reflection and allocations beyond growing dst.
func (r *Request) AppendJSON(dst []byte) []byte {
	dst = r.appendHead(dst)
	for i, c := range r.Commands {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = c.AppendJSON(dst)
	}
	return append(dst, "]}"...)
}

// appendHead appends everything up to and including `"commands":[`; the splitter measures it.
func (r *Request) appendHead(dst []byte) []byte {
	dst = append(dst, `{"user_id":`...)
	dst = strconv.AppendUint(dst, uint64(r.UserID), 10)
	dst = append(dst, `,"session_id":`...)
	if r.SessionID == "" {
		dst = append(dst, "null"...)
	} else {
		dst = AppendString(dst, r.SessionID)
	}
	dst = append(dst, `,"new_session":`...)
	dst = strconv.AppendBool(dst, r.NewSession)
	dst = append(dst, `,"past_sessions":`...)
	dst = AppendString(dst, r.PastSessions)
	dst = append(dst, `,"platform":`...)
	dst = AppendString(dst, r.Platform)
	if tz := r.TimeZone; tz != nil && !math.IsNaN(*tz) && !math.IsInf(*tz, 0) {
		// NaN and ±Inf have no JSON form; an unknowable zone is the same as an unknown one.
		dst = append(dst, `,"time_zone":`...)
		dst = strconv.AppendFloat(dst, *tz, 'f', -1, 64)
	}
	dst = append(dst, `,"languages":`...)
	dst = AppendString(dst, r.Languages)
	if r.Screen != "" {
		dst = append(dst, `,"screen":`...)
		dst = AppendString(dst, r.Screen)
	}
	dst = append(dst, `,"os":`...)
	dst = AppendString(dst, r.OS)
	dst = append(dst, `,"device_type":`...)
	dst = AppendString(dst, r.DeviceType)
	return append(dst, `,"commands":[`...)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. It escapes what JSON requires (quote, backslash,
// control characters), U+2028/U+2029 (so the text is also safe inside JavaScript), and replaces
// each invalid UTF-8 byte with U+FFFD like encoding/json does.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Command is one tracker command as it goes on the wire: ["Name", "arg", ..., "action_id", N].
type Command struct {
	Name     string
	Args     []string // string arguments after the name
	ActionID int64    // > 0: the "action_id", N attribution suffix
	Navigate bool     // a page view: the splitter sends it in the last call
}

// AppendJSON appends the command's JSON array to dst.
func (c Command) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = AppendString(dst, c.Name)
	for _, a := range c.Args {
		dst = append(dst, ',')
		dst = AppendString(dst, a)
	}
	if c.ActionID > 0 {
		dst = append(dst, `,"action_id",`...)
		dst = strconv.AppendInt(dst, c.ActionID, 10)
	}
	return append(dst, ']')
}
