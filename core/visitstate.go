package core

// A Visit's state is two values, both guarded by Visit.mu, and every transition of either
// is made by a function of this file:
//
//   - mode: whether the Visit talks to Personyze. Begin sets it; its one change after
//     Begin is SetConsent(true) on a Visit waiting for consent (grantConsent).
//   - phase: where the request is in its life. It only moves forward (toCalling,
//     toCommitted, toEnded), and every decision that depends on it is made under the lock.
//
// Transitions (mode, phase x event -> next; "-" means unchanged):
//
//	state                  event                                     next
//	---------------------  ----------------------------------------  ----------------------
//	(Begin)                tracked request                           active, open
//	(Begin)                refused by Consent or HonorGPC            consent, open
//	(Begin)                bot, static asset, env script, ignored    inactive, open
//	consent, open          SetConsent(true), Classify says track     active, open
//	consent, open          SetConsent(true), Classify says ignore    inactive, open
//	consent, open          BeforeHeader                              consent, committed
//	consent, open|         End (after BeforeHeader(0))               consent, ended
//	  committed
//	active, open           first read (Actions, Items, Placeholder,  active, calling
//	                       ...), Start, BeforeHeader, End
//	active, calling        BeforeHeader (after the call's result;    active, committed
//	                       BeforeHeader on an open Visit goes
//	                       through calling)
//	active, open|calling|  End (after BeforeHeader(0))               active, ended
//	  committed
//	inactive, any          anything                                  - (no-op)
//
// What each method may do when, in active mode. In inactive mode every one does nothing
// and returns nil. On a Visit waiting for consent: SetConsent(true) acts while open and
// returns ErrTooLate later, SetUserKey is remembered for activation, Forget and
// SetConsent(false) act until committed; the others do nothing. In active mode
// SetConsent(true) does nothing.
//
//	method                       open         calling           committed         ended
//	---------------------------  -----------  ----------------  ----------------  -----------
//	SetUserKey, SetDocumentName, acts         ErrTooLate        ErrTooLate        ErrTooLate
//	  StartNewSession, Skip
//	SetStatus                    acts         ErrTooLate for a page view's non-page code
//	Forget, SetConsent(false)    acts         acts (the call    ErrTooLate        ErrTooLate
//	                                          was made)
//	CloseAction (cookie part)    acts         acts              ErrTooLate        ErrTooLate
//	Track                        page's call  sent after End    sent after End    sent now
//	Actions, Items, Placeholder  make call    wait for result   result            result
//
// The call itself runs outside the lock; its result is published under the lock (finish)
// and announced by closing Visit.called, which toCalling creates.
//
// Room for streaming: a future state "header sent before the answer" sits between calling
// and committed (the header goes out while the call is still in flight, see updateSession
// and Stats.LateCookies for what that costs today); it would be one more phase value and a
// transition here, the table's rows for calling applying to it.

// mode says whether a Visit talks to Personyze. Guarded by Visit.mu.
type mode uint8

const (
	// modeInactive: nothing is sent and every method is a no-op (a bot, a static asset,
	// the script of personyzeScript, no middleware).
	modeInactive mode = iota
	// modeConsent: inactive for lack of consent only. The adapter drives it (its response
	// may delete the cookies of a visitor who withdrew consent) and SetConsent(true)
	// makes it active.
	modeConsent
	// modeActive: the Visit talks to Personyze (Skip and Forget stop that within it).
	modeActive
)

// phase is where a Visit is in its request's life. Guarded by Visit.mu.
//
//	phaseOpen       the handler runs; Track queues commands for the page's call
//	phaseCalling    the page's call was taken (by a read of recommendations, the header
//	                about to go out, or End); Track keeps later commands for End; readers
//	                wait on Visit.called for the result
//	phaseCommitted  the response header went out with the session cookie; session changes
//	                that arrive later (a call that outlived the header) cannot be saved
//	phaseEnded      the handler returned; commands tracked now (in an error handler, say)
//	                go straight to background delivery
type phase uint8

const (
	phaseOpen phase = iota
	phaseCalling
	phaseCommitted
	phaseEnded
)

// grantConsent makes a Visit waiting for consent active, or inactive when the classifier
// ignores the request; false when it was not waiting. Callers hold v.mu and check the
// phase (open) first.
func (v *Visit) grantConsent() bool {
	if v.mode != modeConsent {
		return false
	}
	v.ctl.stop = stopNone
	v.kind, v.reason = v.t.cfg.Classify(v.r, v.dev)
	if v.kind == KindIgnore {
		v.mode = modeInactive
		return false
	}
	v.mode = modeActive
	v.call.Outcome = OutcomePending
	return true
}

// toCalling moves an active, open Visit to phaseCalling, settling its kind (a status said
// before the call decides, see pageKind) and creating v.called, which the caller closes
// once the call's result is published. false when the call was taken already or the Visit
// is not active. Callers hold v.mu.
func (v *Visit) toCalling() bool {
	if v.mode != modeActive || v.phase != phaseOpen {
		return false
	}
	v.kind, v.reason = v.pageKind()
	v.phase = phaseCalling
	v.called = make(chan struct{})
	return true
}

// toCommitted moves the Visit to phaseCommitted: the response header goes out now. false
// when it was committed already. Callers hold v.mu.
func (v *Visit) toCommitted() bool {
	if v.phase >= phaseCommitted {
		return false
	}
	v.phase = phaseCommitted
	return true
}

// toEnded moves an active Visit, or one waiting for consent, to phaseEnded: the handler
// returned. false when it had ended already or is inactive. Callers hold v.mu.
func (v *Visit) toEnded() bool {
	if v.mode == modeInactive || v.phase == phaseEnded {
		return false
	}
	v.phase = phaseEnded
	return true
}
