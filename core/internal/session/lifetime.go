package session

import (
	"strconv"
	"strings"
	"time"
)

const (
	// length is how long a Personyze session lasts from its start (see the wire package
	// documentation, Sessions).
	length = 90 * time.Minute
	// margin asks for a new session a little before the server would start one.
	margin = 5 * time.Second
	// maxPastSessions is how many past session start times are kept, as Android does.
	maxPastSessions = 12
)

// Start returns the Unix start time that leads a Personyze session id: the leading decimal
// digits. Anything unparsable is 0, which forces a new session.
func Start(id string) int64 {
	end := 0
	for end < len(id) && end < 19 && id[end] >= '0' && id[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(id[:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// NeedsNew applies the 90-minute rule: a new session when there is none or when its start
// + 90 min - 5 s is not in the future (see the wire package documentation, Sessions).
func NeedsNew(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	start := Start(id)
	return start <= 0 || !time.Unix(start, 0).Add(length-margin).After(now)
}

// AppendPast appends start to the comma-separated list of past session starts, keeping
// the newest 12.
func AppendPast(list string, start int64) string {
	s := strconv.FormatInt(start, 10)
	if list == "" {
		return s
	}
	parts := append(strings.Split(list, ","), s)
	if len(parts) > maxPastSessions {
		parts = parts[len(parts)-maxPastSessions:]
	}
	return strings.Join(parts, ",")
}
