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
// the wire format, for the panel. A JSON-format action's items are shown as
// the array they encode rather than as one long escaped string.
type actionView struct {
	ID   int64                      `json:"id"`
	Data map[string]json.RawMessage `json:"data"`
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
		view := actionView{ID: a.ID, Data: make(map[string]json.RawMessage, len(a.Data))}
		for k, v := range a.Data {
			if items := "[" + v + "]"; k == "data" && a.IsJSON() && json.Valid([]byte(items)) {
				view.Data[k] = json.RawMessage(items)
				continue
			}
			view.Data[k], _ = json.Marshal(v) // a string always marshals
		}
		out.Actions = append(out.Actions, view)
	}
	return out
}
