// Package delivery owns background delivery: the bounded, never-blocking queue of tracker
// requests that could not (or need not) be sent while a visitor waited, its workers, retries
// with backoff, the wait while the circuit breaker is open, the registry of page calls that
// outlived their page, the action statuses held for a visitor's next call (Held), and the
// shutdown that delivers what is left. It receives a send function and a metrics sink, and
// knows nothing of the Tracker that owns it.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Drop reasons, as reported to Metrics.Dropped.
const (
	DropQueueFull    = "queue_full"    // the queue was full
	DropShutdown     = "shutdown"      // Close ran out of time, or the request came after Close
	DropNotRetryable = "not_retryable" // Personyze refused the request (401, 4xx)
	DropTooBig       = "too_big"       // a single command over the size limit
	DropRetries      = "retries_exhausted"
)

// Reasons lists the drop reasons in the order Stats reports them.
var Reasons = [...]string{DropQueueFull, DropShutdown, DropNotRetryable, DropTooBig, DropRetries}

const (
	// CallTimeout bounds one tracker call that nobody waits for: background deliveries and
	// page calls that outlived the page's latency budget.
	CallTimeout = 10 * time.Second
	// maxBackoff caps the wait between retries, Retry-After included.
	maxBackoff = 30 * time.Second
	// idleCallers is how many goroutines that made page calls wait for the next one: enough
	// for the calls in flight on a busy server, a few MB of stacks at most.
	idleCallers = 128
)

// ErrClosed is the error of a page call that could not start because Close had begun
// stopping the queue.
var ErrClosed = errors.New("personyze: tracker closed: call not made")

// Metrics receives what happens to requests. Implementations must be safe for concurrent use
// and must not call back into the Queue.
type Metrics interface {
	Enqueued()
	Delivered()
	Retried()
	Deferred()
	Dropped(reason string, req *wire.Request, err error)
}

// Options configure a Queue. Every field is required.
type Options struct {
	Size int // bound of requests waiting for a worker or for their retry
	// Workers bounds the requests sent at the same time: workers start as requests arrive
	// and end when none is left, so an idle Queue holds at most idleWorkers of them.
	Workers    int
	MaxRetries int // negative: no retries
	Backoff    time.Duration
	// Send makes one tracker call; attempt is 1 for a request's first try.
	Send func(ctx context.Context, req *wire.Request, attempt int) error
	// BreakerWait reports whether the circuit breaker is open and how long a send should
	// wait before trying.
	BreakerWait func() (time.Duration, bool)
	Metrics     Metrics
	// Settled, optional, hears what became of entries of the durable queue (see Durable):
	// delivered, or given up on for good. Entries dropped for shutdown are not settled, so
	// that another instance delivers them.
	Settled func(ids []string)
	// Handoff, optional, takes a page call's request that needs a retry (see Call.Done)
	// instead of this Queue: the durable queue, so that the retry survives this process.
	// It returns false when it could not take it.
	Handoff func(*wire.Request) bool
}

const (
	// idleWorkers is how many delivery workers wait for the next request once none is
	// left: the four permanent workers of earlier versions, so an idle Queue costs what it
	// did; more are started (up to Options.Workers) when requests arrive faster.
	idleWorkers = 4
	// mergeMax bounds the queued requests of one visitor sent together as one request.
	mergeMax = 16
)

// job is one request waiting for background delivery.
type job struct {
	req *wire.Request
	// due is when the job may be sent, as time since Queue.epoch (0: at once); it is set
	// for a retry (see later and work). A duration rather than a time.Time keeps the job
	// small while staying on the monotonic clock.
	due      time.Duration
	attempts int32
	n        int32    // requests of the visitor merged into req; each is pending and reported
	deferred bool     // waiting for the open breaker, not for a retry
	ids      []string // the durable queue's entries merged into req (see Durable)
}

// lane is one visitor's requests (by user_id), in the order they were queued. At most one
// worker sends from a lane at a time, so a visitor's requests are sent one after another,
// in order; a request waiting for its retry keeps its place at the head, and the lane waits
// with it. Lanes exist only while they hold requests.
type lane struct {
	user  uint32
	jobs  []*job // jobs[0] is next
	state laneState
	timer *time.Timer // while parked
	due   time.Time   // while parked: when the timer fires
}

// laneState is where a lane is; every change happens under Queue.mu.
type laneState uint8

const (
	laneIdle    laneState = iota // in no list: about to be woken or removed
	laneReady                    // in Queue.ready, waiting for a worker
	laneRunning                  // a worker sends its head
	laneParked                   // its head waits for a retry or the breaker (Queue.parked)
)

// Queue is the bounded, never-blocking background queue with retries.
//
// Every request it is responsible for is "pending" from the moment it is handed over (or its
// page call registered) until it is delivered or dropped. Close waits until nothing is
// pending or its context ends.
//
// Requests wait in their visitor's lane; lanes ready to send wait in one FIFO that a pool
// of workers serves, one request at a time each, taking the next lane when done. A slow
// visitor therefore holds one worker and never the others' requests, and the number of
// sends in flight follows the number of visitors with something to send, up to
// Options.Workers.
type Queue struct {
	o       Options
	epoch   time.Time       // the origin of job.due
	ctx     context.Context // canceled when Close gives up: aborts every call in flight
	cancel  context.CancelFunc
	workers *runner // the delivery workers: started on demand, idleWorkers kept
	// calls counts page calls running in the background. It is only ever incremented under
	// mu while stopped is false, and Close waits on it only after setting stopped under mu:
	// so no Add can race with Close's Wait, the rule sync.WaitGroup requires.
	calls   sync.WaitGroup
	callers *runner // the goroutines page calls run on

	pending atomic.Int64 // requests not yet delivered or dropped, wherever they are

	mu       sync.Mutex
	closing  bool      // Close has begun: held-back jobs go at once; report drained
	stopped  bool      // Close stopped waiting: everything new is dropped
	deadline time.Time // Close's deadline, zero when it has none
	lanes    map[uint32]*lane
	ready    []*lane            // lanes waiting for a worker, oldest first
	parked   map[*lane]struct{} // lanes whose head waits for its timer
	active   int                // workers running (sending, or looking for a lane)
	busy     int                // workers sending
	drained  chan struct{}      // closed when pending reaches zero after closing
	drainSet sync.Once
	undeliv  int // commands dropped for shutdown once Close began
	waiting  int // jobs in lanes, not being sent: bounded by Size for new jobs
}

// New starts a Queue; its workers start when requests arrive.
func New(o Options) *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	return &Queue{o: o, epoch: time.Now(), ctx: ctx, cancel: cancel, drained: make(chan struct{}),
		lanes: map[uint32]*lane{}, parked: map[*lane]struct{}{},
		workers: newRunner(idleWorkers), callers: newRunner(idleCallers)}
}

// Depth is the number of requests waiting for a worker or for their retry.
func (q *Queue) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting
}

// Pending is the number of requests not yet delivered or dropped.
func (q *Queue) Pending() int64 { return q.pending.Load() }

// Enqueue hands req to the background without ever blocking. The bound covers the requests
// waiting for a worker and those waiting for their retry, so a long outage under heavy
// traffic cannot grow memory without limit: past it new requests are dropped and counted.
func (q *Queue) Enqueue(req *wire.Request) { q.enqueue(req, nil) }

// enqueue is Enqueue of a request that is, when ids is not empty, entries of the durable
// queue. It reports whether the request was queued.
func (q *Queue) enqueue(req *wire.Request, ids []string) bool {
	q.pending.Add(1)
	j := &job{req: req, n: 1, ids: ids}
	q.mu.Lock()
	switch {
	case q.stopped:
		q.mu.Unlock()
		q.drop(j, DropShutdown, nil)
	case q.waiting >= q.o.Size:
		q.mu.Unlock()
		q.drop(j, DropQueueFull, nil)
	default:
		q.waiting++
		q.push(j)
		q.mu.Unlock()
		q.o.Metrics.Enqueued()
		return true
	}
	return false
}

// push appends j to its visitor's lane, making the lane if there is none, and wakes a lane
// that no worker or timer holds. Callers hold mu, have counted j in waiting and checked
// that Close has not stopped.
func (q *Queue) push(j *job) {
	l := q.lanes[j.req.UserID]
	if l == nil {
		l = &lane{user: j.req.UserID}
		q.lanes[l.user] = l
	}
	l.jobs = append(l.jobs, j)
	if l.state == laneIdle {
		q.wake(l)
	}
}

// wake makes an idle lane with jobs ready, or parks it until its head is due. Callers hold
// mu.
func (q *Queue) wake(l *lane) {
	if j := l.jobs[0]; j.due != 0 {
		if wait := q.fit(j, j.due-time.Since(q.epoch)); wait > 0 {
			q.park(l, wait)
			return
		}
	}
	q.enlist(l)
}

// enlist puts l at the end of the ready lanes and starts a worker when needed. Callers
// hold mu.
func (q *Queue) enlist(l *lane) {
	l.state = laneReady
	q.ready = append(q.ready, l)
	// A worker that is not sending is about to look for a lane: start one only when the
	// ready lanes outnumber them. The runner never blocks, so this may run under mu, which
	// orders it before Close stops the workers.
	if q.active < q.o.Workers && len(q.ready) > q.active-q.busy {
		q.active++
		q.workers.run(q.work)
	}
}

// park holds l until its head's retry (or the breaker's cooldown) is due. Callers hold mu.
func (q *Queue) park(l *lane, wait time.Duration) {
	l.state = laneParked
	l.due = time.Now().Add(wait)
	q.parked[l] = struct{}{}
	l.timer = time.AfterFunc(wait, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if _, ok := q.parked[l]; !ok {
			return // Close took the lane over
		}
		delete(q.parked, l)
		l.timer = nil
		l.jobs[0].due = 0 // due now, even if Close moved the timer ahead
		q.enlist(l)
	})
}

// fit returns the wait before j's next attempt. During Close a job held for the breaker goes
// at once (no page is left to shield, and the deadline may be shorter than the cooldown),
// and a retry waits at most half the time left before Close's deadline: it starts before
// the deadline, with at least as long to run as it waited, instead of being scheduled
// past the deadline and given up. Callers hold mu.
func (q *Queue) fit(j *job, wait time.Duration) time.Duration {
	if !q.closing {
		return wait
	}
	if j.deferred {
		return 0
	}
	if !q.deadline.IsZero() {
		wait = min(wait, max(time.Until(q.deadline)/2, 0))
	}
	return wait
}

// Call is a page call registered with the Queue: Close waits for it, and what it fails to
// deliver is retried in the background.
type Call struct {
	q *Queue
	// Ctx is the call's context: it keeps the values of the context it was started from
	// (trace spans), not its cancellation, because a visitor who leaves must not abandon the
	// events the call carries; it ends after CallTimeout or when Close gives up.
	Ctx    context.Context
	cancel context.CancelFunc
}

// callContext is a page call's context: the deadline and cancellation of the Queue's
// context with CallTimeout, and the values of the page's request context as well.
type callContext struct {
	context.Context                 // WithTimeout(Queue.ctx, CallTimeout)
	values          context.Context // the page's request context
}

// Value asks the call's own context first: the context package finds a parent's
// cancellation through Value, and must find this one's, not the request's (which it would
// then have to watch with a goroutine of its own). The Queue's context holds no values,
// so every other key goes to the request's context.
func (c callContext) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.values.Value(key)
}

// StartCall registers a page call. It returns ErrClosed once Close has stopped waiting;
// registering and Close's decision to stop are ordered by the Queue's lock, so a call either
// is waited for by Close or never starts.
func (q *Queue) StartCall(parent context.Context) (*Call, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return nil, ErrClosed
	}
	q.pending.Add(1)
	q.calls.Add(1)
	ctx, cancel := context.WithTimeout(q.ctx, CallTimeout)
	return &Call{q: q, Ctx: callContext{ctx, parent}, cancel: cancel}, nil
}

// Go runs f, the call, on a goroutine of its own (reused from earlier calls) and returns
// at once.
func (c *Call) Go(f func()) { c.q.callers.run(f) }

// Done settles the call's request after its one attempt returned err: delivered, retried in
// the background or dropped. Call it exactly once.
func (c *Call) Done(req *wire.Request, err error) {
	c.cancel()
	if err == nil {
		// Delivered, as most page calls are: settled without the job settle needs for
		// the other outcomes.
		c.q.o.Metrics.Delivered()
		c.q.done(1)
		c.q.calls.Done()
		return
	}
	j := &job{req: req, attempts: 1, n: 1}
	if wait, retry := c.q.settle(j, err); retry {
		if h := c.q.o.Handoff; h != nil && h(j.req) {
			c.q.done(j.n) // the durable queue has it now, and counts it again
		} else {
			c.q.later(j, wait)
		}
	}
	c.q.calls.Done()
}

// Refuse counts the commands of a page call that could not start (StartCall failed) as
// dropped for shutdown.
func (q *Queue) Refuse(req *wire.Request) {
	q.pending.Add(1)
	q.drop(&job{req: req, n: 1}, DropShutdown, nil)
}

// done uncounts n requests that were delivered or dropped.
func (q *Queue) done(n int32) {
	if q.pending.Add(-int64(n)) == 0 {
		q.mu.Lock()
		closing := q.closing
		q.mu.Unlock()
		if closing {
			q.drainSet.Do(func() { close(q.drained) })
		}
	}
}

// drop gives up on a job.
func (q *Queue) drop(j *job, reason string, err error) {
	q.mu.Lock()
	if reason == DropShutdown {
		q.undeliv += len(j.req.Commands)
	}
	q.mu.Unlock()
	if reason != DropShutdown && reason != DropQueueFull {
		q.settled(j) // given up on for good; the others stay in the durable queue
	}
	q.o.Metrics.Dropped(reason, j.req, err)
	q.done(j.n)
}

// work is a delivery worker: it sends the head of the oldest ready lane, puts the lane
// back (at the end of the ready lanes, so that every visitor gets its turn) and goes on
// until no lane is ready.
func (q *Queue) work() {
	var dropped []*job
	q.mu.Lock()
	for len(q.ready) > 0 {
		l := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		if q.stopped {
			dropped = q.remove(l, dropped)
			continue
		}
		j := l.jobs[0]
		if j.due != 0 {
			if wait := q.fit(j, j.due-time.Since(q.epoch)); wait > 0 {
				q.park(l, wait) // a page call's retry, queued behind requests since sent
				continue
			}
		}
		j = q.take(l)
		l.state = laneRunning
		q.busy++
		closing := q.closing
		q.mu.Unlock()
		wait, retry := q.send(j, closing)
		q.mu.Lock()
		q.busy--
		if retry {
			if q.stopped {
				dropped = append(dropped, j)
			} else {
				// The retry keeps the visitor's place: what was queued behind it waits.
				j.due = q.dueIn(q.fit(j, wait))
				q.waiting++
				l.jobs = slices.Insert(l.jobs, 0, j)
			}
		}
		switch {
		case q.stopped:
			dropped = q.remove(l, dropped)
		case len(l.jobs) == 0:
			delete(q.lanes, l.user)
			l.state = laneIdle
		default:
			l.state = laneIdle
			q.wake(l)
		}
	}
	q.active--
	q.mu.Unlock()
	for _, j := range dropped {
		q.drop(j, DropShutdown, nil)
	}
}

// take removes l's head for sending, merged with the requests of the visitor queued
// behind it that have the same visitor fields (the first call of a new session, say, is
// not merged with the next), carry no page view (a page view keeps a call of its own, as
// the SDKs send it) and may follow the others under the SDKs' duplicate rule (a late
// click must not precede that page's held impression of the same action in one call):
// one call instead of several, and a request waiting for its retry takes the events
// queued meanwhile along, so a visitor's backlog does not cost one round trip per
// request. Callers hold mu.
func (q *Queue) take(l *lane) *job {
	j := l.jobs[0]
	j.due = 0
	k := 1                    // the jobs to send: l.jobs[:k]
	var joined []wire.Command // their commands, once a second job joins
	for n := j.n; k < len(l.jobs) && n < mergeMax; k++ {
		next := l.jobs[k]
		if next.attempts > 0 || hasNavigate(next.req) || !sameVisitor(j.req, next.req) {
			break
		}
		prev := j.req.Commands
		if joined != nil {
			prev = joined
		}
		if !wire.Follows(prev, next.req.Commands) {
			break
		}
		if joined == nil {
			joined = append(make([]wire.Command, 0, 2*len(prev)+len(next.req.Commands)), prev...)
		}
		joined = append(joined, next.req.Commands...)
		n += next.n
		if len(next.ids) > 0 {
			j.ids = append(j.ids, next.ids...)
		}
	}
	if k > 1 {
		merged := *j.req
		merged.Commands = joined
		for _, next := range l.jobs[1:k] {
			j.n += next.n
		}
		j.req = &merged
	}
	clear(l.jobs[:k])
	l.jobs = l.jobs[k:]
	q.waiting -= k
	if len(l.jobs) == 0 {
		l.jobs = nil // let the backing array go
	}
	return j
}

// settled tells Options.Settled that j's durable entries are done with.
func (q *Queue) settled(j *job) {
	if len(j.ids) > 0 && q.o.Settled != nil {
		q.o.Settled(j.ids)
	}
}

// dueIn returns the job.due of a job that may be sent after wait.
func (q *Queue) dueIn(wait time.Duration) time.Duration {
	return max(time.Since(q.epoch)+wait, 1) // never 0, which means at once
}

// hasNavigate reports whether req carries a page view.
func hasNavigate(req *wire.Request) bool {
	return slices.ContainsFunc(req.Commands, func(c wire.Command) bool { return c.Navigate })
}

// sameVisitor reports whether a and b carry the same visitor fields, so that b's commands
// can travel in a.
func sameVisitor(a, b *wire.Request) bool {
	if (a.TimeZone == nil) != (b.TimeZone == nil) || a.TimeZone != nil && *a.TimeZone != *b.TimeZone {
		return false
	}
	return a.UserID == b.UserID && a.SessionID == b.SessionID && a.NewSession == b.NewSession &&
		a.PastSessions == b.PastSessions && a.Platform == b.Platform && a.Languages == b.Languages &&
		a.Screen == b.Screen && a.OS == b.OS && a.DeviceType == b.DeviceType
}

// remove takes l and its jobs out of the Queue once Close has stopped, appending the jobs
// to dropped. Callers hold mu.
func (q *Queue) remove(l *lane, dropped []*job) []*job {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	delete(q.parked, l)
	delete(q.lanes, l.user)
	q.waiting -= len(l.jobs)
	dropped = append(dropped, l.jobs...)
	l.jobs = nil
	l.state = laneIdle
	return dropped
}

// send makes one attempt and settles the job; retry reports that it is to be tried again
// after wait. While the breaker is open it makes none: Personyze has been failing, and a
// send would only add load to it and to this process (an upstream that fails by streaming
// megabytes costs CPU on every call, which slowed the pages the breaker was meant to
// shield). The job waits for the end of the cooldown without spending an attempt; during
// Close it goes at once (see fit).
func (q *Queue) send(j *job, closing bool) (wait time.Duration, retry bool) {
	if wait, open := q.o.BreakerWait(); open && !closing {
		q.o.Metrics.Deferred()
		j.deferred = true
		return wait, true
	}
	j.deferred = false
	ctx, cancel := context.WithTimeout(q.ctx, CallTimeout)
	err := q.o.Send(ctx, j.req, int(j.attempts)+1)
	cancel()
	j.attempts++
	return q.settle(j, err)
}

// settle decides what happens to a job after an attempt that returned err: it reports a
// delivery or a drop, or returns the wait before the retry.
func (q *Queue) settle(j *job, err error) (wait time.Duration, retry bool) {
	var pe *wire.PartialError
	if errors.As(err, &pe) {
		// The first calls of a split request arrived: only the rest is worth a retry.
		part := *j.req
		part.Commands = pe.Unsent
		j.req = &part
	}
	switch {
	case err == nil, errors.Is(err, wire.ErrMalformedResponse), errors.Is(err, wire.ErrResponseTooLarge):
		// A garbled or oversized answer still means Personyze received the request.
		for range j.n {
			q.o.Metrics.Delivered()
		}
		q.settled(j)
		q.done(j.n)
	case q.ctx.Err() != nil:
		q.drop(j, DropShutdown, err)
	case errors.Is(err, wire.ErrRequestTooBig):
		q.drop(j, DropTooBig, err)
	case !wire.Retryable(err):
		q.drop(j, DropNotRetryable, err)
	case int(j.attempts) > q.o.MaxRetries:
		q.drop(j, DropRetries, err)
	default:
		q.o.Metrics.Retried()
		return q.backoff(int(j.attempts), wire.RetryAfter(err)), true
	}
	return 0, false
}

// backoff returns the wait before attempt n+1: exponential with full jitter on the upper
// half, never shorter than the server's Retry-After, capped at maxBackoff.
func (q *Queue) backoff(n int, retryAfter time.Duration) time.Duration {
	b := q.o.Backoff << min(n-1, 16)
	b = b/2 + rand.N(b/2+1)
	b = max(b, retryAfter)
	return min(b, maxBackoff)
}

// later queues a page call's job for its retry after wait, behind what its visitor has
// queued meanwhile; until then it counts against the bound.
func (q *Queue) later(j *job, wait time.Duration) {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		q.drop(j, DropShutdown, nil)
		return
	}
	j.due = q.dueIn(q.fit(j, wait))
	q.waiting++
	q.push(j)
	q.mu.Unlock()
}

// CloseError reports what Close could not deliver before its deadline.
type CloseError struct {
	// Undelivered is the number of commands (events and page views) given up on.
	Undelivered int
	// Err is the context error that ended the wait.
	Err error
}

// Error says how many commands were not delivered and why the wait ended.
func (e *CloseError) Error() string {
	return fmt.Sprintf("personyze: close: %d commands not delivered: %v", e.Undelivered, e.Err)
}

// Unwrap returns the context error, so errors.Is(err, context.DeadlineExceeded) works.
func (e *CloseError) Unwrap() error { return e.Err }

// ErrClosedTwice is Close's answer to every call after the first.
var ErrClosedTwice = errors.New("personyze: Tracker.Close called twice")

// Close waits until everything pending is delivered or dropped, or ctx ends; then it aborts
// what is left, counts it as dropped for shutdown, and stops the workers. While it waits,
// every worker (up to Options.Workers) sends, requests held for the breaker go at once, and
// retries wait no longer than fits before ctx's deadline (see fit). Page calls registered
// after it stopped waiting are refused (StartCall). It returns nil or a *CloseError; a
// second Close returns ErrClosedTwice at once.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if q.closing {
		q.mu.Unlock()
		return ErrClosedTwice
	}
	q.closing = true
	q.deadline, _ = ctx.Deadline()
	for l := range q.parked {
		// Waits armed before Close knew its deadline: shorten those that no longer fit.
		left := time.Until(l.due)
		if wait := q.fit(l.jobs[0], left); wait < left && l.timer.Stop() {
			l.due = time.Now().Add(wait)
			l.timer.Reset(wait)
		}
	}
	q.mu.Unlock()
	if q.pending.Load() == 0 {
		q.drainSet.Do(func() { close(q.drained) })
	}
	var err error
	select {
	case <-q.drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	q.mu.Lock()
	q.stopped = true
	var dropped []*job
	for l := range q.parked {
		dropped = q.remove(l, dropped)
	}
	for _, l := range q.ready {
		dropped = q.remove(l, dropped)
	}
	q.ready = nil
	q.mu.Unlock()
	q.cancel() // aborts calls in flight; their jobs settle as shutdown drops
	for _, j := range dropped {
		q.drop(j, DropShutdown, nil)
	}
	q.calls.Wait()
	q.callers.stop()
	q.workers.stop() // a worker drops the rest of its lane once it sees stopped
	q.mu.Lock()
	n := q.undeliv
	q.mu.Unlock()
	if err == nil && n == 0 {
		return nil
	}
	if err == nil {
		err = context.Canceled
	}
	return &CloseError{Undelivered: n, Err: err}
}
