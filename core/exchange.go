package core

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gorilla/sessions"
)

// Exchange is an adapter's handle on one request's Visit: the lifecycle calls that handlers
// never need. An adapter calls Tracker.Begin first, passes Request() on to the handler, calls
// BeforeHeader with the status right before the response header is written (or hands the
// handler Wrap(w), which does it), and defers End. A status the framework records before it
// writes the header (Gin's c.Status) goes to Visit.SetStatus. Handlers and templates use the
// Visit only.
//
// An Exchange is the Visit itself seen through another type, so it costs nothing.
type Exchange Visit

// Begin starts the Visit of one request: it classifies the request, and for a tracked one
// loads the visitor's cookie session and derives the visitor facts. Nothing is sent yet.
//
// The request for the script of personyzeScript (Config.EnvScriptPath) is no visit: Begin
// answers it and returns an Exchange whose Served is true.
func (t *Tracker) Begin(w http.ResponseWriter, r *http.Request) *Exchange {
	if a := t.assetFor(r); a != nil {
		// Before anything else: the script is the same for every visitor, so it never
		// reads or writes the session, and it is not a page view.
		a.serve(w, r)
		return &Exchange{t: t, r: r, req: r, w: w, kind: KindIgnore, reason: reasonEnvScript,
			call: Call{Outcome: OutcomeSkipped}, served: true}
	}
	v := &Visit{t: t, r: r, w: w}
	dev := Device(t.detector.Detect(r.Header))
	v.kind, v.reason = t.cfg.Classify(r, dev)
	noConsent := false
	switch {
	case v.kind == KindIgnore:
	case t.cfg.Consent != nil && !t.cfg.Consent(r):
		v.kind, v.reason, noConsent = KindIgnore, reasonNoConsent, true
	case t.cfg.HonorGPC && r.Header.Get("Sec-GPC") == "1":
		v.kind, v.reason, noConsent = KindIgnore, reasonGPC, true
	}
	v.req = r.WithContext(newContext(r.Context(), v))
	if v.kind == KindIgnore {
		// modeInactive: every method becomes a no-op
		v.call.Outcome = OutcomeSkipped
		t.counters.outcomes[OutcomeSkipped].Add(1)
		if noConsent {
			// The handler may still grant consent (SetConsent), and a visitor who carries
			// our cookies has withdrawn it: they are deleted with this response.
			v.mode, v.dev = modeConsent, dev
			if t.hasCookies(r) {
				v.ctl.stop = stopForget
			}
		} else if t.observing() {
			t.observe(v, nil, nil) // final now: the adapter drives no lifecycle for it
		}
		return (*Exchange)(v)
	}
	v.mode = modeActive
	v.activate(dev)
	return (*Exchange)(v)
}

// activate loads the visitor's session and facts: the work of Begin for a tracked request.
// Callers hold v.mu, or own the Visit alone (Begin).
func (v *Visit) activate(dev Device) {
	t := v.t
	v.loadSession()
	v.facts = t.deriveFacts(v.r, dev, v.state.VisitorKey)
	if v.ctl.userKeySet {
		v.facts.UserID = visitorUserID(v.ctl.userKey, v.state.VisitorKey)
	}
	v.adoptLatest() // an answer that came after this visitor's last page was sent
	v.adoptShared() // the same, got by another instance (Config.VisitorStore)
	v.actionID = attributionOf(v.r.URL.RawQuery, t.cfg.AttributionParam)
	v.beginClick()
}

// Visit returns the Visit that handlers and templates see.
func (e *Exchange) Visit() *Visit { return (*Visit)(e) }

// Request returns the request to hand to the handler: the original one with the Visit in its
// context.
func (e *Exchange) Request() *http.Request { return e.req }

// Served reports whether Begin answered the request itself: it was the browser fetching
// the script of personyzeScript (see Config.EnvScriptPath). The adapter must then return at
// once, calling neither the handler nor BeforeHeader and End (the response is written).
func (e *Exchange) Served() bool { return e.served }

// Active reports whether the adapter must drive the Visit's lifecycle (BeforeHeader, End):
// it talks to Personyze, or it lacks consent that the handler may still grant or withdraw
// (see Visit.SetConsent). An adapter may skip its wrapping when it is false.
//
// It differs from Visit.Active for a Visit waiting for consent (true here, false there:
// the adapter must drive it, yet it does not talk to Personyze unless SetConsent(true)
// comes) and after Skip or Forget (true here: the response still carries what they
// decided). Visit.Active implies Exchange.Active.
func (e *Exchange) Active() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mode != modeInactive
}

// BeforeHeader decides, from the status and the Content-Type already set, whether the
// response is a page (see Page views in the package documentation: a page view whose
// response is a redirect, an error or not HTML sends no Navigate), makes the page's call if
// it has not been made, and writes the session cookie and the cache headers into the
// response header. status 0 means the status is not known (nothing was written): the one
// the handler said with Visit.SetStatus, else 200.
//
// Call it right before the header is written; it is idempotent and cheap after the first
// call. When the handler read recommendations earlier, the call was already made as a page
// view: the status it writes afterwards no longer changes that.
func (e *Exchange) BeforeHeader(status int) {
	v := (*Visit)(e)
	v.mu.Lock()
	switch v.mode {
	case modeInactive:
		v.mu.Unlock()
		return
	case modeConsent:
		v.mu.Unlock()
		v.commit() // the cookies of a visitor who withdrew consent go
		return
	}
	if v.headerSent() {
		v.mu.Unlock()
		return
	}
	if status != 0 {
		v.ctl.status = status // what the header goes out with overrides what was said
	}
	if v.phase == phaseOpen && v.kind == KindPage {
		if why := notPageResponse(v.ctl.status, v.w.Header()); why != "" {
			v.kind, v.reason = KindEvent, why
		}
	}
	v.mu.Unlock()
	v.flush()
	v.commit()
}

// End finishes the Visit after the handler returned: the page's call is made if nothing
// triggered it, the cookie is written if the header is still unsent, and commands tracked
// after the call go to background delivery. Defer it; it is idempotent.
func (e *Exchange) End() {
	v := (*Visit)(e)
	_, _ = e.WriteBody(v.w, 0, nil) // BeforeHeader(0), and the body kept while the call was in flight
	v.endStream()
	v.mu.Lock()
	if !v.toEnded() {
		v.mu.Unlock()
		return
	}
	late, reports := v.takeLate(), v.takeReports()
	inStore := v.ext.inStore
	v.mu.Unlock()
	if v.t.observing() {
		v.t.observe(v, late, reports) // before delivery owns them
	}
	v.t.sendAfterEnd(late, reports, inStore)
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
	v.state = session.Load(s)
	v.state.Blocked = formatBlocked(parseBlocked(v.state.Blocked)) // bounded whatever a store holds
	if v.state.VisitorKey == "" {
		v.state = session.State{VisitorKey: session.NewVisitorKey()}
		v.dirty = true
	}
}

// commit moves the Visit to phaseCommitted and writes what the response header carries:
// the session cookie when its state changed and a call carried something (a request that
// sent nothing leaves no cookie), or the deletion of the library's cookies after Forget;
// and the cache headers when the response carries a cookie or recommendations.
func (v *Visit) commit() {
	v.mu.Lock()
	if !v.toCommitted() {
		v.mu.Unlock()
		return
	}
	if v.phase == phaseStreaming {
		v.markLate() // the answer comes after this cookie: the next request asks the VisitorStore
	}
	had := v.state.Held
	v.markHeld()
	forget := v.ctl.stop == stopForget
	save := v.dirty && (v.ctl.sent || v.ext.keep) && v.ctl.stop == stopNone
	// The statuses go to the store only when the cookie the visitor keeps carries the mark:
	// the one written now, or the one they came with when none is written.
	v.ext.inStore = v.state.Held && (save || had)
	read := v.ctl.read && v.ctl.sent // recommendations come only from a call that was made
	v.dirty = false
	st, sess := v.state, v.sess
	v.mu.Unlock()
	t := v.t
	switch {
	case forget:
		t.deleteCookies(v.w, v.r, sess)
	case save:
		session.Put(sess, st)
		sess.Options = t.cookieOptions(v.r)
		if err := t.store.Save(v.r, v.w, sess); err != nil {
			t.logs.log(t.log, slog.LevelWarn, "cookie-save", "personyze: session cookie not saved", slog.String("error", err.Error()))
		}
	}
	if (forget || save || read) && !t.cfg.LeaveCacheHeaders {
		privateCache(v.w.Header())
	}
}

// privateCache keeps shared caches from storing a response that is one visitor's: it
// varies by Cookie and is private (an app's "public" becomes "private", its other
// directives stay).
func privateCache(h http.Header) {
	addVary(h, "Cookie")
	if cc := h.Get("Cache-Control"); cc == "" {
		h.Set("Cache-Control", "private")
	} else if strings.Contains(cc, "public") {
		h.Set("Cache-Control", strings.Replace(cc, "public", "private", 1))
	}
}
