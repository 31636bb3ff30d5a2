package core

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// visitExt is what a Visit keeps for campaigns and action statuses.
type visitExt struct {
	campaigns []campaign
	// reports are the automatic action statuses of this page (executed, dont-show): they
	// ride on the visitor's next call (see delivery.Held).
	reports []Command
	// keep: the cookie must be saved even if this request makes no call (it remembers a
	// closed action or a new session asked for).
	keep bool
	// inStore: the cookie sent says the page's statuses wait in the VisitorStore
	// (markHeld), so they are held there.
	inStore bool
}

// Action Status reporting, and what each report costs.
//
// A visitor's click reaches the server as the next request: a followed recommendation link
// ("pz=<action id>") makes the product or article view that the page tracks report
// "product"/"article" with the item's id, and a followed link of an HTML action ("pz=t<id>",
// see Visit.Placeholder) reports "target". Both travel in that page's own call: free.
//
// "executed" is known only while the page renders, after its call, and "dont-show" when the
// answer arrives. Sending them at once would cost one more call per page view. Instead they
// ride on the visitor's next call (their next page view is typically seconds away), held in
// memory per visitor (delivery.Held), or in a HeldReportStore for the next call on any
// instance (heldshare.go): a visitor who makes no further call within the hold gets them
// sent in the background then, and Tracker.Close sends what is held. So a visit
// of n pages costs n calls plus at most one, instead of 2n.

// duplicateStatus applies the SDKs' rule before queuing status report c after queued (see
// wire.DuplicateStatus).
func duplicateStatus(queued []Command, c Command) bool {
	return wire.DuplicateStatus(queued, c, Command.wireForm)
}

// add queues c for the page's call (open phase) or for after it. A product or article view
// on a page reached through a recommendation link gets the link's action id and adds the
// "product"/"article" status with the item's id. Callers hold v.mu.
func (v *Visit) add(c Command) {
	list := &v.queued
	if v.phase != phaseOpen {
		list = &v.late
	}
	if duplicateStatus(*list, c) {
		return
	}
	var click Command
	if v.actionID > 0 && (c.kind == cmdItem || c.kind == cmdBulk) && c.w.ActionID == 0 {
		switch c.w.Name {
		case cmdProductViewed:
			click = ActionStatus(v.actionID, statusProduct, c.w.Args[0])
		case cmdArticleViewed:
			click = ActionStatus(v.actionID, statusArticle, c.w.Args[0])
		}
		c = c.WithAction(v.actionID)
	}
	*list = append(*list, c)
	if click.w.Name != "" && !duplicateStatus(*list, click) {
		*list = append(*list, click)
	}
}

// report records an automatic status (executed, dont-show) of this page for the visitor's
// next call, under the duplicate rule.
func (v *Visit) report(c Command) {
	if c.Err() != nil {
		return
	}
	v.mu.Lock()
	if v.mode != modeActive || duplicateStatus(v.ext.reports, c) || (v.phase == phaseOpen && duplicateStatus(v.queued, c)) {
		v.mu.Unlock()
		return
	}
	var held *wire.Request
	if v.phase == phaseEnded {
		held = v.request([]Command{c}, false)
	} else {
		v.ext.reports = append(v.ext.reports, c)
	}
	inStore := v.ext.inStore
	v.mu.Unlock()
	if held != nil {
		v.t.holdReports(held, inStore)
	}
}

// takeReports returns the request for this page's automatic statuses, or nil. Callers hold
// v.mu.
func (v *Visit) takeReports() *wire.Request {
	if len(v.ext.reports) == 0 {
		return nil
	}
	req := v.request(v.ext.reports, false)
	v.ext.reports = nil
	return req
}

// sendAfterEnd delivers what a page left after its call: the late commands in the
// background, with the automatic statuses riding along; statuses alone are held for the
// visitor's next call (in the VisitorStore when inStore, see markHeld).
func (t *Tracker) sendAfterEnd(late, reports *wire.Request, inStore bool) {
	var joined []wire.Command
	ok := late != nil && reports != nil
	if ok {
		joined, ok = wire.Join(late.Commands, reports.Commands)
	}
	switch {
	case ok:
		late.Commands = joined
		t.enqueue(late)
	case late != nil && reports != nil:
		// The page's statuses would break the SDKs' duplicate rule after its late events
		// (a late view's click status of an action the page also showed): they wait for
		// the visitor's next call.
		t.enqueue(late)
		t.holdReports(reports, inStore)
	case late != nil:
		t.enqueue(late)
	case reports != nil:
		t.holdReports(reports, inStore)
	}
}

// beginClick reads a followed HTML action link ("pz=t<id>", see Visit.Placeholder) and
// queues its "target" status for the page's call.
func (v *Visit) beginClick() {
	id := targetOf(v.r.URL.RawQuery, v.t.cfg.AttributionParam)
	if id > 0 {
		v.queued = append(v.queued, ActionStatus(id, statusTarget, ""))
	}
}

// targetOf reads a "t<id>" attribution value from a raw query; 0 if there is none.
func targetOf(rawQuery, param string) int64 {
	rest, ok := strings.CutPrefix(queryParam(rawQuery, param), "t")
	if !ok {
		return 0
	}
	n, _ := parseAttribution(rest)
	return n
}

// maxBlocked bounds the actions a visitor's cookie remembers as closed; maxCloseSessions
// bounds how long one stays closed.
const (
	maxBlocked       = 16
	maxCloseSessions = 100
)

// blockedAction is one entry of the visitor's closed actions: hidden for n more sessions.
type blockedAction struct {
	id int64
	n  int
}

// parseBlocked reads the cookie form "id:n,id:n"; bad entries are skipped.
func parseBlocked(s string) []blockedAction {
	if s == "" {
		return nil
	}
	var out []blockedAction
	for part := range strings.SplitSeq(s, ",") {
		a, b, ok := strings.Cut(part, ":")
		id, err1 := strconv.ParseInt(a, 10, 64)
		n, err2 := strconv.Atoi(b)
		if ok && err1 == nil && err2 == nil && id > 0 && id <= maxActionID && n > 0 && len(out) < maxBlocked {
			out = append(out, blockedAction{id, min(n, maxCloseSessions)})
		}
	}
	return out
}

// formatBlocked writes the cookie form, keeping the newest maxBlocked entries.
func formatBlocked(bs []blockedAction) string {
	bs = bs[max(0, len(bs)-maxBlocked):]
	var b strings.Builder
	for i, x := range bs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(x.id, 10))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(x.n))
	}
	return b.String()
}

// blockedIn reports whether action id is closed in the cookie form s.
func blockedIn(s string, id int64) bool {
	if s == "" {
		return false
	}
	for _, b := range parseBlocked(s) {
		if b.id == id {
			return true
		}
	}
	return false
}

// countDownBlocked counts a new session against every closed action, as the SDKs do; an
// action whose count reaches 0 shows again. Callers hold v.mu.
func (v *Visit) countDownBlocked() {
	if v.state.Blocked == "" {
		return
	}
	var keep []blockedAction
	for _, b := range parseBlocked(v.state.Blocked) {
		if b.n > 1 {
			keep = append(keep, blockedAction{b.id, b.n - 1})
		}
	}
	v.state.Blocked = formatBlocked(keep)
}

// CloseAction reports that the visitor closed (dismissed) action id: ["Action Status",
// "<id>", "close", "<sessions>"]. With sessions > 0 the action is also hidden from this
// visitor for that many sessions (at most 100): its id is remembered in the cookie session,
// each new Personyze session counts it down, and while it lasts the action is left out of
// the visitor's results and Personyze is told "dont-show". Call it from the handler that
// serves the visitor's close button, before the response is written (the cookie must still
// be open); the cookie remembers at most 16 closed actions, the newest.
func (v *Visit) CloseAction(id int64, sessions int) error {
	sessions = max(0, min(sessions, maxCloseSessions))
	if err := v.Track(ActionStatus(id, statusClose, strconv.Itoa(sessions))); err != nil {
		return err
	}
	if sessions == 0 {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != modeActive {
		return nil
	}
	if v.headerSent() {
		v.t.counters.lateCookie.Add(1)
		return fmt.Errorf("%w: CloseAction(%d) after the response header was sent: the close was reported but the visitor's cookie cannot remember it", ErrTooLate, id)
	}
	var bs []blockedAction
	for _, b := range parseBlocked(v.state.Blocked) {
		if b.id != id {
			bs = append(bs, b)
		}
	}
	v.state.Blocked = formatBlocked(append(bs, blockedAction{id, sessions}))
	v.dirty, v.ext.keep = true, true
	kept := v.actions[:0:0]
	for _, a := range v.actions {
		if a.ID != id {
			kept = append(kept, a)
		}
	}
	v.actions, v.items = kept, nil
	return nil
}

// reportShown reports "executed" for each of actions that has items: the page read them to
// render them.
func (v *Visit) reportShown(actions ...*Action) {
	for _, a := range actions {
		if len(a.Items()) > 0 {
			v.report(ActionStatus(a.ID, statusExecuted, ""))
		}
	}
}
