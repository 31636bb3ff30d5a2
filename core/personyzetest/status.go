package personyzetest

import (
	"slices"
	"time"
)

// Action statuses an "Action Status" command may carry, as Personyze's SDKs send them.
const (
	StatusExecuted = "executed"  // the action was shown; the argument is ignored ("")
	StatusTarget   = "target"    // a click on the action's call to action
	StatusClose    = "close"     // dismissed; the argument is the number of sessions to hide it
	StatusProduct  = "product"   // a click on a product inside the action; the argument is its id
	StatusArticle  = "article"   // a click on an article inside the action; the argument is its id
	StatusError    = "error"     // the client could not show it; the argument is the reason
	StatusDontShow = "dont-show" // the client hides it (close for n sessions); no argument
)

// ActionStatus is one "Action Status" report as the simulator recorded it for a visitor:
// ["Action Status", "<id>", status, arg], or the 3-element dont-show form.
type ActionStatus struct {
	ActionID int64
	// Status is one of the Status* constants.
	Status string
	// Arg is the argument as text ("" for dont-show): the session count of a close, the
	// item id of a product or article click, the reason of an error.
	Arg string
	// SessionID is the session the report arrived in (the session_id the simulator
	// answered that request with), so tests can count sessions for "close".
	SessionID string
	// Time is when the request arrived, by Options.Clock.
	Time time.Time
}

// recordStatus appends the status report c (validated) to the visitor's list.
func (v *visitor) recordStatus(c Command, session string, now time.Time) {
	id, _ := actionIDArg(c.Args[0])
	st := ActionStatus{ActionID: id, Status: c.Args[1].(string), SessionID: session, Time: now}
	if len(c.Args) == 3 {
		st.Arg = scalarString(c.Args[2])
	}
	if len(v.statuses) >= maxItemsPerList {
		v.listBytes -= statusBytes(v.statuses[0])
		v.statuses = slices.Delete(v.statuses, 0, 1)
	}
	v.statuses = append(v.statuses, st)
	v.listBytes += statusBytes(st)
}

// ActionStatuses returns the "Action Status" reports the simulator processed for
// userID, oldest first (at most 1000; older ones are dropped). Reports in requests that
// were refused (401, 500, faults that bypass the service) are not included.
func (s *Server) ActionStatuses(userID uint32) []ActionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.visitors[userID]
	if !ok {
		return nil
	}
	return slices.Clone(v.statuses)
}
