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
	if body := c.RequestJSON(); body != nil {
		d.Sent = prettyJSON(body)
	}
	if body := c.ResponseJSON(); body != nil {
		d.Received = prettyJSON(expandItems(body))
	}
	return d
}

// expandItems shows a JSON-format action's items as the array they encode rather than as
// one long escaped string: data.data holds the body of a JSON array.
func expandItems(body []byte) []byte {
	var resp map[string]json.RawMessage
	if json.Unmarshal(body, &resp) != nil {
		return body
	}
	var actions []map[string]json.RawMessage
	if json.Unmarshal(resp["actions"], &actions) != nil {
		return body
	}
	for _, a := range actions {
		var data map[string]json.RawMessage
		if json.Unmarshal(a["data"], &data) != nil {
			continue
		}
		var items string
		if json.Unmarshal(data["data"], &items) == nil && json.Valid([]byte("["+items+"]")) {
			data["data"] = json.RawMessage("[" + items + "]")
			a["data"], _ = json.Marshal(data)
		}
	}
	resp["actions"], _ = json.Marshal(actions)
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}
