package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// pingPath is the startup check's request: the condition-name query Personyze's own SDKs
// make, for an id that no campaign has. It reads account metadata only, so it creates no
// visitor and no session and leaves nothing in Personyze's statistics; the answer is a
// small JSON array.
const pingPath = "conditions/columns/id/where/id:0"

// ErrUnreachable means Tracker.Ping got no answer from Config.BaseURL: DNS, a refused or
// reset connection, TLS, a proxy, or no answer before the deadline. The wrapped error says
// which.
var ErrUnreachable = errors.New("personyze: Personyze unreachable")

// pingTimeout bounds a Ping whose context has no deadline: long enough for a first TLS
// connection from a cold start, short enough not to hold up a deployment.
const pingTimeout = 10 * time.Second

// Ping checks at start-up that Personyze can be reached at Config.BaseURL and accepts
// Config.APIKey, with one metadata GET that creates no visitor. It returns nil when both
// hold, and otherwise an error that says what is wrong:
//
//   - errors.Is(err, ErrUnauthorized): the key is wrong or revoked (401);
//   - errors.Is(err, ErrUnreachable): no answer (network, DNS, TLS, timeout);
//   - a *StatusError (errors.As) for any other status: ErrServer and ErrUnavailable match
//     500 and 503, and 404 usually means a wrong BaseURL;
//   - errors.Is(err, ErrMalformedResponse): something answered 2xx, but not like Personyze
//     (BaseURL points at another server).
//
// Without a deadline on ctx it waits at most 10 seconds. Ping does not go through the
// circuit breaker and does not change Stats. A failed Ping is no reason to stop serving:
// pages render without recommendations until Personyze answers, so log it and go on.
func (t *Tracker) Ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	return t.ping(ctx)
}

// ping makes the startup check's GET and classifies its answer.
func (t *Tracker) ping(ctx context.Context) error {
	where := t.cfg.BaseURL + pingPath
	body, err := t.client.Get(ctx, pingPath)
	var se *StatusError
	switch {
	case err == nil:
	case errors.As(err, &se), errors.Is(err, ErrResponseTooLarge), errors.Is(err, ErrMalformedResponse):
		return &pingError{where: where, err: err}
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return fmt.Errorf("personyze: ping: %w", ctx.Err())
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in our message already
		}
		return &pingError{where: where, err: fmt.Errorf("%w: %w", ErrUnreachable, err)}
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '[' {
		return &pingError{where: where, err: fmt.Errorf("%w: answered 2xx, but not with the JSON array Personyze sends (is BaseURL right?)",
			ErrMalformedResponse)}
	}
	return nil
}

// pingError says that the startup check failed, where it went, and why; errors.Is and
// errors.As see the cause (a *StatusError, ErrUnreachable, ...).
type pingError struct {
	where string
	err   error
}

func (e *pingError) Error() string {
	var se *StatusError
	if errors.As(e.err, &se) {
		s := fmt.Sprintf("personyze: startup check GET %s answered %d %s", e.where, se.StatusCode, http.StatusText(se.StatusCode))
		if se.Message != "" {
			s += ": " + se.Message
		}
		switch {
		case se.StatusCode == http.StatusUnauthorized:
			s += ` (the API key is wrong or revoked: copy the "Full-featured API" key from Personyze Settings → Integrations)`
		case se.StatusCode == http.StatusNotFound:
			s += " (is Config.BaseURL Personyze's REST base, " + defaultBaseURL + "?)"
		}
		return s
	}
	return "personyze: startup check GET " + e.where + ": " + strings.TrimPrefix(e.err.Error(), "personyze: ")
}

func (e *pingError) Unwrap() error { return e.err }
