package core

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// Outcome says how the Personyze call of one Visit went. The page renders in every case;
// the outcome only explains whether recommendations are there and why not.
type Outcome uint8

// The outcomes, in the order Stats reports them.
const (
	// OutcomePending means no call has been made yet.
	OutcomePending Outcome = iota
	// OutcomeOK means Personyze answered and its answer was used.
	OutcomeOK
	// OutcomeSkipped means no call was made by design: a bot, a static asset, no consent,
	// no middleware, or nothing to send.
	OutcomeSkipped
	// OutcomeTimeout means the latency budget (Config.Timeout) ran out; the call itself went
	// on in the background so its events still reach Personyze.
	OutcomeTimeout
	// OutcomeCanceled means the visitor's request was canceled while waiting.
	OutcomeCanceled
	// OutcomeBreakerOpen means Personyze has been failing and the circuit breaker skipped the
	// call; the events were queued for background delivery.
	OutcomeBreakerOpen
	// OutcomeUnauthorized means Personyze answered 401: the API key is wrong or revoked.
	OutcomeUnauthorized
	// OutcomeUnavailable means Personyze answered 503.
	OutcomeUnavailable
	// OutcomeServerError means Personyze answered 500 or another unexpected status.
	OutcomeServerError
	// OutcomeBadResponse means the answer was empty, not JSON, or over the size limit.
	OutcomeBadResponse
	// OutcomeNetworkError means the connection failed (refused, reset, DNS).
	OutcomeNetworkError
	// OutcomeInvalid means the request was refused before sending: every command in it was
	// over the 50,000-byte limit (each counted in Stats.Dropped as "too_big"). A refusal by
	// this library says nothing about Personyze: it never counts toward the circuit breaker.
	OutcomeInvalid
	// OutcomeRateLimited means Personyze answered 429 Too Many Requests: the site sends more
	// than its plan allows, which is not a server failure and needs a different fix.
	OutcomeRateLimited
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"pending", "ok", "skipped", "timeout", "canceled", "breaker_open", "unauthorized",
	"unavailable", "server_error", "bad_response", "network_error", "invalid", "rate_limited",
}

// String returns the outcome's short snake_case name, as used in logs and Stats.
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// Failed reports whether the outcome is a failure (as opposed to ok, pending or skipped).
func (o Outcome) Failed() bool {
	return o != OutcomeOK && o != OutcomePending && o != OutcomeSkipped
}

// ErrBreakerOpen is the Visit error when the circuit breaker skipped the call.
var ErrBreakerOpen = errors.New("personyze: circuit breaker open: Personyze has been failing, call skipped")

// ErrTimeout is the Visit error when the latency budget ran out before Personyze answered.
var ErrTimeout = errors.New("personyze: latency budget exceeded (Config.Timeout); page rendered without recommendations")

// outcomeOf maps a call error to the outcome that names its cause.
func outcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeOK // before the variables below, which errors.As makes escape
	}
	var se *StatusError
	var ne net.Error
	switch {
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case errors.Is(err, ErrBreakerOpen):
		return OutcomeBreakerOpen
	case errors.Is(err, ErrUnauthorized):
		return OutcomeUnauthorized
	case errors.Is(err, ErrUnavailable):
		return OutcomeUnavailable
	case errors.Is(err, ErrEmptyResponse), errors.Is(err, ErrMalformedResponse), errors.Is(err, ErrResponseTooLarge):
		return OutcomeBadResponse
	case errors.Is(err, ErrRequestTooBig), errors.Is(err, ErrEmptyID):
		return OutcomeInvalid
	case errors.As(err, &se) && se.StatusCode == http.StatusTooManyRequests:
		return OutcomeRateLimited
	case errors.As(err, &se):
		return OutcomeServerError
	case errors.As(err, &ne):
		if ne.Timeout() {
			return OutcomeTimeout
		}
		return OutcomeNetworkError
	default:
		return OutcomeNetworkError
	}
}
