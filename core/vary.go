package core

import (
	"net/http"
	"strings"
)

// addVary adds name to the response's Vary unless a Vary line already names it or is "*"
// (which covers every name). Vary is a comma-separated, case-insensitive list that may be
// spread over several lines: middlewares that each add "Vary: Cookie" (CSRF protection,
// session managers, this library) would otherwise repeat it.
func addVary(h http.Header, name string) {
	for _, line := range h.Values("Vary") {
		for v := range strings.SplitSeq(line, ",") {
			if v = strings.TrimSpace(v); v == "*" || strings.EqualFold(v, name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}
