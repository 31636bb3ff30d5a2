package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Sentinel errors of the wire layer. They are matched with errors.Is; a *StatusError matches
// ErrUnauthorized, ErrUnavailable or ErrServer according to its status code.
var (
	// ErrUnauthorized: Personyze answered 401, the API key is wrong or revoked (or the call
	// went over plain HTTP). Not retryable.
	ErrUnauthorized = errors.New("personyze: unauthorized (401): check Config.APIKey")
	// ErrUnavailable: Personyze answered 503; retry after StatusError.RetryAfter.
	ErrUnavailable = errors.New("personyze: service unavailable (503)")
	// ErrServer: Personyze answered 500; StatusError.Message carries its explanation.
	ErrServer = errors.New("personyze: server error (500)")
	// ErrEmptyResponse: a successful status with an empty body.
	ErrEmptyResponse = errors.New("personyze: empty response body")
	// ErrMalformedResponse: the body is not a JSON object.
	ErrMalformedResponse = errors.New("personyze: malformed response")
	// ErrRequestTooBig: a single command alone exceeds MaxRequestBytes, so no split can send it.
	ErrRequestTooBig = errors.New("personyze: request too big")
	// ErrResponseTooLarge: the decoded response exceeds Config.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("personyze: response too large")
)

// maxErrorMessage bounds StatusError.Message: Personyze's 500 text is useful, a whole HTML page
// in a log line is not.
const maxErrorMessage = 512

// StatusError is a non-2xx answer from Personyze.
type StatusError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Message is the response body text, trimmed and bounded (Personyze explains 500s there).
	Message string
	// RetryAfter is the parsed Retry-After header (0 when absent or invalid).
	RetryAfter time.Duration
}

// Error implements error.
func (e *StatusError) Error() string {
	s := "personyze: tracker call answered " + strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is maps the status codes that have a meaning of their own to the sentinel errors.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable
	case ErrServer:
		return e.StatusCode == http.StatusInternalServerError
	}
	return false
}

// PartialError is returned by Client.Send when a request split into several calls failed after
// some calls had already been delivered. Unsent holds the commands not delivered, in order, so a
// retry does not repeat the delivered ones.
type PartialError struct {
	Sent   int       // calls delivered
	Total  int       // calls planned
	Unsent []Command // commands of the failed and later calls
	Err    error     // the failure
}

// Error implements error.
func (e *PartialError) Error() string {
	return "personyze: split request failed after " + strconv.Itoa(e.Sent) + " of " +
		strconv.Itoa(e.Total) + " calls: " + e.Err.Error()
}

// Unwrap returns the underlying failure, so errors.Is/As and Retryable see through it.
func (e *PartialError) Unwrap() error { return e.Err }

// Retryable reports whether err is worth retrying later: network failures and timeouts of the
// call itself, 408, 429 and 5xx answers, and empty bodies. A caller's context.Canceled, 4xx
// answers (401, 400, ...), malformed or oversized responses and invalid input are not.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode == http.StatusRequestTimeout || se.StatusCode == http.StatusTooManyRequests ||
			se.StatusCode >= 500
	}
	if errors.Is(err, ErrEmptyResponse) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// RetryAfter returns the delay Personyze asked for with Retry-After, or 0.
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// maxRetryAfter caps a Retry-After value: a misconfigured server must not park delivery for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date relative to now.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
