package shop

import (
	"encoding/json"
	"time"

	"github.com/gopersonyze/personyze/core"
)

// DebugInfo is what the footer's debug panel shows about this request's
// Personyze call.
type DebugInfo struct {
	Outcome  string
	Err      string
	Stale    bool
	Items    int
	Waited   time.Duration
	Sent     string // request body, indented JSON
	Received string // decoded response, indented JSON
}

// debugInfo reads the visit's call for the debug panel. The layout calls it
// after the recommendations block, so the call has been made by then.
func debugInfo(v *core.Visit) DebugInfo {
	c := v.Call()
	d := DebugInfo{Outcome: v.Outcome().String(), Stale: v.Stale(), Items: len(v.Items()), Waited: c.Duration}
	if err := v.Err(); err != nil {
		d.Err = err.Error()
	}
	if c.Request != nil {
		d.Sent = prettyJSON(c.Request.AppendJSON(nil))
	}
	if c.Response != nil {
		if b, err := json.Marshal(responseView(c.Response)); err == nil {
			d.Received = prettyJSON(b)
		}
	}
	return d
}

// actionView and responseJSON give the decoded response the field names of
// the wire format, for the panel.
type actionView struct {
	ID   int64             `json:"id"`
	Data map[string]string `json:"data"`
}

type responseJSON struct {
	SessionID         string       `json:"session_id"`
	CacheVersion      int64        `json:"cache_version"`
	Conditions        []int64      `json:"conditions"`
	Actions           []actionView `json:"actions"`
	DismissConditions []int64      `json:"dismiss_conditions,omitempty"`
	DismissActions    []int64      `json:"dismiss_actions,omitempty"`
}

func responseView(r *core.Response) responseJSON {
	out := responseJSON{
		SessionID: r.SessionID, CacheVersion: r.CacheVersion, Conditions: r.Conditions,
		DismissConditions: r.DismissConditions, DismissActions: r.DismissActions,
	}
	for _, a := range r.Actions {
		out.Actions = append(out.Actions, actionView{ID: a.ID, Data: a.Data})
	}
	return out
}
