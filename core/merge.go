package core

import (
	"slices"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

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
func (v *Visit) applyResult(req *wire.Request, resp *wire.Response, actions []*Action, camps []campaign) {
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
	prev := t.stale.get(v.facts.UserID)
	res := result{actions: actions, campaigns: camps}
	if prev != nil && !slices.ContainsFunc(req.Commands, func(c wire.Command) bool { return c.Navigate }) {
		res = merge(*prev, res, resp.DismissActions, resp.DismissConditions)
		res.actions = v.openActions(res.actions) // closed since the earlier result
	}
	v.actions, v.ext.campaigns = res.actions, res.campaigns
	if len(res.actions) > 0 || len(res.campaigns) > 0 || prev != nil {
		t.stale.put(v.facts.UserID, res, len(resp.Body))
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
