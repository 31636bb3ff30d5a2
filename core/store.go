package core

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// VisitorStore keeps what the library knows about a visitor beyond their cookie where every
// instance of the application finds it (Config.VisitorStore): the session id of an answer
// that came after its page had been sent, and the visitor's last result; and, when it is
// also a HeldReportStore, the action statuses held for the visitor's next call. Package
// core/personyzeredis implements both on Redis; an implementation must be safe for
// concurrent use and should expire what it keeps (a day is plenty). A wrapper around a
// store must implement HeldReportStore too for the statuses to be shared.
//
// The library reads it only where a request needs it, within Config.StoreTimeout: when the
// cookie says the visitor's last call answered after its page (the session id), when a page
// call failed (the stale recommendations) and when an event-only call merges its answer
// (the last result), and when the cookie says the last page's statuses wait in the store
// (HeldReportStore). It writes off the request's path. Whatever fails, the request uses
// this process's memory, as without a store.
type VisitorStore interface {
	// Get returns the value stored under key, or nil and no error when there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key, replacing what was there.
	Set(ctx context.Context, key string, value []byte) error
}

// DurableQueue is background delivery's queue when it must survive the process
// (Config.DurableQueue): requests are added to it, every instance claims entries to deliver
// them, renews what it holds while it retries or waits for the breaker, and acknowledges
// what it delivered or gave up on. Entries an instance stopped renewing (it was killed) are
// claimed by the others. Package core/personyzeredis implements it with a Redis stream and
// a consumer group. An implementation must be safe for concurrent use.
//
// Delivery is at least once: a request is sent twice when an instance is killed between
// Personyze's answer and the acknowledgement reaching the queue, or when an instance
// cannot renew what it holds for longer than the queue's claim delay (a network partition,
// a process paused that long) while it goes on sending. Requests of one visitor are sent
// in order by the instance that holds them; two instances may send a visitor's requests
// in a different order than they were queued.
type DurableQueue interface {
	// Add stores entries for delivery by any instance.
	Add(ctx context.Context, entries [][]byte) error
	// Claim returns up to n entries for this instance to deliver: new ones, and those
	// another instance claimed and stopped renewing.
	Claim(ctx context.Context, n int) ([]QueueEntry, error)
	// Renew tells the other instances that this one still works on the entries.
	Renew(ctx context.Context, ids []string) error
	// Ack removes entries delivered or given up on.
	Ack(ctx context.Context, ids []string) error
}

// QueueEntry is one entry of a DurableQueue: its id in the queue and the request, encoded
// by the library.
type QueueEntry struct {
	ID   string
	Data []byte
}

// Timing of the durable queue: how often an instance renews the entries it holds (a claim
// delay of a few seconds at least leaves room for a missed renewal), and how long it waits
// before claiming again when there was nothing to claim.
const (
	durableRenew = time.Second
	durablePoll  = 200 * time.Millisecond
)

// durableStore adapts a DurableQueue to delivery.Store.
type durableStore struct{ q DurableQueue }

func (s durableStore) Add(ctx context.Context, data [][]byte) error { return s.q.Add(ctx, data) }
func (s durableStore) Renew(ctx context.Context, ids []string) error {
	return s.q.Renew(ctx, ids)
}
func (s durableStore) Ack(ctx context.Context, ids []string) error { return s.q.Ack(ctx, ids) }
func (s durableStore) Claim(ctx context.Context, n int) ([]delivery.Entry, error) {
	es, err := s.q.Claim(ctx, n)
	out := make([]delivery.Entry, len(es))
	for i, e := range es {
		out[i] = delivery.Entry{ID: e.ID, Data: e.Data}
	}
	return out, err
}

// validateStore checks the store fields of cfg (defaults applied).
func validateStore(cfg Config) error {
	if cfg.StoreTimeout < 0 {
		return &ConfigError{Field: "StoreTimeout", Problem: fmt.Sprintf("is negative (%v)", cfg.StoreTimeout),
			Fix: "use a positive duration, or 0 for the default " + defaultStoreTimeout.String()}
	}
	return nil
}

// Keys of a visitor's values in the VisitorStore.
func sessionKey(user uint32) string { return "s:" + strconv.FormatUint(uint64(user), 10) }
func resultKey(user uint32) string  { return "r:" + strconv.FormatUint(uint64(user), 10) }

// sharedVisitors is the Tracker's side of a VisitorStore: reads within the request's
// budget, writes off the request's path by a few goroutines of their own (bounded: past
// storeWrites waiting, a write is left out and counted), and the fallback to this
// process's memory counted and logged.
type sharedVisitors struct {
	t      *Tracker
	s      VisitorStore
	writes chan storeWrite
	wg     sync.WaitGroup
	once   sync.Once
	// downUntil is when reads may try the store again after one failed (Unix nanoseconds).
	downUntil atomic.Int64
}

// storeWrite is one value on its way to the store.
type storeWrite struct {
	key   string
	value []byte
}

// storeWrites bounds the values waiting to be written; storeWriters write them.
const (
	storeWrites  = 1024
	storeWriters = 4
)

func newSharedVisitors(t *Tracker, s VisitorStore) *sharedVisitors {
	sv := &sharedVisitors{t: t, s: s, writes: make(chan storeWrite, storeWrites)}
	for range storeWriters {
		sv.wg.Go(func() {
			for w := range sv.writes {
				ctx, cancel := context.WithTimeout(context.Background(), storeWriteTimeout)
				err := sv.s.Set(ctx, w.key, w.value)
				cancel()
				if err != nil {
					sv.t.storeFailed("set", err)
				}
			}
		})
	}
	return sv
}

// storeWriteTimeout bounds one write, which no request waits for.
const storeWriteTimeout = time.Second

// get reads key within the request's budget; ok is false when the store failed or was too
// slow (counted and logged: the caller uses this process's memory).
//
// The budget holds whatever the store does with the context (a go-redis client without
// ContextTimeoutEnabled waits for its own ReadTimeout): the read runs on a goroutine of
// its own, and the request stops waiting for it at the budget.
//
// After a failed read the store is left alone for storeRetry (the requests in that time
// use this process's memory at once, counted), so that a Redis that is down costs the
// pages nothing rather than StoreTimeout each.
func (sv *sharedVisitors) get(ctx context.Context, key string) (value []byte, ok bool) {
	if now := time.Now().UnixNano(); now < sv.downUntil.Load() {
		sv.t.counters.storeFallbacks.Add(1)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sv.t.cfg.StoreTimeout)
	defer cancel()
	type got struct {
		v   []byte
		err error
	}
	ch := make(chan got, 1) // the read never waits for a request that stopped waiting
	go func() {
		v, err := sv.s.Get(ctx, key)
		ch <- got{v, err}
	}()
	var g got
	select {
	case g = <-ch:
	case <-ctx.Done():
		g.err = ctx.Err()
	}
	if g.err != nil {
		sv.downUntil.Store(time.Now().Add(storeRetry).UnixNano())
		sv.t.storeFailed("get", g.err)
		return nil, false
	}
	return g.v, true
}

// storeRetry is how long requests leave the VisitorStore alone after a read failed.
const storeRetry = time.Second

// set writes key in the background; a write that finds storeWrites waiting is left out.
func (sv *sharedVisitors) set(key string, value []byte) {
	select {
	case sv.writes <- storeWrite{key, value}:
	default:
		sv.t.storeFailed("set", errStoreBusy)
	}
}

// errStoreBusy is the error of a write left out because too many wait.
var errStoreBusy = fmt.Errorf("personyze: visitor store: %d writes waiting", storeWrites)

// close writes what waits, at most until ctx ends.
func (sv *sharedVisitors) close(ctx context.Context) {
	sv.once.Do(func() { close(sv.writes) })
	done := make(chan struct{})
	go func() { sv.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// storeFailed counts and logs (rate-limited) a failed operation on the VisitorStore or the
// DurableQueue: the library used this process's memory instead.
func (t *Tracker) storeFailed(op string, err error) {
	t.counters.storeFallbacks.Add(1)
	t.logs.log(t.log, slog.LevelWarn, "store:"+op, "personyze: shared store failed; using this process's memory",
		slog.String("op", op), slog.String("error", err.Error()))
}

// shareSession records a session id that arrived after its page was sent (or in the
// background), with the time it arrived, for the visitor's next request on any instance.
func (t *Tracker) shareSession(user uint32, id string) {
	if t.shared == nil || id == "" {
		return
	}
	b := strconv.AppendInt(make([]byte, 0, 12+len(id)), t.cfg.Now().Unix(), 10)
	t.shared.set(sessionKey(user), append(append(b, ' '), id...))
}

// lateMaxAge is how long after a page that stopped waiting its answer can still arrive:
// the call runs at most delivery.CallTimeout. Past it the cookie's mark is cleared.
const lateMaxAge = delivery.CallTimeout + 5*time.Second

// adoptShared carries the session id of the answer that came after the visitor's last
// page sent its cookie, kept in the VisitorStore by whichever instance got it. Only a
// cookie marked late (a page whose call timed out, or whose regions streamed, with a
// VisitorStore set) asks the store; the mark is cleared once the answer is there (it
// arrived at or after the mark), or when it can no longer come. Callers hold v.mu, or own the Visit alone (Begin).
func (v *Visit) adoptShared() {
	t := v.t
	if t.shared == nil || v.state.Late == 0 {
		return
	}
	if !v.sessionIsOwn() {
		v.state.Late, v.dirty = 0, true // another identity's session is replaced anyway
		return
	}
	if b, ok := t.shared.get(v.r.Context(), sessionKey(v.facts.UserID)); ok {
		if at, sid, ok := parseSharedSession(b); ok && at >= int64(v.state.Late)-1 {
			if sid != v.state.SessionID && session.Start(sid) >= session.Start(v.state.SessionID) {
				v.updateSession(sid)
			}
			v.state.Late, v.dirty = 0, true
			return
		}
	}
	if t.cfg.Now().Sub(time.Unix(int64(v.state.Late), 0)) > lateMaxAge {
		v.state.Late, v.dirty = 0, true
	}
}

// parseSharedSession reads a value of shareSession: "<unix seconds> <session id>". A value
// in another shape (written by something else, corrupted) is not ok.
func parseSharedSession(b []byte) (at int64, sid string, ok bool) {
	head, sid, found := strings.Cut(string(b), " ")
	at, err := strconv.ParseInt(head, 10, 64)
	if !found || err != nil || sid == "" || len(sid) > maxSharedSessionID {
		return 0, "", false
	}
	return at, sid, true
}

// maxSharedSessionID bounds a session id taken from the store: it goes into the cookie,
// whose size is bounded.
const maxSharedSessionID = 256

// markLate marks the cookie: the page's call answers after its cookie went out (a
// timeout, or streamed regions; Config.VisitorStore set), so the visitor's next request
// asks the store for its session id. Callers hold v.mu.
func (v *Visit) markLate() {
	if v.t.shared != nil {
		v.state.Late, v.dirty = uint32(v.t.cfg.Now().Unix()), true
	}
}

// storedResult is a result as the VisitorStore keeps it: the actions' ids and data and
// the campaigns' ids; the metadata comes from the Tracker's cache when it is read.
type storedResult struct {
	Actions   []storedAction `json:"a"`
	Campaigns []int64        `json:"c,omitempty"`
}

type storedAction struct {
	ID   int64             `json:"i"`
	Data map[string]string `json:"d,omitempty"`
}

// shareResult writes the visitor's last result to the VisitorStore, in the background.
func (t *Tracker) shareResult(user uint32, res result) {
	if t.shared == nil {
		return
	}
	sr := storedResult{Actions: make([]storedAction, len(res.actions))}
	for i, a := range res.actions {
		sr.Actions[i] = storedAction{ID: a.ID, Data: a.Data}
	}
	for _, c := range res.campaigns {
		sr.Campaigns = append(sr.Campaigns, c.id)
	}
	b, err := json.Marshal(sr)
	if err != nil {
		return // data maps of strings always encode
	}
	t.shared.set(resultKey(user), b)
}

// lastResult returns the visitor's last result: the VisitorStore's when one is set and
// answers in time (it may come from another instance), else this process's. left is what
// remains of the page's budget for metadata not cached here.
func (v *Visit) lastResult(left time.Duration) *result {
	t := v.t
	if t.shared != nil {
		if b, ok := t.shared.get(v.r.Context(), resultKey(v.facts.UserID)); ok && b != nil {
			if resp, err := decodeStoredResult(b); err == nil {
				actions, camps := v.results(resp, left)
				return &result{actions: actions, campaigns: camps}
			}
		}
	}
	return t.stale.get(v.facts.UserID)
}

// decodeStoredResult reads a value of shareResult as an answer's actions and campaigns,
// bounded as a merged result is (maxMerged each).
func decodeStoredResult(b []byte) (*wire.Response, error) {
	var sr storedResult
	if err := json.Unmarshal(b, &sr); err != nil {
		return nil, err
	}
	if len(sr.Actions) > maxMerged || len(sr.Campaigns) > maxMerged {
		return nil, fmt.Errorf("personyze: stored result of %d actions and %d campaigns, over %d", len(sr.Actions), len(sr.Campaigns), maxMerged)
	}
	resp := &wire.Response{Conditions: sr.Campaigns, Actions: make([]wire.Action, len(sr.Actions))}
	for i, a := range sr.Actions {
		resp.Actions[i] = wire.Action{ID: a.ID, Data: a.Data}
	}
	return resp, nil
}
