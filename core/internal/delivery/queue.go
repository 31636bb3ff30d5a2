// Package delivery owns background delivery: the bounded, never-blocking queue of tracker
// requests that could not (or need not) be sent while a visitor waited, its workers, retries
// with backoff, the wait while the circuit breaker is open, the registry of page calls that
// outlived their page, and the shutdown that delivers what is left. It receives a send
// function and a metrics sink, and knows nothing of the Tracker that owns it.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	Size       int // bound of requests waiting for a worker or for their retry
	Workers    int
	MaxRetries int // negative: no retries
	Backoff    time.Duration
	// Send makes one tracker call; attempt is 1 for a request's first try.
	Send func(ctx context.Context, req *wire.Request, attempt int) error
	// BreakerWait reports whether the circuit breaker is open and how long a send should
	// wait before trying.
	BreakerWait func() (time.Duration, bool)
	Metrics     Metrics
}

// job is one request waiting for background delivery.
type job struct {
	req      *wire.Request
	attempts int
	deferred bool // waiting for the open breaker, not for a retry
}

// Queue is the bounded, never-blocking background queue with retries.
//
// Every request it is responsible for is "pending" from the moment it is handed over (or its
// page call registered) until it is delivered or dropped. Close waits until nothing is
// pending or its context ends.
type Queue struct {
	o Options
	// chs are the workers' queues, one each. A visitor's requests (by user_id) always go to
	// the same one, so they are sent in the order they were queued (a retried request goes
	// after those queued behind it meanwhile); capacity is Size each, so with the bound on
	// waiting below a send into one never blocks.
	chs     []chan *job
	ctx     context.Context // canceled when Close gives up: aborts every call in flight
	cancel  context.CancelFunc
	workers sync.WaitGroup
	// calls counts page calls running in the background and pushing the retry timers that
	// fired and are putting their job back. Both are only ever incremented under mu while
	// stopped is false, and Close waits on them only after setting stopped under mu: so no
	// Add can race with Close's Wait, the rule sync.WaitGroup requires.
	calls   sync.WaitGroup
	pushing sync.WaitGroup
	callers *runner // the goroutines page calls run on

	pending atomic.Int64 // requests not yet delivered or dropped, wherever they are

	mu       sync.Mutex
	closing  bool                 // Close has begun: held-back jobs go at once; report drained
	stopped  bool                 // Close stopped waiting: everything new is dropped
	timers   map[*job]*time.Timer // jobs waiting for their retry or for the breaker
	drained  chan struct{}        // closed when pending reaches zero after closing
	drainSet sync.Once
	undeliv  int // commands dropped for shutdown once Close began
	waiting  int // jobs in chs or waiting for a timer: bounded by Size for new jobs
}

// New starts a Queue and its workers.
func New(o Options) *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{o: o, ctx: ctx, cancel: cancel, timers: map[*job]*time.Timer{}, drained: make(chan struct{}),
		callers: newRunner(idleCallers)}
	for range o.Workers {
		ch := make(chan *job, o.Size)
		q.chs = append(q.chs, ch)
		q.workers.Add(1)
		go q.work(ch)
	}
	return q
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
func (q *Queue) Enqueue(req *wire.Request) {
	q.pending.Add(1)
	j := &job{req: req}
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
		q.chOf(j) <- j // cannot block: every job in a channel is counted in waiting
		q.mu.Unlock()
		q.o.Metrics.Enqueued()
	}
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
	c.q.settle(&job{req: req, attempts: 1}, err)
	c.q.calls.Done()
}

// Refuse counts the commands of a page call that could not start (StartCall failed) as
// dropped for shutdown.
func (q *Queue) Refuse(req *wire.Request) {
	q.pending.Add(1)
	q.drop(&job{req: req}, DropShutdown, nil)
}

// requeue puts a job whose timer fired back into the queue.
func (q *Queue) requeue(j *job) {
	q.mu.Lock()
	if q.stopped {
		q.waiting--
		q.mu.Unlock()
		q.drop(j, DropShutdown, nil)
		return
	}
	select {
	case q.chOf(j) <- j:
		q.mu.Unlock()
	default: // only when retries pushed waiting past the bound
		q.waiting--
		q.mu.Unlock()
		q.drop(j, DropQueueFull, nil)
	}
}

// done uncounts a request that was delivered or dropped.
func (q *Queue) done() {
	if q.pending.Add(-1) == 0 {
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
	q.o.Metrics.Dropped(reason, j.req, err)
	q.done()
}

// chOf returns the worker queue of j's visitor.
func (q *Queue) chOf(j *job) chan *job { return q.chs[int(j.req.UserID%uint32(len(q.chs)))] }

func (q *Queue) work(ch chan *job) {
	defer q.workers.Done()
	for j := range ch {
		q.mu.Lock()
		q.waiting--
		q.mu.Unlock()
		q.send(j)
	}
}

// send makes one attempt and settles the job. While the breaker is open it makes none:
// Personyze has been failing, and a send would only add load to it and to this process (an
// upstream that fails by streaming megabytes costs CPU on every call, which slowed the pages
// the breaker was meant to shield). The job waits for the end of the cooldown without
// spending an attempt; during Close it goes at once (see later).
func (q *Queue) send(j *job) {
	q.mu.Lock()
	closing := q.closing
	q.mu.Unlock()
	if wait, open := q.o.BreakerWait(); open && !closing {
		q.o.Metrics.Deferred()
		j.deferred = true
		q.later(j, wait)
		return
	}
	j.deferred = false
	ctx, cancel := context.WithTimeout(q.ctx, CallTimeout)
	err := q.o.Send(ctx, j.req, j.attempts+1)
	cancel()
	j.attempts++
	q.settle(j, err)
}

// settle decides what happens to a job after an attempt that returned err.
func (q *Queue) settle(j *job, err error) {
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
		q.o.Metrics.Delivered()
		q.done()
	case q.ctx.Err() != nil:
		q.drop(j, DropShutdown, err)
	case errors.Is(err, wire.ErrRequestTooBig):
		q.drop(j, DropTooBig, err)
	case !wire.Retryable(err):
		q.drop(j, DropNotRetryable, err)
	case j.attempts > q.o.MaxRetries:
		q.drop(j, DropRetries, err)
	default:
		q.o.Metrics.Retried()
		q.later(j, q.backoff(j.attempts, wire.RetryAfter(err)))
	}
}

// backoff returns the wait before attempt n+1: exponential with full jitter on the upper
// half, never shorter than the server's Retry-After, capped at maxBackoff.
func (q *Queue) backoff(n int, retryAfter time.Duration) time.Duration {
	b := q.o.Backoff << min(n-1, 16)
	b = b/2 + rand.N(b/2+1)
	b = max(b, retryAfter)
	return min(b, maxBackoff)
}

// later puts j back into the queue after wait; until then it counts against the bound.
//
// A job held back for the breaker goes at once when Close has begun: the shutdown deadline
// may be shorter than the cooldown, and no page is left to shield. The check is made here,
// under the same lock under which Close sets closing and releases the timers it finds, so a
// job cannot be armed for the cooldown just after Close looked.
func (q *Queue) later(j *job, wait time.Duration) {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		q.drop(j, DropShutdown, nil)
		return
	}
	if j.deferred && q.closing {
		wait = 0
	}
	q.waiting++
	q.timers[j] = time.AfterFunc(wait, func() {
		q.mu.Lock()
		_, ok := q.timers[j] // not ok: Close took the job over
		delete(q.timers, j)
		if ok {
			q.pushing.Add(1) // under mu with stopped false: see calls
		}
		q.mu.Unlock()
		if ok {
			q.requeue(j)
			q.pushing.Done()
		}
	})
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
// what is left, counts it as dropped for shutdown, and stops the workers. Page calls
// registered after it stopped waiting are refused (StartCall). It returns nil or a
// *CloseError; a second Close returns ErrClosedTwice at once.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if q.closing {
		q.mu.Unlock()
		return ErrClosedTwice
	}
	q.closing = true
	for j, tm := range q.timers {
		// Jobs waiting for the breaker's cooldown go now (see later).
		if j.deferred && tm.Stop() {
			tm.Reset(0)
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
	timers := q.timers
	q.timers = map[*job]*time.Timer{}
	q.waiting -= len(timers)
	q.mu.Unlock()
	q.cancel() // aborts calls in flight; their jobs settle as shutdown drops
	for j, tm := range timers {
		tm.Stop()
		q.drop(j, DropShutdown, nil)
	}
	q.pushing.Wait()
	q.calls.Wait()
	q.callers.stop()
	q.mu.Lock()
	for _, ch := range q.chs {
		close(ch) // no sender can pass the stopped check any more
	}
	q.mu.Unlock()
	for _, ch := range q.chs {
		for j := range ch {
			q.mu.Lock()
			q.waiting--
			q.mu.Unlock()
			q.drop(j, DropShutdown, nil)
		}
	}
	q.workers.Wait()
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
