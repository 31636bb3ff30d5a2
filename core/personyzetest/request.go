package personyzetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// NavigatePrefix starts the single argument of every Navigate command.
const NavigatePrefix = "urn:personyze:doc:"

// Request is one tracker-v1 call as the simulator received and decoded it. Fields the
// body lacked keep their zero value; when the body could not be decoded, only Header,
// RawBody, Time, Status and Error are meaningful.
type Request struct {
	// UserID is the visitor's user_id; negative 32-bit values are stored as their
	// two's-complement uint32.
	UserID uint32
	// SessionID is the session_id sent, nil when it was null or absent.
	SessionID *string
	// NewSession is new_session: the client asked for a new session.
	NewSession bool
	// PastSessions is past_sessions, comma-separated session start times.
	PastSessions string
	// Platform is platform, e.g. "Linux x86_64".
	Platform string
	// TimeZone is time_zone in hours, nil when absent.
	TimeZone *float64
	// Languages is languages, e.g. "en, es".
	Languages string
	// Screen is screen, e.g. "1920x1080", "" when absent.
	Screen string
	// OS is os, e.g. "Windows/11".
	OS string
	// DeviceType is device_type: "regular", "tablet" or "phone".
	DeviceType string
	// Commands are the decoded commands, in order.
	Commands []Command

	// Header is a copy of the request headers.
	Header http.Header
	// RawBody is the request body after gzip decoding, cut after MaxRequestBytes+1 bytes.
	RawBody []byte
	// Time is when the request arrived, by Options.Clock.
	Time time.Time
	// Status is the HTTP status the simulator answered with (200 for faults that answer
	// 200, 0 for FaultReset and FaultHang which never send a status).
	Status int
	// Error is the message sent with a 401 or 500, "" otherwise.
	Error string
	// Fault is the fault that shaped the answer, FaultNone normally.
	Fault FaultKind
	// Decoded reports that the body was a valid tracker-v1 request, so the fields above
	// the Header are filled in (401s and faults can still have valid bodies).
	Decoded bool
	// ResponseSessionID is the session_id the simulator returned; it is set exactly when
	// the simulator processed the request (its events changed visitor state).
	ResponseSessionID string
}

// Command is one decoded command: its name as sent and its other elements. Strings stay
// strings, numbers are json.Number.
type Command struct {
	// Name is the command name exactly as sent, e.g. "Product Viewed".
	Name string
	// Args are the elements after the name.
	Args []any
}

// ItemID returns the item id of a product or article event, "" for other commands.
func (c Command) ItemID() string {
	spec, ok := lookupCommand(c.Name)
	if !ok || (spec.kind != kindProduct && spec.kind != kindArticle) || len(c.Args) == 0 {
		return ""
	}
	s, _ := c.Args[0].(string)
	return s
}

// ActionID returns N of an `"action_id", N` suffix, 0 when the command has none. Item
// events carry it after the id (["Product Viewed", "p1", "action_id", 10]) and bulk
// events right after the name (["Products Purchased", "action_id", 10]).
func (c Command) ActionID() int64 {
	spec, ok := lookupCommand(c.Name)
	if !ok {
		return 0
	}
	var suffix []any
	switch {
	case (spec.kind == kindProduct || spec.kind == kindArticle) && len(c.Args) == 3:
		suffix = c.Args[1:]
	case spec.kind == kindBulk && len(c.Args) == 2:
		suffix = c.Args
	default:
		return 0
	}
	if suffix[0] != "action_id" {
		return 0
	}
	if n, ok := suffix[1].(json.Number); ok {
		v, _ := n.Int64()
		return v
	}
	return 0
}

// Document returns the document name of a Navigate command, "" for other commands. The
// name is URL-decoded when it is valid URL-encoded text and returned as sent otherwise:
// the seed encodes it, Personyze's SDKs do not, so a raw "%" is legitimate.
func (c Command) Document() string {
	spec, ok := lookupCommand(c.Name)
	if !ok || spec.kind != kindNavigate || len(c.Args) != 1 {
		return ""
	}
	s, _ := c.Args[0].(string)
	raw := strings.TrimPrefix(s, NavigatePrefix)
	name, err := url.PathUnescape(raw)
	if err != nil {
		return raw
	}
	return name
}

// commandKind groups commands by the arguments they take.
type commandKind uint8

const (
	kindProduct      commandKind = iota // one product id, optional action_id suffix
	kindArticle                         // one article id, optional action_id suffix
	kindBulk                            // no arguments, optional action_id suffix
	kindNavigate                        // one "urn:personyze:doc:..." argument
	kindProfile                         // field, value pairs
	kindActionStatus                    // action id, status[, arg]
)

type commandSpec struct {
	canonical string
	kind      commandKind
}

// commandTable lists every command the simulator knows, keyed by lower-case name because
// the protocol notes infer that the service matches names case-insensitively (the seed
// itself writes both "Product viewed" and "Product Viewed").
var commandTable = func() map[string]commandSpec {
	specs := []commandSpec{
		{"Product Viewed", kindProduct},
		{"Product Added to cart", kindProduct},
		{"Product Liked", kindProduct},
		{"Product Purchased", kindProduct},
		{"Product Unliked", kindProduct},
		{"Product Removed from cart", kindProduct},
		{"Products Purchased", kindBulk},
		{"Products Unliked", kindBulk},
		{"Products Removed from cart", kindBulk},
		{"Article Viewed", kindArticle},
		{"Article Liked", kindArticle},
		{"Article Commented", kindArticle},
		{"Article Unliked", kindArticle},
		{"Article Goal", kindArticle},
		{"Articles Unliked", kindBulk},
		{"Navigate", kindNavigate},
		{"User Profile", kindProfile},
		{"Action Status", kindActionStatus},
	}
	m := make(map[string]commandSpec, len(specs))
	for _, s := range specs {
		m[strings.ToLower(s.canonical)] = s
	}
	return m
}()

func lookupCommand(name string) (commandSpec, bool) {
	s, ok := commandTable[strings.ToLower(name)]
	return s, ok
}

// actionStatuses are the statuses "Action Status" may carry.
var actionStatuses = map[string]bool{
	StatusExecuted: true, StatusTarget: true, StatusClose: true, StatusProduct: true,
	StatusArticle: true, StatusError: true, StatusDontShow: true,
}

// wireRequest mirrors the request body; user_id and commands stay raw so that their
// problems can be reported precisely.
type wireRequest struct {
	UserID       json.RawMessage `json:"user_id"`
	SessionID    *string         `json:"session_id"`
	NewSession   bool            `json:"new_session"`
	PastSessions string          `json:"past_sessions"`
	Platform     string          `json:"platform"`
	TimeZone     *float64        `json:"time_zone"`
	Languages    string          `json:"languages"`
	Screen       string          `json:"screen"`
	OS           string          `json:"os"`
	DeviceType   string          `json:"device_type"`
	Commands     json.RawMessage `json:"commands"`
}

// decodeRequest parses and validates a tracker-v1 body. Its error message is what the
// simulator sends back with the 500, so it names the offending field or command.
func decodeRequest(body []byte, rec *Request) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("empty request body")
	}
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("invalid request: field %s must be a JSON %s", te.Field, expectedType(te.Field))
		}
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if len(w.UserID) == 0 || string(w.UserID) == "null" {
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return errors.New("invalid request: user_id is missing")
		}
		return errors.New("invalid request: the body must be a JSON object")
	}
	uid, err := parseUserID(w.UserID)
	if err != nil {
		return err
	}
	if w.TimeZone != nil && (math.IsNaN(*w.TimeZone) || math.Abs(*w.TimeZone) > 24) {
		return errors.New("invalid request: time_zone must be an offset in hours between -24 and 24")
	}
	cmds, err := parseCommands(w.Commands)
	if err != nil {
		return err
	}
	rec.UserID = uid
	rec.SessionID = w.SessionID
	rec.NewSession = w.NewSession
	rec.PastSessions = w.PastSessions
	rec.Platform = w.Platform
	rec.TimeZone = w.TimeZone
	rec.Languages = w.Languages
	rec.Screen = w.Screen
	rec.OS = w.OS
	rec.DeviceType = w.DeviceType
	rec.Commands = cmds
	rec.Decoded = true
	return nil
}

func expectedType(field string) string {
	switch field {
	case "new_session":
		return "boolean"
	case "time_zone":
		return "number"
	case "session_id":
		return "string or null"
	default:
		return "string"
	}
}

// parseUserID accepts any signed or unsigned 32-bit JSON integer, as the seed allows.
func parseUserID(raw json.RawMessage) (uint32, error) {
	bad := errors.New("invalid request: user_id must be a 32-bit integer")
	s := string(bytes.TrimSpace(raw))
	if s == "" || s[0] == '"' || strings.ContainsAny(s, ".eE") {
		return 0, bad
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < math.MinInt32 || n > math.MaxUint32 {
		return 0, bad
	}
	if n < 0 {
		return uint32(int32(n)), nil
	}
	return uint32(n), nil
}

func parseCommands(raw json.RawMessage) ([]Command, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("invalid request: commands must be an array of arrays")
	}
	cmds := make([]Command, 0, len(list))
	for i, one := range list {
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.UseNumber()
		var elems []any
		if err := dec.Decode(&elems); err != nil || elems == nil {
			return nil, fmt.Errorf("invalid request: command %d must be an array", i+1)
		}
		if len(elems) == 0 {
			return nil, fmt.Errorf("invalid request: command %d is empty", i+1)
		}
		name, ok := elems[0].(string)
		if !ok {
			return nil, fmt.Errorf("invalid request: command %d must start with the command name as a string", i+1)
		}
		c := Command{Name: name, Args: elems[1:]}
		if err := validateCommand(c); err != nil {
			return nil, fmt.Errorf("invalid request: command %d (%q): %v", i+1, name, err)
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

func validateCommand(c Command) error {
	spec, ok := lookupCommand(c.Name)
	if !ok {
		return errors.New("unknown command")
	}
	a := c.Args
	switch spec.kind {
	case kindProduct, kindArticle:
		what := "product"
		if spec.kind == kindArticle {
			what = "article"
		}
		if len(a) == 0 {
			return fmt.Errorf("needs a %s id", what)
		}
		if id, ok := a[0].(string); !ok || id == "" {
			return fmt.Errorf("the %s id must be a non-empty string", what)
		}
		switch len(a) {
		case 1:
			return nil
		case 3:
			return checkActionIDSuffix(a[1:])
		default:
			return fmt.Errorf(`takes a %s id and optionally "action_id", N; got %d arguments`, what, len(a))
		}
	case kindBulk:
		switch len(a) {
		case 0:
			return nil
		case 2:
			return checkActionIDSuffix(a)
		default:
			return fmt.Errorf(`takes no arguments but an optional "action_id", N; got %d`, len(a))
		}
	case kindNavigate:
		if len(a) != 1 {
			return fmt.Errorf("takes exactly one document argument; got %d", len(a))
		}
		doc, ok := a[0].(string)
		if !ok || !strings.HasPrefix(doc, NavigatePrefix) {
			return fmt.Errorf("the document must be a string starting with %q", NavigatePrefix)
		}
		if doc == NavigatePrefix {
			return errors.New("the document name is empty")
		}
	case kindProfile:
		if len(a) == 0 || len(a)%2 != 0 {
			return fmt.Errorf("takes field, value pairs; got %d arguments", len(a))
		}
		for i := 0; i < len(a); i += 2 {
			if f, ok := a[i].(string); !ok || f == "" {
				return fmt.Errorf("field %d must be a non-empty string", i/2+1)
			}
			switch a[i+1].(type) {
			case string, json.Number, bool, nil: // null clears the field
			default:
				return fmt.Errorf("the value of field %d must be a string, number, boolean or null", i/2+1)
			}
		}
	case kindActionStatus:
		if len(a) < 2 || len(a) > 3 {
			return fmt.Errorf("takes an action id, a status and an argument; got %d arguments", len(a))
		}
		if _, err := actionIDArg(a[0]); err != nil {
			return err
		}
		status, ok := a[1].(string)
		if !ok || !actionStatuses[status] {
			return errors.New("unknown action status")
		}
		if (status == StatusDontShow) != (len(a) == 2) {
			return errors.New(`"dont-show" takes no argument and every other status takes one`)
		}
		if len(a) == 3 {
			return checkStatusArg(status, a[2])
		}
	}
	return nil
}

// checkActionIDSuffix checks an `"action_id", N` pair.
func checkActionIDSuffix(a []any) error {
	if a[0] != "action_id" {
		return errors.New(`only "action_id", N is allowed after the id`)
	}
	n, ok := a[1].(json.Number)
	if !ok {
		return errors.New("action_id must be an integer")
	}
	if v, err := n.Int64(); err != nil || v <= 0 {
		return errors.New("action_id must be a positive integer")
	}
	return nil
}

// checkStatusArg checks the argument of a 4-element "Action Status". The SDKs send
// strings; a JSON integer is accepted where the argument is a number (close).
func checkStatusArg(status string, arg any) error {
	switch status {
	case StatusClose:
		var text string
		switch t := arg.(type) {
		case string:
			text = t
		case json.Number:
			text = t.String()
		}
		if n, err := strconv.ParseInt(text, 10, 64); err != nil || n < 0 {
			return errors.New(`the argument of "close" must be a session count (a non-negative integer)`)
		}
	case StatusProduct, StatusArticle:
		if id, ok := arg.(string); !ok || id == "" {
			return fmt.Errorf("the argument of %q must be the item's non-empty id", status)
		}
	default:
		if _, ok := arg.(string); !ok {
			return errors.New("the status argument must be a string")
		}
	}
	return nil
}

// actionIDArg accepts the SDKs' decimal string and a plain JSON integer.
func actionIDArg(v any) (int64, error) {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("the action id must be a positive integer")
	}
	return n, nil
}
