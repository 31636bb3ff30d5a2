package core

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
)

// Visit is one request's conversation with Personyze. The middleware creates it, handlers
// add events with Track, and templates read recommendations from it. All its methods are
// safe on an inactive Visit (a bot, a static asset, no consent, no middleware): they do
// nothing and return empty results.
//
// The one tracker call of a request is made at the first of: reading recommendations, the
// response header about to be written, the handler returning. Reading twice never calls
// twice.
type Visit struct {
	t      *Tracker // nil for an inactive Visit
	r      *http.Request
	w      http.ResponseWriter
	kind   RequestKind
	reason string

	sess       *sessions.Session
	state      sessionState
	facts      Facts
	actionID   int64 // attribution carried by the request's link, 0 if none
	flushOnce  sync.Once
	headerSent atomic.Bool

	mu         sync.Mutex
	flushed    bool      // the page call has been taken: later Track goes to late
	queued     []Command // commands for the page call
	late       []Command // commands tracked after the page call, sent after the handler
	dirty      bool      // session state changed since it was loaded
	cookieDone bool      // the header has gone out: session changes can no longer be saved
	ended      bool
	outcome    Outcome
	err        error
	stale      bool
	actions    []*Action
	call       Call
	itemsAll   []Item
}

// Call describes the tracker call of a Visit, for debug panels and tests.
type Call struct {
	// Request is what was sent (nil when no call was made).
	Request *Request
	// Response is what Personyze answered (nil on failure).
	Response *Response
	// Outcome and Err say how it went.
	Outcome Outcome
	Err     error
	// Duration is how long the page waited.
	Duration time.Duration
}

// Begin starts the Visit of one request. Adapters call it first, pass the returned request
// (which carries the Visit in its context) to the handler, call BeforeHeader right before
// the response header is written and End after the handler returns.
func (t *Tracker) Begin(w http.ResponseWriter, r *http.Request) (*Visit, *http.Request) {
	v := &Visit{t: t, r: r, w: w}
	dev := t.detector.Detect(r.Header)
	v.kind, v.reason = t.cfg.Classify(r, dev)
	switch {
	case v.kind == KindIgnore:
	case t.cfg.Consent != nil && !t.cfg.Consent(r):
		v.kind, v.reason = KindIgnore, "no consent"
	case t.cfg.HonorGPC && r.Header.Get("Sec-GPC") == "1":
		v.kind, v.reason = KindIgnore, "global privacy control"
	}
	if v.kind == KindIgnore {
		v.t = nil // every method becomes a no-op
		v.outcome = OutcomeSkipped
		t.counters.outcomes[OutcomeSkipped].Add(1)
		return v, r.WithContext(NewContext(r.Context(), v))
	}
	v.loadSession()
	v.facts = t.deriveFacts(r, dev, v.state.VisitorKey)
	v.actionID = attributionOf(r.URL.RawQuery, t.cfg.AttributionParam)
	return v, r.WithContext(NewContext(r.Context(), v))
}

// loadSession reads the visitor's cookie session. A tampered, expired or undecodable cookie
// means a fresh visitor: logged (rate-limited), never an error page.
func (v *Visit) loadSession() {
	t := v.t
	s, err := t.store.New(v.r, t.cfg.SessionName)
	if s == nil { // a custom store may return nil with its error
		s = sessions.NewSession(t.store, t.cfg.SessionName)
	}
	if err != nil {
		t.logs.log(t.log, slog.LevelInfo, "cookie", "personyze: unreadable session cookie, starting a fresh visitor",
			slog.String("error", err.Error()))
		s.Values = map[any]any{}
		s.IsNew = true
	}
	v.sess = s
	v.state = loadState(s)
	if v.state.VisitorKey == "" {
		v.state = sessionState{VisitorKey: newVisitorKey()}
		v.dirty = true
	}
}

// Active reports whether this Visit talks to Personyze (false for bots, static assets,
// requests without consent and requests outside the middleware).
func (v *Visit) Active() bool { return v.t != nil }

// Kind returns how the request was classified; Reason says why.
func (v *Visit) Kind() RequestKind { return v.kind }

// Reason returns the classifier's reason for the request's kind, e.g. "page view",
// "method POST", "bot: curl".
func (v *Visit) Reason() string { return v.reason }

// Facts returns the visitor facts sent to Personyze.
func (v *Visit) Facts() Facts { return v.facts }

// Track queues commands for Personyze. Before the page's call they travel in it; after it
// they are sent in the background once the handler returns. A product or article view on a
// page reached through a recommendation link gets that action's id attached. A command
// built from bad input (an empty id) is refused with its error and nothing is queued.
func (v *Visit) Track(cmds ...Command) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	if v.t == nil {
		return nil
	}
	v.mu.Lock()
	var afterEnd *Request
	defer func() {
		v.mu.Unlock()
		if afterEnd != nil {
			v.t.delivery.enqueue(afterEnd)
		}
	}()
	for _, c := range cmds {
		if err := v.fits(c); err != nil {
			// Refused here, alone: queued, it would make Send refuse the whole call and
			// take the page's Navigate and every other event down with it.
			v.t.counters.drop(DropTooBig, 1)
			v.t.logs.log(v.t.log, slog.LevelWarn, "drop:"+DropTooBig, "personyze: commands dropped",
				slog.String("reason", DropTooBig), slog.Int("commands", 1), slog.String("error", err.Error()))
			return err
		}
	}
	for _, c := range cmds {
		if v.actionID > 0 && c.Attributable() && strings.HasSuffix(c.Name(), " Viewed") && !hasAction(c) {
			c = c.WithAction(v.actionID)
		}
		if v.flushed {
			v.late = append(v.late, c)
		} else {
			v.queued = append(v.queued, c)
		}
	}
	if v.ended && len(v.late) > 0 {
		// Tracked after End (e.g. in a framework's error handler): nothing else will send
		// it, so it goes to background delivery right away.
		afterEnd = v.request(v.late, false)
		v.late = nil
	}
	return nil
}

// fits returns ErrRequestTooBig for a command that cannot travel in any call, however the
// request is split (the bound of Client.Send's planParts). Callers hold v.mu. Common small
// commands are let through without encoding them: an argument byte encodes to at most 6.
func (v *Visit) fits(c Command) error {
	raw := len(c.name)
	for _, a := range c.args {
		raw += len(a)
	}
	const room = MaxRequestBytes - sessionSlack
	if 6*raw+64+2*1024 < room { // 2 KiB: far above any visitor-fields head
		return nil
	}
	head := len(v.request(nil, false).appendHead(nil)) + len("]}")
	if n := head + len(c.appendJSON(nil)); n > room {
		return fmt.Errorf("%w: command %q alone encodes to %d bytes, over the %d-byte limit",
			ErrRequestTooBig, c.Name(), n, MaxRequestBytes)
	}
	return nil
}

// hasAction reports whether c already carries an action_id suffix.
func hasAction(c Command) bool {
	for _, a := range c.Args() {
		if a == "action_id" {
			return true
		}
	}
	return false
}

// Actions returns the actions Personyze returned for this page (or, when it failed, the
// visitor's last good ones; see Stale). The first call makes the page's tracker call.
func (v *Visit) Actions() []*Action {
	v.flush()
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.actions
}

// Items returns the items of every JSON recommendation action of this page, in order.
func (v *Visit) Items() []Item {
	v.flush()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.itemsAll == nil {
		for _, a := range v.actions {
			v.itemsAll = append(v.itemsAll, a.Items()...)
		}
		if v.itemsAll == nil {
			v.itemsAll = []Item{}
		}
	}
	return v.itemsAll
}

// ActionItems returns the items of the JSON recommendation action with the given id, or
// nil when Personyze did not return it for this page.
func (v *Visit) ActionItems(id int64) []Item {
	for _, a := range v.Actions() {
		if a.ID == id {
			return a.Items()
		}
	}
	return nil
}

// Outcome says how this Visit's tracker call went (OutcomePending before it is made).
func (v *Visit) Outcome() Outcome {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.outcome
}

// Err returns why the tracker call failed, or nil.
func (v *Visit) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

// Stale reports whether the recommendations are the visitor's last good ones, served
// because this page's call failed.
func (v *Visit) Stale() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stale
}

// Call returns what this Visit sent to Personyze and what came back.
func (v *Visit) Call() Call {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.call
}

// UserID returns the visitor's Personyze user_id (0 for an inactive Visit).
func (v *Visit) UserID() uint32 { return v.facts.UserID }

// SessionID returns the visitor's current Personyze session id ("" before the first call).
func (v *Visit) SessionID() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state.SessionID
}

// BeforeHeader makes the page's call if it has not been made and writes the session cookie
// into the response header. Adapters call it right before the header is written; it is
// idempotent and cheap after the first call.
func (v *Visit) BeforeHeader() {
	if v.t == nil || !v.headerSent.CompareAndSwap(false, true) {
		return
	}
	v.flush()
	v.saveSession()
	h := v.w.Header()
	h.Add("Vary", "Cookie")
	if cc := h.Get("Cache-Control"); cc == "" {
		h.Set("Cache-Control", "private")
	} else if strings.Contains(cc, "public") {
		h.Set("Cache-Control", strings.Replace(cc, "public", "private", 1))
	}
}

// End finishes the Visit after the handler returned: the page's call is made if nothing
// triggered it, the cookie is written if the header is still unsent, and commands tracked
// after the call go to background delivery. Adapters defer it; it is idempotent.
func (v *Visit) End() {
	if v.t == nil {
		return
	}
	v.BeforeHeader()
	v.mu.Lock()
	if v.ended {
		v.mu.Unlock()
		return
	}
	v.ended = true
	var req *Request
	if len(v.late) > 0 {
		req = v.request(v.late, false)
		v.late = nil
	}
	v.mu.Unlock()
	if req != nil {
		v.t.delivery.enqueue(req)
	}
}

// saveSession writes the session cookie when the state changed.
func (v *Visit) saveSession() {
	v.mu.Lock()
	dirty := v.dirty
	v.dirty = false
	v.cookieDone = true
	st := v.state
	v.mu.Unlock()
	if !dirty {
		return
	}
	storeState(v.sess, st)
	v.sess.Options = v.t.cookieOptions(v.r)
	if err := v.t.store.Save(v.r, v.w, v.sess); err != nil {
		v.t.logs.log(v.t.log, slog.LevelWarn, "cookie-save", "personyze: session cookie not saved", slog.String("error", err.Error()))
	}
}

// request builds a tracker request for cmds with the visitor's facts and session; with
// navigate, the page's Navigate goes last. Callers hold v.mu.
func (v *Visit) request(cmds []Command, navigate bool) *Request {
	if navigate {
		cmds = append(cmds, Navigate(v.t.cfg.DocumentName(v.r)))
	}
	f := v.facts
	return &Request{
		UserID:       f.UserID,
		SessionID:    v.state.SessionID,
		NewSession:   needsNewSession(v.state.SessionID, v.t.cfg.Now()),
		PastSessions: v.state.PastSessions,
		Platform:     f.Platform,
		TimeZone:     f.TimeZone,
		Languages:    f.Languages,
		Screen:       f.Screen,
		OS:           f.OS,
		DeviceType:   f.DeviceType,
		Commands:     cmds,
	}
}

// String describes the Visit for logs without any personal data.
func (v *Visit) String() string {
	return fmt.Sprintf("personyze.Visit{kind: %s, reason: %q, outcome: %s}", v.kind, v.reason, v.Outcome())
}
