package core

import (
	"slices"
)

// campaign is a matched condition: its id and, when the metadata was known, its name.
type campaign struct {
	id   int64
	name string
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
