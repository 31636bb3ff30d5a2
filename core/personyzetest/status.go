package personyzetest

import (
	"slices"
	"strconv"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
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

// DuplicateStatuses returns the "Action Status" reports of r that Personyze's SDKs never
// send, in order: before queuing a report they walk the queued commands back to the last
// Navigate and drop it when a report for the same action has the same status, or when it
// is "executed" and any report for the action is there. A report after another status of
// its action, or the same status twice, within one page, reaches Personyze out of the
// order things happened (an impression after the click it caused) or as a duplicate the
// service may ignore: a client's tests can assert that no call has one. The simulator
// itself processes such reports like any other. Uses the library's own rule.
func (r Request) DuplicateStatuses() []Command {
	cmds := make([]wire.Command, len(r.Commands))
	for i, c := range r.Commands {
		cmds[i] = c.ruleForm()
	}
	var out []Command
	for _, i := range wire.DuplicateStatuses(cmds) {
		out = append(out, r.Commands[i])
	}
	return out
}

// ruleForm is what the duplicate rule looks at in c: whether it is a Navigate, and the
// action id and status of a 4-element "Action Status".
func (c Command) ruleForm() wire.Command {
	spec, _ := lookupCommand(c.Name)
	switch {
	case spec.kind == kindNavigate && spec.canonical != "":
		return wire.Command{Name: spec.canonical, Navigate: true}
	case spec.kind == kindActionStatus && len(c.Args) == 3:
		id, _ := actionIDArg(c.Args[0])
		status, _ := c.Args[1].(string)
		return wire.Command{Name: spec.canonical, Args: []string{strconv.FormatInt(id, 10), status, ""}}
	}
	return wire.Command{Name: c.Name}
}
