package delivery

import (
	"sync"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// reportHold is how long automatic statuses wait for the visitor's next call.
const reportHold = 15 * time.Second

// maxHeldVisitors bounds the visitors with held statuses; past it, statuses are sent at
// once. maxHeldReports bounds one visitor's held statuses (past it, the oldest are
// dropped).
const (
	maxHeldVisitors = 10000
	maxHeldReports  = 32
)

// Held holds automatic action statuses ("executed", "dont-show") until the visitor's next
// call, on which they ride for free; what waits longer than reportHold, or is still held at
// Close, goes out on its own through send (the queue's Enqueue). Why they are held, and what
// that saves, is told in core's reports.go.
type Held struct {
	// Wait is how long statuses wait for the visitor's next call (reportHold; tests
	// shorten it). Set it before the first Hold.
	Wait   time.Duration
	mu     sync.Mutex
	byUser map[uint32]*heldEntry
	send   func(*wire.Request)
	closed bool
}

// heldEntry is one visitor's held statuses and the timer that sends them on their own.
type heldEntry struct {
	req   *wire.Request
	timer *time.Timer
}

// NewHeld returns an empty Held that sends what it gives up with send.
func NewHeld(send func(*wire.Request)) *Held {
	return &Held{Wait: reportHold, byUser: map[uint32]*heldEntry{}, send: send}
}

// Hold keeps req's commands for the visitor's next call, or sends them after reportHold.
func (h *Held) Hold(req *wire.Request) {
	h.mu.Lock()
	e, ok := h.byUser[req.UserID]
	switch {
	case h.closed || (!ok && len(h.byUser) >= maxHeldVisitors):
		h.mu.Unlock()
		h.send(req)
		return
	case ok:
		cmds, joined := wire.Join(e.req.Commands, req.Commands)
		if !joined {
			// Two pages' statuses of one action (two tabs, a page that made no call):
			// with no Navigate between them the SDKs' rule would drop the second, so the
			// earlier page's go now and the later page's wait for the next call.
			earlier := e.req
			e.req = req
			h.mu.Unlock()
			h.send(earlier)
			return
		}
		req.Commands = cmds[max(0, len(cmds)-maxHeldReports):]
		e.req = req // the newest visitor fields and session id
	default:
		e = &heldEntry{req: req}
		e.timer = time.AfterFunc(h.Wait, func() { h.release(req.UserID, e) })
		h.byUser[req.UserID] = e
	}
	h.mu.Unlock()
}

// release sends e's statuses if they are still held.
func (h *Held) release(user uint32, e *heldEntry) {
	h.mu.Lock()
	if h.byUser[user] != e {
		h.mu.Unlock()
		return
	}
	delete(h.byUser, user)
	req := e.req
	h.mu.Unlock()
	h.send(req)
}

// RideOn moves the visitor's held statuses into req, a call about to be made, ahead of its
// own commands: they belong to the previous page, whose impressions come before the clicks
// this page reports (a followed recommendation's "product" status), as the SDKs send them.
// Statuses that cannot precede req's under the SDKs' duplicate rule (this page reports an
// "executed" the previous page reported too) are sent on their own instead. Held
// statuses are kept per user_id, so another identity's never ride on this call.
func (h *Held) RideOn(req *wire.Request) {
	if len(req.Commands) == 0 {
		return // statuses never cause a page to wait for a call it would not make
	}
	h.mu.Lock()
	e, ok := h.byUser[req.UserID]
	if ok {
		delete(h.byUser, req.UserID)
		e.timer.Stop()
	}
	h.mu.Unlock()
	if !ok {
		return
	}
	cmds, ok := wire.Join(e.req.Commands, req.Commands)
	if !ok {
		h.send(e.req)
		return
	}
	req.Commands = cmds
}

// Forget drops the statuses held for user: the visitor withdrew consent or asked to be
// forgotten, so what their last page showed is not sent later either.
func (h *Held) Forget(user uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byUser[user]; ok {
		e.timer.Stop()
		delete(h.byUser, user)
	}
}

// Close sends everything held and makes later statuses go out at once.
func (h *Held) Close() {
	h.mu.Lock()
	h.closed = true
	held := h.byUser
	h.byUser = map[uint32]*heldEntry{}
	h.mu.Unlock()
	for _, e := range held {
		e.timer.Stop()
		h.send(e.req)
	}
}

// Len returns the number of visitors with held statuses.
func (h *Held) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byUser)
}
