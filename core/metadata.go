package core

import (
	"slices"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// campaign is a matched condition: its id and, when the metadata was known, its name.
type campaign struct {
	id   int64
	name string
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

// Campaigns returns the names of the campaigns (Personyze conditions) the visitor matched on
// this page, in Personyze's order. A campaign whose name was not known in time (its
// metadata is loading) is left out; it appears on a later page.
func (v *Visit) Campaigns() []string {
	v.flush()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ctl.read = true
	out := make([]string, 0, len(v.ext.campaigns))
	for _, c := range v.ext.campaigns {
		if c.name != "" {
			out = append(out, c.name)
		}
	}
	return out
}

// InCampaign reports whether the visitor matched the campaign with this name (as shown in
// Personyze's dashboard, compared exactly), for handlers and templates:
//
//	{{if .Personyze.InCampaign "Summer sale"}}<p class="sale">Sale!</p>{{end}}
func (v *Visit) InCampaign(name string) bool {
	return name != "" && slices.Contains(v.Campaigns(), name)
}
