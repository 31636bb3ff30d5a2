package wire

// Names in the SDKs' duplicate rule.
const (
	actionStatus   = "Action Status"
	statusExecuted = "executed"
)

// DuplicateStatus applies the de-duplication Personyze's SDKs apply before queuing an
// "Action Status" report c after the commands queued (oldest first): walking them from the
// newest back to the last Navigate, c is dropped when a report for the same action has the
// same status, or when c is "executed" and any report for the action is there. Only the
// SDKs' 4-element reports take part (the 3-element "dont-show" does not). So the SDKs
// never send "executed" after another status of the same action, nor one status twice,
// within one page: a client that does has Personyze count an impression after the click
// it caused, or not at all. of gives the wire form of a queued element, so that callers
// keep their own command type (one rule for the library and for the simulator that checks
// it).
func DuplicateStatus[C any](queued []C, c C, of func(C) Command) bool {
	id, status, ok := statusOf(of(c))
	if !ok {
		return false
	}
	for i := len(queued) - 1; i >= 0; i-- {
		q := of(queued[i])
		if q.Navigate {
			return false
		}
		if qid, qs, ok := statusOf(q); ok && qid == id && (qs == status || status == statusExecuted) {
			return true
		}
	}
	return false
}

// DuplicateStatuses returns the indexes of the reports in cmds, one call's commands in
// order, that DuplicateStatus drops given the commands before them: the reports
// Personyze's SDKs would never send in that order. nil when there is none.
func DuplicateStatuses(cmds []Command) []int {
	var out []int
	for i := range cmds {
		if DuplicateStatus(cmds[:i], cmds[i], same) {
			out = append(out, i)
		}
	}
	return out
}

// Join returns prev followed by next in a new slice, for one call; ok is false when a
// report of next is one DuplicateStatus drops after what precedes it. Each list is taken
// to keep the rule on its own.
func Join(prev, next []Command) (_ []Command, ok bool) {
	if !Follows(prev, next) {
		return nil, false
	}
	all := make([]Command, 0, len(prev)+len(next))
	return append(append(all, prev...), next...), true
}

// Follows reports whether next may follow prev in one call: no report of next is one
// DuplicateStatus drops after what precedes it in prev followed by next. It allocates
// nothing, for callers that build the joined list themselves.
func Follows(prev, next []Command) bool {
	for i, c := range next {
		id, status, ok := statusOf(c)
		if !ok {
			continue
		}
		if dup, navigated := dupBefore(next[:i], id, status); dup {
			return false
		} else if navigated {
			continue
		}
		if dup, _ := dupBefore(prev, id, status); dup {
			return false
		}
	}
	return true
}

// dupBefore walks cmds from the newest back to the last Navigate: dup is DuplicateStatus's
// verdict for a report (id, status) queued after them, navigated whether a Navigate ended
// the walk (the commands before it do not count).
func dupBefore(cmds []Command, id, status string) (dup, navigated bool) {
	for i := len(cmds) - 1; i >= 0; i-- {
		q := cmds[i]
		if q.Navigate {
			return false, true
		}
		if qid, qs, ok := statusOf(q); ok && qid == id && (qs == status || status == statusExecuted) {
			return true, false
		}
	}
	return false, false
}

func same(c Command) Command { return c }

// statusOf returns the action id and status of a 4-element "Action Status" command; ok is
// false for anything else.
func statusOf(c Command) (id, status string, ok bool) {
	if c.Name != actionStatus || len(c.Args) != 3 {
		return "", "", false
	}
	return c.Args[0], c.Args[1], true
}
