package core

import (
	"context"
	"time"
)

// CallInfo describes one tracker call to Personyze, as Config.OnCall receives it: the call
// a page made while its visitor waited, or one attempt of background delivery.
type CallInfo struct {
	// Context is the context the call ran with. For a page call it carries the values of
	// the visitor's request (its trace span, for one) but not its cancellation, so a span
	// made from it is a child of the request's span; for background delivery it carries no
	// request values. It is canceled once the call is over: use it for what the hook does
	// at once (start a span), not for work that outlives the hook.
	Context context.Context
	// Background is true for background delivery attempts (events tracked after the page's
	// call, retries, requests held while the breaker was open) and false for page calls.
	Background bool
	// Start is when the call began; Latency is how long it took until its answer was read
	// (or it failed). A page call that outlives Config.Timeout is reported when it really
	// ends: the page stopped waiting (Visit.Outcome says timeout), the call did not.
	Start   time.Time
	Latency time.Duration
	// Outcome classifies this call's result: OutcomeOK, OutcomeTimeout, OutcomeUnauthorized,
	// OutcomeRateLimited, OutcomeNetworkError, ... (see Outcome). Err is the error, nil on
	// success.
	Outcome Outcome
	Err     error
	// StatusCode is the HTTP status of the last answer, 0 when none came.
	StatusCode int
	// RequestBytes is the size of the JSON sent, ResponseBytes of the JSON received (after
	// gzip), summed over the parts of a request split for the 50,000-byte limit.
	RequestBytes, ResponseBytes int
	// Commands is the number of commands (events and page views) the call carried.
	Commands int
	// Attempt is 1 for a first try and n for the (n-1)th retry.
	Attempt int
	// Breaker is the circuit breaker's state when the call ended: "closed", "half-open" or
	// "open".
	Breaker string
}
