package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// HeldReportStore is what a VisitorStore also implements to share the held action
// statuses ("executed", "dont-show" of a visitor's last page, see Action Status reporting
// in reports.go) among instances: the visitor's next call takes them on whichever instance
// it lands, and each status is sent exactly once. The library finds it on
// Config.VisitorStore by a type assertion; a store without it keeps them in the instance's
// memory, as without a store. Package core/personyzeredis implements it with a Redis list
// per visitor. An implementation must be safe for concurrent use and should expire what it
// keeps (a day is plenty).
//
// An entry is opaque bytes, unique (it starts with a random token). The instance that
// pushed one removes it after 15 s and sends it only if RemoveHeld removed it; a call that
// took it with TakeHeld carries it instead. So TakeHeld must be atomic (no entry returned
// to two callers, none removed unreturned) and RemoveHeld must say whether this call
// removed the entry.
type HeldReportStore interface {
	// PushHeld appends entry to the list under key.
	PushHeld(ctx context.Context, key string, entry []byte) error
	// TakeHeld removes and returns every entry under key, oldest first, atomically.
	TakeHeld(ctx context.Context, key string) ([][]byte, error)
	// RemoveHeld removes entry from the list under key and reports whether it was there.
	RemoveHeld(ctx context.Context, key string, entry []byte) (bool, error)
}

// heldKey is the key of a visitor's held statuses in the HeldReportStore.
func heldKey(user uint32) string { return "h:" + strconv.FormatUint(uint64(user), 10) }

// heldToken is the length of the random token that starts an entry (hex).
const heldToken = 16

// maxHeldTaken bounds the entries one call takes into its request; more (a store that
// someone else filled) go out in the background.
const maxHeldTaken = 16

// sharedHeld is the Tracker's side of a HeldReportStore: the statuses this instance pushed
// and will send itself unless a call took them (pending), the pushes in flight, and the
// take on a request's path.
type sharedHeld struct {
	t       *Tracker
	s       HeldReportStore
	mu      sync.Mutex
	pending map[*pendingHeld]struct{}
	closed  bool
	pushes  chan struct{} // slots of the pushes in flight (storeWrites)
	wg      sync.WaitGroup
}

// pendingHeld is one page's statuses pushed to the store, and the timer that sends them
// if no call took them.
type pendingHeld struct {
	req   *wire.Request
	entry []byte
	timer *time.Timer
}

func newSharedHeld(t *Tracker, s HeldReportStore) *sharedHeld {
	return &sharedHeld{t: t, s: s, pending: map[*pendingHeld]struct{}{}, pushes: make(chan struct{}, storeWrites)}
}

// holdReports keeps a page's statuses for the visitor's next call: in the store when the
// page's cookie says so (inStore, see markHeld), else in this process's memory.
func (t *Tracker) holdReports(req *wire.Request, inStore bool) {
	if !inStore || t.held == nil {
		t.reports.Hold(req)
		return
	}
	t.held.hold(req)
}

// hold pushes req's statuses to the store off the request's path; a push that fails, or
// finds storeWrites in flight, holds them in this process's memory (counted).
func (sh *sharedHeld) hold(req *wire.Request) {
	data, err := delivery.Encode(req)
	if err != nil {
		sh.t.reports.Hold(req)
		return
	}
	var tok [heldToken / 2]byte
	_, _ = rand.Read(tok[:]) // crypto/rand.Read never fails on supported platforms
	p := &pendingHeld{req: req, entry: append(hex.AppendEncode(make([]byte, 0, heldToken+len(data)), tok[:]), data...)}
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		sh.t.reports.Hold(req) // sent at once once the Tracker closed
		return
	}
	select {
	case sh.pushes <- struct{}{}:
	default:
		sh.mu.Unlock()
		sh.t.storeFailed("push", errStoreBusy)
		sh.t.reports.Hold(req)
		return
	}
	sh.wg.Add(1) // under mu: close waits for every push it did not see
	sh.mu.Unlock()
	go func() {
		defer sh.wg.Done()
		defer func() { <-sh.pushes }()
		ctx, cancel := context.WithTimeout(context.Background(), storeWriteTimeout)
		err := sh.s.PushHeld(ctx, heldKey(req.UserID), p.entry)
		cancel()
		if err != nil {
			// Pushed or not (a timeout can come after Redis wrote it), the statuses wait
			// in this process's memory, as without a store; removing them from the store
			// first keeps a later take from sending them too.
			sh.t.storeFailed("push", err)
			ctx, cancel := context.WithTimeout(context.Background(), storeWriteTimeout)
			if _, err := sh.s.RemoveHeld(ctx, heldKey(req.UserID), p.entry); err != nil {
				sh.t.storeFailed("remove", err)
			}
			cancel()
			sh.t.reports.Hold(req)
			return
		}
		sh.mu.Lock()
		if sh.closed {
			sh.mu.Unlock()
			sh.release(p)
			return
		}
		sh.pending[p] = struct{}{}
		p.timer = time.AfterFunc(sh.t.reports.Wait, func() { sh.expire(p) })
		sh.mu.Unlock()
	}()
}

// expire sends p's statuses unless a call took them.
func (sh *sharedHeld) expire(p *pendingHeld) {
	sh.mu.Lock()
	_, ok := sh.pending[p]
	delete(sh.pending, p)
	sh.mu.Unlock()
	if ok {
		sh.release(p)
	}
}

// release removes p's entry from the store and sends its statuses if it was there: the
// instance that removes an entry is the one that sends it. When the store fails, the
// statuses go out all the same (counted): a status sent twice (a call took them before
// the store failed) is better than one lost.
func (sh *sharedHeld) release(p *pendingHeld) {
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteTimeout)
	removed, err := sh.s.RemoveHeld(ctx, heldKey(p.req.UserID), p.entry)
	cancel()
	if err != nil {
		sh.t.storeFailed("remove", err)
		removed = true
	}
	if removed {
		sh.t.enqueue(p.req)
	}
}

// take moves the visitor's statuses held in the store (by any instance) into req, the
// call about to be made, with what this process holds for them (Held.RideOn applies the
// SDKs' duplicate rule). It waits at most StoreTimeout; a take that answers later sends
// what it took in the background, so nothing taken is lost. Callers hold v.mu.
func (v *Visit) takeHeld(req *wire.Request) {
	t := v.t
	if t.held == nil || !v.state.Held {
		return
	}
	v.state.Held, v.dirty = false, true
	sv := t.shared
	if now := time.Now().UnixNano(); now < sv.downUntil.Load() {
		t.counters.storeFallbacks.Add(1)
		return // the entries' holders send them when they expire
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(v.r.Context()), t.cfg.StoreTimeout)
	defer cancel()
	type took struct {
		entries [][]byte
		err     error
	}
	ch := make(chan took, 1)
	var mu sync.Mutex
	waiting := true
	go func() {
		es, err := t.held.s.TakeHeld(ctx, heldKey(req.UserID))
		mu.Lock()
		defer mu.Unlock()
		if waiting {
			ch <- took{es, err}
			return
		}
		for _, r := range decodeHeld(es) { // the request stopped waiting: not lost
			t.enqueue(r)
		}
	}()
	var got took
	select {
	case got = <-ch:
	case <-ctx.Done():
		mu.Lock()
		waiting = false
		select {
		case got = <-ch:
		default:
			got.err = ctx.Err()
		}
		mu.Unlock()
	}
	if got.err != nil {
		sv.downUntil.Store(time.Now().Add(storeRetry).UnixNano())
		t.storeFailed("take", got.err)
		return
	}
	reqs := decodeHeld(got.entries)
	for i, r := range reqs {
		if i >= maxHeldTaken || r.UserID != req.UserID {
			t.enqueue(r)
			continue
		}
		t.reports.Hold(r) // joined with this process's, under the duplicate rule
	}
}

// decodeHeld reads entries of sharedHeld.hold; one in another shape (written by something
// else) is skipped.
func decodeHeld(entries [][]byte) []*wire.Request {
	out := make([]*wire.Request, 0, len(entries))
	for _, e := range entries {
		if len(e) <= heldToken {
			continue
		}
		if r, err := delivery.Decode(e[heldToken:]); err == nil && len(r.Commands) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// markHeld marks the cookie when this page may hold statuses (it has recommendations, or
// statuses already) and a HeldReportStore is set, so the visitor's next request takes them
// from the store; a mark not yet taken stays. Callers hold v.mu, before the cookie is
// written.
func (v *Visit) markHeld() {
	if v.t.held == nil {
		return
	}
	want := v.state.Held || len(v.ext.reports) > 0 || len(v.actions) > 0
	if want != v.state.Held {
		v.state.Held, v.dirty = want, true
	}
}

// len returns the pages' statuses this instance holds in the store (0 without one).
func (sh *sharedHeld) len() int {
	if sh == nil {
		return 0
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.pending)
}

// forget drops what this instance holds in the store for user and takes what others hold,
// so that none of it is sent (Visit.Forget).
func (sh *sharedHeld) forget(user uint32) {
	sh.mu.Lock()
	for p := range sh.pending {
		if p.req.UserID == user {
			p.timer.Stop()
			delete(sh.pending, p)
		}
	}
	if sh.closed {
		sh.mu.Unlock()
		return
	}
	sh.wg.Add(1)
	sh.mu.Unlock()
	go func() {
		defer sh.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), storeWriteTimeout)
		defer cancel()
		if _, err := sh.s.TakeHeld(ctx, heldKey(user)); err != nil {
			sh.t.storeFailed("take", err)
		}
	}()
}

// close sends what this instance still holds in the store and no call took, after the
// pushes in flight; later holds are sent at once. Tracker.Close calls it before the queue
// closes.
func (sh *sharedHeld) close() {
	sh.mu.Lock()
	sh.closed = true
	ps := sh.pending
	sh.pending = map[*pendingHeld]struct{}{}
	sh.mu.Unlock()
	for p := range ps {
		p.timer.Stop()
		sh.release(p)
	}
	sh.wg.Wait()
}
