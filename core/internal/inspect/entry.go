package inspect

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Entry is what the inspector shows of one request. It holds no cookie value and nothing of
// the API key: core fills it from the Visit, the response's header names and attributes.
type Entry struct {
	// Seq numbers the entries of one Recorder from 1, in the order they were recorded; the
	// server-sent events carry it as their id.
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"` // the URL path, without the query
	Status int       `json:"status,omitempty"`
	Kind   string    `json:"kind"`   // page, event or ignore
	Reason string    `json:"reason"` // Visit.Reason
	// Outcome, Error, WaitedMS and Stale say how the page's call went (Visit.Call).
	Outcome  string  `json:"outcome"`
	Error    string  `json:"error,omitempty"`
	WaitedMS float64 `json:"waited_ms"`
	Stale    bool    `json:"stale,omitempty"`
	// Breaker is the circuit breaker's state when the request ended.
	Breaker string `json:"breaker"`
	// Streamed is true when the response header went out before the page's call had its
	// answer. No Visit can do that yet (the header waits for the call), so it is false until
	// the Visit lifecycle has its streaming phase (see core/visitstate.go).
	Streamed bool `json:"streamed"`
	// Attribution is the action id of the recommendation link the visitor followed, 0 if
	// none.
	Attribution int64   `json:"attribution,omitempty"`
	Visitor     Visitor `json:"visitor"`
	// Sent is what the page's call carried; Late what was tracked after it and goes out in
	// the background; Held the page's automatic action statuses (executed, dont-show)
	// waiting for the visitor's next call.
	Sent      []Command  `json:"sent"`
	Late      []Command  `json:"late,omitempty"`
	Held      []Command  `json:"held,omitempty"`
	Actions   []Action   `json:"actions"`
	Campaigns []Campaign `json:"campaigns"`
	// Cookies are the Set-Cookie headers of the response, names and attributes only; Cache
	// the Cache-Control and Vary headers.
	Cookies []Cookie `json:"cookies"`
	Cache   Cache    `json:"cache"`
}

// Visitor is the visitor facts the call carried, and the Personyze session.
type Visitor struct {
	UserID     uint32   `json:"user_id,omitempty"`
	SessionID  string   `json:"session_id,omitempty"`
	NewVisitor bool     `json:"new_visitor,omitempty"` // no session cookie came with the request
	Languages  string   `json:"languages,omitempty"`
	DeviceType string   `json:"device_type,omitempty"`
	OS         string   `json:"os,omitempty"`
	Platform   string   `json:"platform,omitempty"`
	TimeZone   *float64 `json:"time_zone,omitempty"`
	Screen     string   `json:"screen,omitempty"`
}

// Command is one tracker command as it went on the wire.
type Command struct {
	Name     string   `json:"name"`
	Args     []string `json:"args,omitempty"`
	ActionID int64    `json:"action_id,omitempty"` // the "action_id", N attribution suffix
}

// Action is one action of the answer, named from the account's metadata when the Tracker
// had it in time.
type Action struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name,omitempty"`
	Type         string   `json:"type,omitempty"` // the content type; "" while the metadata is unknown
	Items        int      `json:"items"`          // JSON items it carries
	Placeholders []string `json:"placeholders,omitempty"`
}

// Campaign is one campaign (Personyze condition) the visitor matched.
type Campaign struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
}

// Cookie is a cookie the response set or deleted: never its value.
type Cookie struct {
	Name     string `json:"name"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	MaxAge   int    `json:"max_age,omitempty"` // seconds; -1 for Max-Age=0 (deleted)
	Expires  string `json:"expires,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	HTTPOnly bool   `json:"http_only,omitempty"`
	SameSite string `json:"same_site,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// Cache is the response's cache headers.
type Cache struct {
	CacheControl string `json:"cache_control,omitempty"`
	Vary         string `json:"vary,omitempty"`
}

// profileCommand is the command whose second argument is the visitor's own data (an e-mail,
// a name): the log line shows only its field.
const profileCommand = "User Profile"

// navigatePrefix precedes the URL-encoded document name of a Navigate.
const navigatePrefix = "urn:personyze:doc:"

// LogCommands writes commands for a log line: `Product Viewed(p1, action_id=5), Navigate(/)`;
// an empty argument is written "".
// A Navigate shows its document name decoded, and a User Profile its field but not the
// value, which is the visitor's own data and has no place in a server log.
func LogCommands(cmds []Command) string {
	var b strings.Builder
	for i, c := range cmds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name)
		b.WriteByte('(')
		for j, a := range c.Args {
			if j > 0 {
				b.WriteString(", ")
			}
			switch {
			case c.Name == profileCommand && j > 0:
				a = "…"
			case a == "":
				a = `""`
			case strings.HasPrefix(a, navigatePrefix):
				if doc, err := url.QueryUnescape(a[len(navigatePrefix):]); err == nil {
					a = doc
				}
			}
			b.WriteString(a)
		}
		if c.ActionID > 0 {
			if len(c.Args) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("action_id=")
			b.WriteString(strconv.FormatInt(c.ActionID, 10))
		}
		b.WriteByte(')')
	}
	return b.String()
}
