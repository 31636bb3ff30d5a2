package core

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// callResult is what the background goroutine of a page call hands to the page.
type callResult struct {
	resp *Response
	err  error
}

// flush makes the page's tracker call, once.
func (v *Visit) flush() {
	if v.t == nil {
		return
	}
	v.flushOnce.Do(v.doFlush)
}

func (v *Visit) doFlush() {
	t := v.t
	v.mu.Lock()
	v.flushed = true
	req := v.request(v.queued, v.kind == KindPage)
	v.queued = nil
	v.mu.Unlock()
	if len(req.Commands) == 0 {
		v.finish(nil, OutcomeSkipped, nil, 0, nil)
		return
	}
	done, err := t.breaker.Allow()
	if err != nil {
		// Personyze has been failing: don't wait for it, deliver the events later.
		t.delivery.enqueue(req)
		v.finish(req, OutcomeBreakerOpen, ErrBreakerOpen, 0, nil)
		return
	}
	t.counters.calls.Add(1)
	start := time.Now()
	results := make(chan callResult, 1)
	t.delivery.add()
	t.delivery.calls.Add(1)
	go v.t.callInBackground(req, results)

	timer := time.NewTimer(t.cfg.Timeout)
	defer timer.Stop()
	select {
	case res := <-results:
		done(res.err)
		v.finish(req, outcomeOf(res.err), res.err, time.Since(start), res.resp)
	case <-timer.C:
		done(ErrTimeout) // slow is failing, for the breaker
		v.finish(req, OutcomeTimeout, ErrTimeout, time.Since(start), nil)
	case <-v.r.Context().Done():
		err := v.r.Context().Err()
		done(err) // excluded from the breaker's counts
		v.finish(req, OutcomeCanceled, err, time.Since(start), nil)
	}
}

// callInBackground makes the call on a context detached from the visitor's request, so
// leaving the page or exceeding the budget never abandons the events it carries: a call
// that fails in a retryable way goes to background delivery.
func (t *Tracker) callInBackground(req *Request, results chan<- callResult) {
	defer t.delivery.calls.Done()
	var res callResult
	func() {
		defer func() {
			if p := recover(); p != nil { // a bug must not take the server down
				res = callResult{err: fmt.Errorf("personyze: panic in tracker call: %v", p)}
			}
		}()
		ctx, cancel := t.delivery.callContext()
		defer cancel()
		res.resp, res.err = t.client.Send(ctx, req)
	}()
	results <- res
	t.delivery.settle(&job{req: req, attempts: 1}, res.err)
}

// finish records the result of the page's call on the Visit.
func (v *Visit) finish(req *Request, o Outcome, err error, d time.Duration, resp *Response) {
	t := v.t
	t.counters.outcomes[o].Add(1)
	if req != nil && o != OutcomeBreakerOpen {
		t.counters.observe(d)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.outcome, v.err = o, err
	v.call = Call{Request: req, Response: resp, Outcome: o, Err: err, Duration: d}
	if resp != nil {
		v.actions = resp.Actions
		v.updateSession(resp.SessionID)
		if len(resp.Actions) > 0 {
			t.stale.put(v.facts.UserID, resp.Actions)
		}
		return
	}
	if o.Failed() {
		if a := t.stale.get(v.facts.UserID); a != nil {
			v.actions, v.stale = a, true
		}
		if o != OutcomeCanceled {
			t.logs.log(t.log, slog.LevelWarn, "call:"+o.String(), "personyze: page rendered without fresh recommendations",
				failureAttrs(t, o, err, d, v.stale)...)
		}
	}
}

// updateSession keeps the latest session id and records each new session start.
// Callers hold v.mu.
func (v *Visit) updateSession(id string) {
	if id == "" || id == v.state.SessionID {
		return
	}
	if start := sessionStart(id); start > 0 && start != sessionStart(v.state.SessionID) {
		v.state.PastSessions = appendPastSession(v.state.PastSessions, start)
	}
	v.state.SessionID = id
	if v.cookieDone && !v.dirty {
		// Only possible when the call outlived the header (a streaming handler that read
		// recommendations after writing): the next page carries the old id, which
		// Personyze accepts, but count it so it can be seen.
		v.t.counters.lateCookie.Add(1)
	}
	v.dirty = true
}

// failureAttrs are the attributes of a failed page call's log line, chosen so that one
// line explains an incident: what happened (outcome, HTTP status, error), what it cost the
// page (waited), what the visitor got (stale) and whether the breaker now shields pages.
// Nothing visitor-identifying and never the key (errors never carry it).
func failureAttrs(t *Tracker, o Outcome, err error, d time.Duration, stale bool) []slog.Attr {
	attrs := []slog.Attr{slog.String("outcome", o.String()), slog.String("error", errString(err)),
		slog.Duration("waited", d), slog.Bool("stale", stale), slog.String("breaker", t.breaker.State().String())}
	var se *StatusError
	if errors.As(err, &se) {
		attrs = append(attrs, slog.Int("status", se.StatusCode))
		if se.RetryAfter > 0 {
			attrs = append(attrs, slog.Duration("retry_after", se.RetryAfter))
		}
	}
	return attrs
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
