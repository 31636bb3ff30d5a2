package shop

import "github.com/gopersonyze/personyze/core"

// DebugInfo is what the footer's debug panel shows about this request's
// Personyze call.
type DebugInfo struct {
	Outcome  string
	Err      string
	Stale    bool
	Items    int
	Sent     string // request body, indented JSON
	Received string // response body, indented JSON
}

// debugInfo reads the visit's last call for the debug panel. The layout calls
// it after the recommendations block, so the call has been made by then.
func debugInfo(v *core.Visit) DebugInfo {
	d := DebugInfo{Outcome: v.Outcome().String(), Stale: v.Stale(), Items: len(v.Items())}
	if err := v.Err(); err != nil {
		d.Err = err.Error()
	}
	return d
}
