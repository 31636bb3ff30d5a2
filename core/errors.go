package core

import (
	"errors"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Errors of a Visit's tracker call and of commands, matched with errors.Is. A *StatusError
// matches ErrUnauthorized, ErrUnavailable or ErrServer according to its status code.
var (
	// ErrUnauthorized: Personyze answered 401, the API key is wrong or revoked (or the call
	// went over plain HTTP). Not retried.
	ErrUnauthorized = wire.ErrUnauthorized
	// ErrUnavailable: Personyze answered 503; background delivery retries after
	// StatusError.RetryAfter.
	ErrUnavailable = wire.ErrUnavailable
	// ErrServer: Personyze answered 500; StatusError.Message carries its explanation.
	ErrServer = wire.ErrServer
	// ErrEmptyResponse: a successful status with an empty body.
	ErrEmptyResponse = wire.ErrEmptyResponse
	// ErrMalformedResponse: the body is not a JSON object, or an action's items are not JSON.
	ErrMalformedResponse = wire.ErrMalformedResponse
	// ErrRequestTooBig: a single command alone exceeds the 50,000-byte request limit of
	// Personyze's SDKs, so no split of the request can send it.
	ErrRequestTooBig = wire.ErrRequestTooBig
	// ErrResponseTooLarge: the decoded response exceeds Config.MaxResponseBytes.
	ErrResponseTooLarge = wire.ErrResponseTooLarge

	// ErrEmptyID: a command was built with an empty item id or document name. Personyze's
	// SDKs drop such commands silently; Track refuses them so the bug is visible.
	ErrEmptyID = errors.New("personyze: empty id")
	// ErrInvalidCommand: a command was built with other invalid input (non-positive action
	// id, empty status or profile field, WithAction on a command that cannot carry it).
	ErrInvalidCommand = errors.New("personyze: invalid command")
	// ErrNotJSONAction: Action.Decode was called on an action without JSON item data.
	ErrNotJSONAction = errors.New("personyze: action has no JSON item data")
)

// StatusError is a non-2xx answer from Personyze: its StatusCode, its Message (the body text,
// trimmed, bounded, without the API key) and its RetryAfter (the parsed Retry-After header, 0
// when absent).
type StatusError = wire.StatusError

// CloseError reports what Tracker.Close could not deliver before its deadline: Undelivered
// commands (events and page views) given up on, and Err, the context error that ended the
// wait (it unwraps to it, so errors.Is(err, context.DeadlineExceeded) works).
type CloseError = delivery.CloseError

// ConfigError reports an invalid Config field and how to fix it. It never contains the API key.
type ConfigError struct {
	Field   string // Config field name, e.g. "APIKey"
	Problem string // what is wrong
	Fix     string // what to do about it
}

// Error implements error.
func (e *ConfigError) Error() string {
	s := "personyze: Config." + e.Field + ": " + e.Problem
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}
