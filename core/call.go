package core

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// The page's tracker call, in the order a page view meets it: the first read of the
// recommendations (Actions, Items, Campaigns) or the response header
// (Exchange.BeforeHeader) makes it (flush, or Start ahead of time); beginCall builds its
// request, makeCall sends it through the breaker and the queue, and finish (result.go)
// publishes the answer on the Visit.

// Actions returns the actions Personyze returned for this page (or, when it failed, the
// visitor's last good ones; see Stale). The first call makes the page's tracker call.
func (v *Visit) Actions() []*Action {
	v.flush()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ctl.read = true
	return v.actions
}

// Items returns the items of every JSON recommendation action of this page, in order. The
// actions whose items it returns are reported to Personyze as "executed" (shown).
func (v *Visit) Items() []Item {
	v.flush()
	v.mu.Lock()
	v.ctl.read = true
	items, actions := v.items, v.actions
	if items == nil {
		items = itemsOf(actions)
		if !v.streaming() { // a streamed page's fallback: the answer is still to come
			v.items = items
		}
	}
	v.mu.Unlock()
	v.reportShown(actions...)
	return items
}

// ActionItems returns the items of the JSON recommendation action with the given id, or
// nil when Personyze did not return it for this page. An action with items is reported to
// Personyze as "executed" (shown).
func (v *Visit) ActionItems(id int64) []Item {
	for _, a := range v.Actions() {
		if a.ID == id {
			v.reportShown(a)
			return a.Items()
		}
	}
	return nil
}

// Campaigns returns the names of the campaigns (Personyze conditions) the visitor matched on
// this page, in Personyze's order. A campaign whose name was not known in time (its
// metadata is loading) is left out; it appears on a later page.
func (v *Visit) Campaigns() []string {
	v.flush()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ctl.read = true
	out := make([]string, 0, len(v.ext.campaigns))
	for _, c := range v.ext.campaigns {
		if c.name != "" {
			out = append(out, c.name)
		}
	}
	return out
}

// InCampaign reports whether the visitor matched the campaign with this name (as shown in
// Personyze's dashboard, compared exactly), for handlers and templates:
//
//	{{if .Personyze.InCampaign "Summer sale"}}<p class="sale">Sale!</p>{{end}}
func (v *Visit) InCampaign(name string) bool {
	return name != "" && slices.Contains(v.Campaigns(), name)
}

// flush makes the page's tracker call once; concurrent callers wait for its result.
func (v *Visit) flush() {
	if req, ok := v.beginCall(); ok {
		v.makeCall(req)
		close(v.called)
		return
	}
	v.waitCall()
}

// Start makes the page's tracker call now, in the background, with the commands tracked so
// far, and returns at once: the call then overlaps the handler's own work (database
// queries, building the page's data), and the first read of the recommendations, or the
// response header, waits only for what is left of Config.Timeout. Call it after the
// handler has tracked what belongs to the page (its view event); commands tracked later
// are delivered in the background after the response, as after any call. Without Start,
// the call is made at the first read or before the header is written, so the page waits
// for the handler's work and then for Personyze. Start does nothing when the call has
// already started, on an inactive Visit, or on a nil one.
func (v *Visit) Start() {
	if v == nil {
		return
	}
	if req, ok := v.beginCall(); ok {
		go func() {
			v.makeCall(req)
			close(v.called)
		}()
	}
}

// beginCall moves the Visit to the calling phase and returns the call's request; ok is
// false when the call has started already (or the Visit is inactive). The caller makes
// the call and then closes v.called.
func (v *Visit) beginCall() (req *wire.Request, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.toCalling() {
		return nil, false
	}
	if v.ctl.stop != stopNone {
		req = &wire.Request{} // Skip or Forget: nothing is sent
	} else {
		v.ownSession() // the identity is settled now: SetUserKey is too late from here
		req = v.request(v.queued, v.kind == KindPage)
	}
	v.queued = nil
	v.ctl.sent = len(req.Commands) > 0
	if v.ctl.sent {
		// Asked for by StartNewSession, here or on an earlier request that made no call;
		// the answer clears it (applyResult).
		req.NewSession = req.NewSession || v.state.ForceNew
		v.takeHeld(req) // the statuses another instance (or this one) held in the store
		v.t.reports.RideOn(req)
	}
	return req, true
}

// request builds a tracker request for cmds with the visitor's facts and session; with
// navigate, the page's Navigate goes last. Callers hold v.mu.
func (v *Visit) request(cmds []Command, navigate bool) *wire.Request {
	n := len(cmds)
	if navigate {
		n++
	}
	wcmds := make([]wire.Command, 0, n)
	for _, c := range cmds {
		wcmds = append(wcmds, c.w)
	}
	if navigate {
		// An empty name would make a Navigate Personyze refuses (a failed page, counted by
		// the breaker): a Config.DocumentName that has no name for a request gets the
		// default's.
		name := v.ctl.document
		if name == "" {
			name = v.t.cfg.DocumentName(v.r)
		}
		if name == "" {
			name = cmp.Or(defaultDocumentName(v.r), "/")
		}
		wcmds = append(wcmds, Navigate(name).w)
	}
	f := v.facts
	return &wire.Request{
		UserID:       f.UserID,
		SessionID:    v.state.SessionID,
		NewSession:   session.NeedsNew(v.state.SessionID, v.t.cfg.Now()),
		PastSessions: v.state.PastSessions,
		Platform:     f.Platform,
		TimeZone:     f.TimeZone,
		Languages:    f.Languages,
		Screen:       f.Screen,
		OS:           f.OS,
		DeviceType:   f.DeviceType,
		Commands:     wcmds,
	}
}

// waitCall waits until the call that has started has published its result.
func (v *Visit) waitCall() {
	v.mu.Lock()
	called, streaming := v.called, v.streaming()
	v.mu.Unlock()
	if called != nil && !streaming {
		<-called // a streamed page's reads take what is known: its regions come later
	}
}

// makeCall makes the page's tracker call and publishes its result on the Visit. The page waits at
// most Config.Timeout; the call goes on in the background after that, so the events it
// carries are not lost.
func (v *Visit) makeCall(req *wire.Request) {
	t := v.t
	if len(req.Commands) == 0 {
		v.finish(nil, OutcomeSkipped, nil, 0, nil)
		return
	}
	// Before the breaker: what this library refuses itself says nothing about Personyze, so
	// it must neither count as a failure nor take the half-open probe.
	if err := t.dropUnfit(req); err != nil && len(req.Commands) == 0 {
		v.finish(req, OutcomeInvalid, err, 0, nil)
		return
	}
	allow, err := t.breaker.Allow()
	if err != nil {
		// Personyze has been failing: don't wait for it, deliver the events later.
		t.enqueue(req)
		v.finish(req, OutcomeBreakerOpen, ErrBreakerOpen, 0, nil)
		return
	}
	c, err := t.queue.StartCall(v.r.Context())
	if err != nil {
		// Close has stopped waiting for calls: the commands are counted as dropped.
		allow(nil) // the breaker must not hold its half-open probe for a call never made
		t.queue.Refuse(req)
		v.finish(req, OutcomeCanceled, err, 0, nil)
		return
	}
	t.counters.calls.Add(1)
	start := time.Now()
	p := &pageCall{t: t, req: req, c: c, allow: allow, results: make(chan callResult, 1)}
	p.budget.Store(int64(t.cfg.Timeout))
	c.Go(p.run)

	timer := time.NewTimer(t.cfg.Timeout)
	defer timer.Stop()
wait:
	select {
	case res := <-p.results:
		v.finish(req, outcomeOf(res.err), res.err, time.Since(start), res.resp)
	case now := <-timer.C:
		if more := v.extendForStream(start, now); more > 0 {
			// A region of the page was streamed: the page no longer waits for the answer,
			// its region does, up to Config.StreamBudget, which the breaker judges by.
			p.budget.Store(int64(t.cfg.StreamBudget))
			timer.Reset(more)
			goto wait
		}
		if !p.giveUp() {
			res := <-p.results // it arrived as the budget ran out: the page takes it
			v.finish(req, outcomeOf(res.err), res.err, time.Since(start), res.resp)
			return
		}
		// The page stops waiting. Whether that is Personyze's fault is known only when the
		// request went out in time and has been waiting for an answer for a good part of
		// the budget; otherwise (a saturated machine that had not even sent it, or had not
		// read an answer that was there) the call's own end decides.
		if p.tm.Slow(now, t.cfg.Timeout/2) {
			p.judge(ErrTimeout)
		}
		v.finish(req, OutcomeTimeout, ErrTimeout, time.Since(start), nil)
	case <-v.r.Context().Done():
		p.giveUp()
		err := v.r.Context().Err()
		p.judge(err) // excluded from the breaker's counts
		v.finish(req, OutcomeCanceled, err, time.Since(start), nil)
	}
}

// dropUnfit removes from req the commands no call can carry (see wire.Fits), counting
// each as dropped "too_big", and returns the first such error, or nil. The rest of the
// call goes out without them: one oversized command must not take the page's Navigate and
// events down with it. Track refuses such commands already; one gets here only when the
// visitor fields grew after it was tracked.
func (t *Tracker) dropUnfit(req *wire.Request) error {
	var first error
	head := func() *wire.Request { return req }
	kept := req.Commands[:0]
	for _, c := range req.Commands {
		if err := wire.Fits(c, head); err != nil {
			t.dropTooBig(err)
			first = cmp.Or(first, err)
			continue
		}
		kept = append(kept, c)
	}
	clear(req.Commands[len(kept):])
	req.Commands = kept
	return first
}

// dropTooBig counts and logs (rate-limited) one command refused for its size.
func (t *Tracker) dropTooBig(err error) {
	t.counters.drop(dropTooBig, 1)
	t.logs.log(t.log, slog.LevelWarn, "drop:"+dropTooBig, "personyze: commands dropped",
		slog.String("reason", dropTooBig), slog.Int("commands", 1), slog.String("error", err.Error()))
}

// pageCall is a page call in flight: what its goroutine and the waiting page share.
type pageCall struct {
	t      *Tracker
	req    *wire.Request
	c      *delivery.Call
	allow  func(error) // the breaker's permission, given a verdict once (judge)
	judged atomic.Bool
	budget atomic.Int64 // the page's wait (time.Duration): Timeout, or StreamBudget when streamed
	// state decides, once, whether the page takes the answer (callAnswered, set by run) or
	// stopped waiting for it (callAbandoned, set by the page): an abandoned answer's
	// session id goes to the VisitorStore for the visitor's next request.
	state   atomic.Int32
	tm      wire.Timing
	results chan callResult // buffered: the call never waits for a page that stopped waiting
}

// pageCall states.
const (
	callRunning = iota
	callAnswered
	callAbandoned
)

// giveUp records that the page stops waiting; false means the answer is already on its
// way to the page (p.results).
func (p *pageCall) giveUp() bool { return p.state.CompareAndSwap(callRunning, callAbandoned) }

// run makes the call, on the goroutine the queue gives it.
func (p *pageCall) run() {
	res := p.t.call(wire.WithTiming(p.c.Ctx, &p.tm), p.req, false, 1)
	p.judge(breakerVerdict(res.err, &p.tm, time.Duration(p.budget.Load())))
	if !p.state.CompareAndSwap(callRunning, callAnswered) && res.resp != nil {
		p.t.shareSession(p.req.UserID, res.resp.SessionID) // the page left without it
	}
	p.results <- res
	p.c.Done(p.req, res.err)
}

// judge gives the breaker its one verdict on the call: the breaker judges Personyze, not
// this process, so whichever side knows first decides (see breakerVerdict and the timeout
// in makeCall).
func (p *pageCall) judge(err error) {
	if p.judged.CompareAndSwap(false, true) {
		p.allow(err)
	}
}

// breakerVerdict is what a finished call tells the breaker: its error, or ErrTimeout when
// Personyze answered but took longer than the page budget from the written request to the
// first byte of its answer (slow is failing, whatever this process was doing meanwhile).
func breakerVerdict(err error, tm *wire.Timing, budget time.Duration) error {
	if err != nil {
		return err
	}
	if d, ok := tm.Upstream(); ok && d > budget {
		return ErrTimeout
	}
	return nil
}

// callResult is what the goroutine of a page call hands to the page.
type callResult struct {
	resp *wire.Response
	err  error
}

// call makes one tracker call (Tracker.send) and reports it to Config.OnCall when that is
// set; without a hook it is Tracker.send and nothing more.
func (t *Tracker) call(ctx context.Context, req *wire.Request, background bool, attempt int) callResult {
	hook := t.cfg.OnCall
	if hook == nil {
		return t.send(ctx, req)
	}
	var m wire.Meter
	start := time.Now()
	res := t.send(wire.WithMeter(ctx, &m), req)
	info := CallInfo{
		Context: ctx, Background: background, Start: start, Latency: time.Since(start),
		Outcome: outcomeOf(res.err), Err: res.err, StatusCode: m.Status,
		RequestBytes: m.RequestBytes, ResponseBytes: m.ResponseBytes,
		Commands: len(req.Commands), Attempt: attempt, Breaker: t.breaker.State().String(),
	}
	t.report(hook, info)
	return res
}

// send makes one tracker call and records the session id it brings; a panic (a bug) becomes an error instead of taking the server
// down.
func (t *Tracker) send(ctx context.Context, req *wire.Request) (res callResult) {
	defer func() {
		if p := recover(); p != nil {
			res = callResult{err: fmt.Errorf("personyze: panic in tracker call: %v", p)}
		}
	}()
	res.resp, res.err = t.client.Send(ctx, req)
	if res.resp != nil {
		res.resp.SessionID = t.latest.observe(req.UserID, res.resp.SessionID) // a copy to keep
	}
	return res
}

// report calls the hook; a panic in it is logged (rate-limited) and does not reach the
// page or the delivery worker.
func (t *Tracker) report(hook func(CallInfo), info CallInfo) {
	defer func() {
		if p := recover(); p != nil {
			t.logs.log(t.log, slog.LevelError, "oncall-panic", "personyze: Config.OnCall panicked",
				slog.String("panic", fmt.Sprint(p)))
		}
	}()
	hook(info)
}
