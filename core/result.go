package core

import (
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// What the page call's answer does to the Visit: finish publishes it (or, when the call
// failed, the visitor's last good recommendations), results decodes its actions and
// campaigns, updateSession keeps its session id, and applyResult merges it with what the
// visitor already had.

// finish records the result of the page's call on the Visit.
func (v *Visit) finish(req *wire.Request, o Outcome, err error, d time.Duration, resp *wire.Response) {
	t := v.t
	t.counters.outcomes[o].Add(1)
	if req != nil && o != OutcomeBreakerOpen && d > 0 {
		t.counters.observe(d)
	}
	var actions []*Action
	var camps []campaign
	if resp != nil {
		actions, camps = v.results(resp, v.callBudget()-d)
	}
	// The visitor's last result, for a merge or the stale recommendations; read before
	// locking, as it may come from Config.VisitorStore.
	var prev *result
	switch {
	case resp != nil && hasNavigate(req):
		prev = t.stale.get(v.facts.UserID) // replaced: only whether there was one matters
	case resp != nil:
		prev = v.lastResult(t.cfg.Timeout - d)
	case resp == nil && o.Failed():
		prev = v.lastResult(t.cfg.Timeout - d)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.call = Call{req: req, Outcome: o, Err: err, Duration: d}
	if o == OutcomeTimeout {
		v.markLate()
	}
	if resp != nil {
		v.call.body = resp.Body
		v.updateSession(resp.SessionID)
		if v.headerSent() {
			t.shareSession(v.facts.UserID, resp.SessionID) // the cookie went out before it (streamed)
		}
		if v.state.Late != 0 {
			v.state.Late, v.dirty = 0, true // this answer is newer than the one the mark waited for
		}
		v.applyResult(req, resp, actions, camps, prev)
		return
	}
	if o.Failed() {
		if a := prev; a != nil && len(a.actions)+len(a.campaigns) > 0 {
			v.actions, v.ext.campaigns, v.stale = v.openActions(a.actions), a.campaigns, true
		}
		if o != OutcomeCanceled {
			t.logs.log(t.log, slog.LevelWarn, "call:"+o.String(), "personyze: page rendered without fresh recommendations",
				failureAttrs(t, o, err, d, v.stale)...)
		}
	}
}

// results turns an answer into actions and campaigns with their metadata, waiting for
// metadata not cached at most for left (what remains of the page's budget) and never past
// the request's own end. What was not known in time is fetched in the background for later
// pages: JSON actions still work without it (by the seed's rule); HTML actions and campaign
// names wait for it.
func (v *Visit) results(resp *wire.Response, left time.Duration) ([]*Action, []campaign) {
	t := v.t
	t.meta.Observe(resp.CacheVersion)
	if len(resp.Actions) == 0 && len(resp.Conditions) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(resp.Actions))
	for i, a := range resp.Actions {
		ids[i] = a.ID
	}
	snap := t.meta.Resolve(v.r.Context(), left, ids, resp.Conditions)
	if snap.Missing > 0 {
		t.counters.metaIncomplete.Add(1)
	}
	actions := make([]*Action, 0, len(resp.Actions))
	for _, w := range resp.Actions {
		a := &Action{ID: w.ID, Data: w.Data, meta: snap.Actions[w.ID]}
		if a.meta != nil {
			for _, p := range a.meta.Placeholders {
				if pl := snap.Placeholder(p); pl != nil {
					a.places = append(a.places, pl)
				}
			}
		}
		actions = append(actions, a)
	}
	camps := make([]campaign, 0, len(resp.Conditions))
	for _, id := range resp.Conditions {
		c := campaign{id: id}
		if m := snap.Conditions[id]; m != nil {
			c.name = m.Name
		}
		camps = append(camps, c)
	}
	return actions, camps
}

// updateSession keeps the latest session id, and the user_id it belongs to, and records
// each new session start. Callers hold v.mu.
func (v *Visit) updateSession(id string) {
	if id == "" || (id == v.state.SessionID && v.state.SessionUser == v.facts.UserID) {
		return
	}
	changed := id != v.state.SessionID
	if start := session.Start(id); start > 0 && start != session.Start(v.state.SessionID) {
		v.state.PastSessions = session.AppendPast(v.state.PastSessions, start)
		v.countDownBlocked()
	}
	v.state.SessionID, v.state.SessionUser = id, v.facts.UserID // id is a copy of the answer's text (see Tracker.send): the cookie and caches keep it
	if v.headerSent() {
		if !changed {
			return // only its owner learnt: the next call of this cookie learns it again
		}
		// Only possible when the call outlived the header (a streaming handler that read
		// recommendations after writing): the next page carries the old id, which
		// Personyze accepts, but count it so it can be seen.
		v.t.counters.lateCookie.Add(1)
		return
	}
	v.dirty = true
}

// campaign is a matched condition: its id and, when the metadata was known, its name.
type campaign struct {
	id   int64
	name string
}

// maxMerged bounds the actions and campaigns a merged result keeps.
const maxMerged = 64

// result is a visitor's current actions and campaigns, as the SDKs keep them between calls.
type result struct {
	actions   []*Action
	campaigns []campaign
}

// applyResult makes an answer the visitor's result, as the SDKs do. After a call with a
// Navigate, or without an earlier result, the answer replaces it. After an event-only call
// it is merged: the campaigns and actions not already present are added (an action present
// keeps its data) and the ids in dismiss_conditions and dismiss_actions are removed. Closed
// actions are left out, and Personyze is told "dont-show" for them. The result is kept (in
// the Tracker's bounded per-visitor memory, which also serves while Personyze fails).
// Callers hold v.mu.
func (v *Visit) applyResult(req *wire.Request, resp *wire.Response, actions []*Action, camps []campaign, prev *result) {
	t := v.t
	if v.state.ForceNew {
		// The call carried it (beginCall), and nothing sets it after the call started.
		v.state.ForceNew, v.dirty = false, true
	}
	if v.state.Blocked != "" {
		// As the SDKs do: a closed action in the answer is dropped and reported once.
		actions = slices.DeleteFunc(actions, func(a *Action) bool {
			if !blockedIn(v.state.Blocked, a.ID) {
				return false
			}
			if c := actionDontShow(a.ID); !slices.ContainsFunc(v.ext.reports, func(r Command) bool {
				return r.w.Name == c.w.Name && slices.Equal(r.w.Args, c.w.Args)
			}) {
				v.ext.reports = append(v.ext.reports, c)
			}
			return true
		})
	}
	res := result{actions: actions, campaigns: camps}
	if prev != nil && !hasNavigate(req) {
		res = merge(*prev, res, resp.DismissActions, resp.DismissConditions)
		res.actions = v.openActions(res.actions) // closed since the earlier result
	}
	v.actions, v.ext.campaigns = res.actions, res.campaigns
	if len(res.actions) > 0 || len(res.campaigns) > 0 || prev != nil {
		t.stale.put(v.facts.UserID, res, len(resp.Body))
		t.shareResult(v.facts.UserID, res)
	}
}

// openActions returns actions without the ones the visitor has closed. The slice given is
// left as it is: it may be the Tracker's memory of the visitor, shared with other requests.
// Callers hold v.mu.
func (v *Visit) openActions(actions []*Action) []*Action {
	closed := func(a *Action) bool { return blockedIn(v.state.Blocked, a.ID) }
	if v.state.Blocked == "" || !slices.ContainsFunc(actions, closed) {
		return actions
	}
	return slices.DeleteFunc(slices.Clone(actions), closed)
}

// merge adds what next has that prev lacks, then removes the dismissed ids; both lists stay
// within maxMerged (the newest additions are the ones left out).
func merge(prev, next result, dismissActions, dismissConditions []int64) result {
	out := result{
		actions:   slices.Clone(prev.actions),
		campaigns: slices.Clone(prev.campaigns),
	}
	for _, a := range next.actions {
		if len(out.actions) < maxMerged && !slices.ContainsFunc(out.actions, func(x *Action) bool { return x.ID == a.ID }) {
			out.actions = append(out.actions, a)
		}
	}
	for _, c := range next.campaigns {
		if len(out.campaigns) < maxMerged && !slices.ContainsFunc(out.campaigns, func(x campaign) bool { return x.id == c.id }) {
			out.campaigns = append(out.campaigns, c)
		}
	}
	out.actions = slices.DeleteFunc(out.actions, func(a *Action) bool { return slices.Contains(dismissActions, a.ID) })
	out.campaigns = slices.DeleteFunc(out.campaigns, func(c campaign) bool { return slices.Contains(dismissConditions, c.id) })
	return out
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

// hasNavigate reports whether req carries a page view.
func hasNavigate(req *wire.Request) bool {
	return slices.ContainsFunc(req.Commands, func(c wire.Command) bool { return c.Navigate })
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
