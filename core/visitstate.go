package core

// phase is where a Visit is in its request's life. It only moves forward, always under
// Visit.mu, and every decision that depends on it is made under that lock:
//
//	phaseOpen       the handler runs; Track queues commands for the page's call
//	phaseCalling    the page's call was taken (by a read of recommendations, the header
//	                about to go out, or End); Track keeps later commands for End; readers
//	                wait on Visit.called for the result
//	phaseCommitted  the response header went out with the session cookie; session changes
//	                that arrive later (a call that outlived the header) cannot be saved
//	phaseEnded      the handler returned; commands tracked now (in an error handler, say)
//	                go straight to background delivery
//
// The call itself runs outside the lock; its result is published under the lock and
// announced by closing Visit.called.
type phase uint8

// mode says whether a Visit talks to Personyze. Begin sets it; the one change after Begin
// is SetConsent(true) on a Visit waiting for consent. Guarded by Visit.mu.
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

const (
	phaseOpen phase = iota
	phaseCalling
	phaseCommitted
	phaseEnded
)
