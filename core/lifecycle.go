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

const (
	phaseOpen phase = iota
	phaseCalling
	phaseCommitted
	phaseEnded
)
