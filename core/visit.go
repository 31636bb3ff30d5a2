package core

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Visit is one request's conversation with Personyze. The middleware creates it, handlers
// add events with Track, and templates read recommendations from it. All its methods are
// safe on an inactive Visit (a bot, a static asset, no consent, no middleware): they do
// nothing and return empty results.
//
// The one tracker call of a request is made at the first of: reading recommendations, the
// response header about to be written, the handler returning. Reading twice never calls
// twice. Until then the handler (or its auth middleware) may still decide for this request:
// SetUserKey, SetDocumentName, SetStatus, SetConsent, StartNewSession, Skip and Forget.
type Visit struct {
	// Set by Begin and never changed after it: read without the lock.
	t   *Tracker // the middleware's Tracker (nil without middleware); mode says whether it is used
	r   *http.Request
	req *http.Request // r with the Visit in its context
	w   http.ResponseWriter
	dev Device // what SetConsent(true) needs to activate a Visit waiting for consent
	// served: Begin answered the request itself (see Exchange.Served).
	served bool

	// mu guards every field below. Begin writes them before the Visit is shared; after
	// it, they are read and written under mu only. The one exception is called: created
	// under mu (toCalling), closed without it by whoever took the call, once the result
	// is published under mu. See visitstate.go for the lifecycle.
	mu    sync.Mutex
	mode  mode
	phase phase
	// kind and reason: Begin, SetConsent(true), the controls (Skip, Forget) and the
	// response (BeforeHeader, toCalling) change them.
	kind   RequestKind
	reason string
	// sess, facts, actionID and state are loaded by activate (Begin or SetConsent(true));
	// SetUserKey changes facts.UserID, the call's answer the state.
	sess     *sessions.Session
	facts    Facts
	actionID int64 // attribution carried by the request's link, 0 if none
	state    session.State
	dirty    bool          // state changed since it was loaded
	called   chan struct{} // closed when the page's call has its result
	queued   []Command     // commands for the page call
	late     []Command     // commands tracked after the page call, sent after the handler
	call     Call          // the page's call and how it went (Outcome, Err)
	stale    bool          // actions are the visitor's last good ones (see Stale)
	actions  []*Action
	items    []Item
	ctl      control // per-request decisions of the handler, see control.go
	ext      visitExt
	stream   *streamState // regions of this page, see stream.go; nil until the first
	// holding: a region was deferred, so the end of the body is held back (see
	// Exchange.WriteBody). Atomic: every write of the body reads it.
	holding atomic.Bool
	// sent: the header went out (toCommitted); atomic for the same reason.
	sent atomic.Bool
}

// Call describes the tracker call of a Visit, for debug panels and tests.
type Call struct {
	// Outcome and Err say how it went.
	Outcome Outcome
	Err     error
	// Duration is how long the page waited.
	Duration time.Duration

	req  *wire.Request
	body string
}

// Made reports whether a call was made (false when there was nothing to send, the tracker
// was closed or the breaker was open).
func (c Call) Made() bool { return c.req != nil && c.Outcome != OutcomeBreakerOpen }

// RequestJSON returns the JSON body that was sent (for a request split into several calls,
// as one body), or nil when no call was made.
func (c Call) RequestJSON() []byte {
	if c.req == nil {
		return nil
	}
	return c.req.AppendJSON(nil)
}

// ResponseJSON returns a copy of the body Personyze answered, or nil when the call failed.
func (c Call) ResponseJSON() []byte {
	if c.body == "" {
		return nil
	}
	return []byte(c.body)
}

// Active reports whether this Visit talks to Personyze (false for bots, static assets,
// requests without consent, requests outside the middleware, and after Skip or Forget).
func (v *Visit) Active() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mode == modeActive && v.ctl.stop == stopNone
}

// tracking reports whether the Visit talks to Personyze, for methods that only read.
func (v *Visit) tracking() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mode == modeActive
}

// Kind returns how the request was classified; Reason says why. The response's status
// counts too, once it is known (SetStatus, or the header written): a page view answered
// with a 404 is KindEvent.
func (v *Visit) Kind() RequestKind {
	v.mu.Lock()
	defer v.mu.Unlock()
	k, _ := v.pageKind()
	return k
}

// Reason returns the reason for the request's kind, e.g. "page view", "method POST",
// "bot: curl", "response 404".
func (v *Visit) Reason() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, why := v.pageKind()
	return why
}

// Facts returns the visitor facts sent to Personyze.
func (v *Visit) Facts() Facts {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.facts
}

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
	v.mu.Lock()
	if v.mode != modeActive {
		v.mu.Unlock()
		return nil
	}
	head := func() *wire.Request { return v.request(nil, false) }
	for _, c := range cmds {
		if err := wire.Fits(c.w, head); err != nil {
			v.mu.Unlock()
			// Refused here, alone: queued, it would make the call refuse the whole request
			// and take the page's Navigate and every other event down with it.
			v.t.dropTooBig(err)
			return err
		}
	}
	if v.ctl.stop != stopNone {
		v.mu.Unlock()
		return nil // the handler stopped tracking this request
	}
	for _, c := range cmds {
		v.add(c)
	}
	var afterEnd *wire.Request
	if v.phase == phaseEnded {
		// Tracked after End (e.g. in a framework's error handler): nothing else will send
		// it, so it goes to background delivery right away.
		afterEnd = v.takeLate()
	}
	v.mu.Unlock()
	if afterEnd != nil {
		v.t.enqueue(afterEnd)
	}
	return nil
}

// takeLate returns the request for the commands tracked after the call, or nil. Callers
// hold v.mu.
func (v *Visit) takeLate() *wire.Request {
	if len(v.late) == 0 || v.ctl.stop != stopNone {
		return nil
	}
	req := v.request(v.late, false)
	v.late = nil
	return req
}

// Outcome says how this Visit's tracker call went (OutcomePending before it is made).
func (v *Visit) Outcome() Outcome {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.call.Outcome
}

// Err returns why the tracker call failed, or nil.
func (v *Visit) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.call.Err
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
func (v *Visit) UserID() uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.facts.UserID
}

// SessionID returns the visitor's current Personyze session id ("" before the first call).
func (v *Visit) SessionID() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state.SessionID
}

// String describes the Visit for logs without any personal data.
func (v *Visit) String() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return fmt.Sprintf("personyze.Visit{kind: %s, reason: %q, outcome: %s}", v.kind, v.reason, v.call.Outcome)
}
