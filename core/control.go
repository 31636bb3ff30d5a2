package core

import (
	"errors"
	"fmt"
)

// ErrTooLate is returned by the Visit's per-request controls (SetUserKey, SetDocumentName,
// SetConsent, Skip, StartNewSession, Forget) when the moment they act on has passed: the
// page's call was already made (by a read of recommendations, the header going out or the
// handler returning), or, for Forget, the response header was already written. Call them
// early in the request, e.g. in the auth middleware that runs after this library's.
var ErrTooLate = errors.New("personyze: too late for this request")

// control holds the decisions the handler made for its Visit, and what the response
// header must reflect of the call (read, sent: see commit). Guarded by Visit.mu.
type control struct {
	document   string // SetDocumentName; "" means Config.DocumentName
	userKey    string // SetUserKey on a Visit that is not active yet
	userKeySet bool
	stop       stop // Skip or Forget
	read       bool // recommendations were read: the response is personalised
	sent       bool // the page's call carried commands
	status     int  // SetStatus, or the status the header went out with; 0 while unknown
}

// stop says whether, and how, tracking stopped for this request. One value rather than two
// flags: forgetting always stops tracking too.
type stop uint8

const (
	stopNone stop = iota
	// stopSkip: Skip. Nothing more is sent for this request; the cookie stays as it was.
	stopSkip
	// stopForget: Forget, or a visitor refused consent who carries our cookies (Begin).
	// Nothing more is sent, and the library's cookies are deleted with the response.
	stopForget
)

// tooLate returns ErrTooLate for what, unless the page's call is still to be made.
// Callers hold v.mu.
func (v *Visit) tooLate(what string) error {
	if v.phase == phaseOpen {
		return nil
	}
	return fmt.Errorf("%w: %s after the page's call was made", ErrTooLate, what)
}

// SetUserKey sets the application's own identity of the visitor for this request, as
// Config.UserKey does, for apps that know the signed-in user only after their auth
// middleware ran (after this library's): call it there, on every request of a signed-in
// user. "" makes the visitor anonymous again (their cookie's visitor key). The same key
// gives the same Personyze user_id on every device. When the user_id differs from the one
// the visitor's Personyze session was issued to (at sign-in, sign-out, another user), the
// page's call starts a new session by itself.
func (v *Visit) SetUserKey(key string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch v.mode {
	case modeInactive:
		return nil
	case modeConsent:
		v.ctl.userKey, v.ctl.userKeySet = key, true // for activate
		return nil
	}
	if err := v.tooLate("SetUserKey"); err != nil {
		return err
	}
	v.facts.UserID = visitorUserID(key, v.state.VisitorKey)
	v.adoptLatest()
	return nil
}

// A Personyze session belongs to one user_id. The cookie remembers which user_id its
// session was issued to (session.State.SessionUser); when the visitor's identity changes
// (signed in, signed out, another user), the user_id of the page's call is another one, and
// the call starts a new session instead of carrying the earlier identity's: as if this
// user had just arrived on this device. Visit.StartNewSession stays for other occasions.

// ownSession starts a new Personyze session for the page's call when the cookie's session
// was issued to another user_id: the call sends no session id and asks for a new session,
// whose id replaces the earlier identity's when it arrives. A cookie that does not say
// whose its session is (written before the library kept it) is taken to be the visitor's.
// The earlier identity's statuses held for its next call stay with its user_id (see
// delivery.Held). Callers hold v.mu.
func (v *Visit) ownSession() {
	if v.sessionIsOwn() {
		return
	}
	// Without a session id the call asks for a new session (see session.NeedsNew).
	v.state.SessionID, v.state.SessionUser = "", 0
	v.dirty = true
}

// sessionIsOwn reports whether the cookie's session, if any, belongs to the visitor's
// current user_id. Callers hold v.mu.
func (v *Visit) sessionIsOwn() bool {
	st := &v.state
	return st.SessionID == "" || st.SessionUser == 0 || st.SessionUser == v.facts.UserID
}

// adoptLatest carries the newest session id this process knows for the visitor (see
// latestSessions) when the cookie's session is theirs; another identity's session is
// replaced by a new one anyway (ownSession). Callers hold v.mu.
func (v *Visit) adoptLatest() {
	if !v.sessionIsOwn() {
		return
	}
	if sid := v.t.latest.newer(v.facts.UserID, v.state.SessionID); sid != "" {
		v.updateSession(sid) // an answer for this user that came after their cookie was written
	}
}

// SetDocumentName names the page in this request's Navigate (Config.DocumentName does it
// for every request), e.g. with the route pattern the router matched. A name longer than
// MaxDocumentName once encoded is cut (see Navigate).
func (v *Visit) SetDocumentName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: SetDocumentName with an empty name", ErrEmptyID)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != modeActive {
		return nil
	}
	if err := v.tooLate("SetDocumentName"); err != nil {
		return err
	}
	v.ctl.document = name
	return nil
}

// StartNewSession makes this request's call start a new Personyze session, on occasions
// the app chooses (a change of the visitor's identity starts one by itself, see
// SetUserKey). When this request makes no call (a POST without events), the visitor's
// next call asks for it (it is remembered in the cookie session).
func (v *Visit) StartNewSession() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != modeActive {
		return nil
	}
	if err := v.tooLate("StartNewSession"); err != nil {
		return err
	}
	if !v.state.ForceNew {
		// Remembered in the cookie until a call carries it, for a request that makes none
		// (a sign-out POST without events).
		v.state.ForceNew, v.dirty, v.ext.keep = true, true, true
	}
	return nil
}

// Skip stops tracking this request: no call, no cookie, and commands tracked so far or
// later are dropped. The visitor's cookie stays as it was (see Forget to delete it).
func (v *Visit) Skip() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != modeActive {
		return nil
	}
	if err := v.tooLate("Skip"); err != nil {
		return err
	}
	v.ctl.stop = stopSkip
	v.queued = nil
	v.kind, v.reason = KindIgnore, reasonSkipped
	return nil
}

// SetConsent records the visitor's consent decision made during this request, for apps
// that learn it in a handler rather than in Config.Consent. true tracks a request that
// Config.Consent (or HonorGPC) refused, starting with this one; it must come before the
// page's call. false withdraws consent: it is Forget.
func (v *Visit) SetConsent(ok bool) error {
	if !ok {
		return v.Forget()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != modeConsent {
		return nil // tracked already, or ignored for another reason (a bot, a static file)
	}
	if v.phase != phaseOpen {
		return fmt.Errorf("%w: SetConsent after the response header was written", ErrTooLate)
	}
	if !v.grantConsent() {
		return nil // the classifier ignores the request
	}
	v.t.counters.outcomes[OutcomeSkipped].Add(^uint64(0)) // counted as skipped by Begin
	v.activate(v.dev)
	return nil
}

// Forget deletes every cookie this library set for the visitor (the session cookie and
// EnvCookieName) with this response and stops tracking the request: no call if it was not
// made yet, no later commands. Use it when a visitor withdraws consent or asks to be
// forgotten; it happens by itself when Config.Consent (or HonorGPC) refuses a visitor who
// still carries those cookies. The action statuses held from the visitor's previous page
// for their next call are dropped too. With an application's own Config.SessionStore,
// only this library's values are removed from the session and the session is saved. It
// returns ErrTooLate once the response header was written.
func (v *Visit) Forget() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode == modeInactive {
		return nil // not tracked and not driven by the middleware: nothing to delete
	}
	if v.headerSent() {
		return fmt.Errorf("%w: Forget after the response header was written", ErrTooLate)
	}
	v.ctl.stop = stopForget
	v.queued, v.late = nil, nil
	if v.mode == modeActive && v.facts.UserID != 0 {
		v.t.reports.Forget(v.facts.UserID)
		if v.t.held != nil {
			v.t.held.forget(v.facts.UserID)
		}
	}
	if v.phase == phaseOpen {
		v.kind, v.reason = KindIgnore, reasonForgotten
	}
	return nil
}

// SetStatus tells the Visit the status its response will be written with, before the
// header goes out. Call it before rendering a page into a buffer (how Echo's c.Render
// works, and how apps turn template errors into a clean 500): the template reads
// recommendations, which makes the page's call before the status is written. A page view
// whose status is not a page's (a redirect, 404, 500, 204, ...) is then not one: no
// Navigate is sent, Kind is KindEvent and Reason says why ("response 404"). The last
// status said before the call counts; the status the header is written with overrides it.
// The Gin adapter says it for c.Status, c.HTML and Gin's own 404, Echo's adapters in their
// Render; net/http handlers call SetStatus themselves.
//
// Nothing tracked is lost on such a page: the commands the handler tracked are sent in its
// call, without a Navigate, and the "executed" statuses held from the visitor's previous
// page ride on that call or, when it makes none (nothing tracked), on the visitor's next
// one (or go out on their own after 15 s). Without a call the page has no recommendations.
//
// Informational statuses (1xx) are ignored, and so is a nil Visit. SetStatus returns an
// error for a code outside 100-999, and ErrTooLate when the page's call was already made as
// a page view and code is not a page's: that Navigate stands (see the README, "What counts
// as a page view").
func (v *Visit) SetStatus(code int) error {
	if code < 100 || code > 999 {
		return fmt.Errorf("personyze: SetStatus(%d): not an HTTP status code (100 to 999)", code)
	}
	if code < 200 || v == nil {
		return nil // not the final status
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode == modeInactive {
		return nil // a Visit that sends nothing
	}
	if v.phase != phaseOpen {
		if v.kind == KindPage && notPageStatus(code) != "" {
			return fmt.Errorf("%w: SetStatus(%d) after the page's call was made as a page view", ErrTooLate, code)
		}
		return nil
	}
	v.ctl.status = code
	return nil
}

// pageKind returns the Visit's kind and reason with the status known so far applied: until
// the page's call, a page view whose status is not a page's is an event. Callers hold v.mu.
func (v *Visit) pageKind() (RequestKind, string) {
	if v.kind == KindPage && v.phase == phaseOpen {
		if why := notPageStatus(v.ctl.status); why != "" {
			return KindEvent, why
		}
	}
	return v.kind, v.reason
}
