package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// deliveryWorkers send queued requests in the background.
	deliveryWorkers = 4
	// callTimeout bounds one tracker call that nobody waits for: background deliveries and
	// page calls that outlived the page's latency budget.
	callTimeout = 10 * time.Second
	// maxBackoff caps the wait between retries, Retry-After included.
	maxBackoff = 30 * time.Second
)

// job is one tracker request waiting for background delivery.
type job struct {
	req      *Request
	attempts int
	deferred bool // waiting for the open breaker, not for a retry
}

// delivery is the bounded, never-blocking background queue with retries. Page requests
// hand it what could not (or need not) be sent while the visitor waited.
type delivery struct {
	t       *Tracker
	ch      chan *job
	ctx     context.Context // canceled when Close gives up: aborts every call in flight
	cancel  context.CancelFunc
	workers sync.WaitGroup
	calls   sync.WaitGroup // page calls still running in the background
	pushing sync.WaitGroup // retry timers that fired and are putting their job back

	// pending counts requests not yet delivered or dropped, wherever they are.
	pending atomic.Int64

	mu       sync.Mutex
	closing  bool                 // Close has begun: report when pending reaches zero
	stopped  bool                 // Close finished: drop everything new
	timers   map[*job]*time.Timer // jobs waiting for their retry
	drained  chan struct{}        // closed when pending reaches zero after closing
	undeliv  int                  // commands dropped for shutdown during Close
	drainSet sync.Once
	waiting  int // jobs in ch or waiting for their retry: bounded by cap(ch) for new jobs
}

func newDelivery(t *Tracker, size int) *delivery {
	ctx, cancel := context.WithCancel(context.Background())
	d := &delivery{t: t, ch: make(chan *job, size), ctx: ctx, cancel: cancel,
		timers: map[*job]*time.Timer{}, drained: make(chan struct{})}
	for range deliveryWorkers {
		d.workers.Add(1)
		go d.work()
	}
	return d
}

func (d *delivery) depth() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.waiting
}

// enqueue hands req to the background without ever blocking. The queue's bound covers the
// requests waiting for a worker and those waiting for their retry, so a long outage under
// heavy traffic cannot grow memory without limit: past the bound new requests are dropped
// and counted.
func (d *delivery) enqueue(req *Request) {
	d.add()
	j := &job{req: req}
	d.mu.Lock()
	switch {
	case d.stopped:
		d.mu.Unlock()
		d.drop(j, DropShutdown, nil)
	case d.waiting >= cap(d.ch):
		d.mu.Unlock()
		d.drop(j, DropQueueFull, nil)
	default:
		d.waiting++
		d.ch <- j // cannot block: every job in the channel is counted in waiting
		d.mu.Unlock()
		d.t.counters.enqueued.Add(1)
	}
}

// requeue puts a job whose retry is due back into the queue.
func (d *delivery) requeue(j *job) {
	d.mu.Lock()
	if d.stopped {
		d.waiting--
		d.mu.Unlock()
		d.drop(j, DropShutdown, nil)
		return
	}
	select {
	case d.ch <- j:
		d.mu.Unlock()
	default: // only when retries pushed waiting past the bound
		d.waiting--
		d.mu.Unlock()
		d.drop(j, DropQueueFull, nil)
	}
}

// add counts a request as pending; done uncounts it.
func (d *delivery) add() { d.pending.Add(1) }

func (d *delivery) done() {
	if d.pending.Add(-1) == 0 {
		d.mu.Lock()
		closing := d.closing
		d.mu.Unlock()
		if closing {
			d.drainSet.Do(func() { close(d.drained) })
		}
	}
}

// drop gives up on a job: counted by reason and logged (rate-limited).
func (d *delivery) drop(j *job, reason string, err error) {
	n := len(j.req.Commands)
	d.t.counters.drop(reason, n)
	d.mu.Lock()
	if reason == DropShutdown {
		d.undeliv += n
	}
	d.mu.Unlock()
	attrs := []slog.Attr{slog.String("reason", reason), slog.Int("commands", n), slog.Uint64("user_id", uint64(j.req.UserID))}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	d.t.logs.log(d.t.log, slog.LevelWarn, "drop:"+reason, "personyze: commands dropped", attrs...)
	d.done()
}

func (d *delivery) work() {
	defer d.workers.Done()
	for j := range d.ch {
		d.mu.Lock()
		d.waiting--
		d.mu.Unlock()
		d.send(j)
	}
}

// send makes one attempt and settles the job: delivered, retried later, or dropped.
// While the breaker is open it makes none: Personyze has been failing, and a send would
// only add load to it and to this process (an upstream that fails by streaming megabytes
// costs CPU on every call, which slowed the pages the breaker was meant to shield). The job
// waits for the end of the cooldown without spending an attempt.
// During Close there are no pages left to shield, so it sends at once.
func (d *delivery) send(j *job) {
	d.mu.Lock()
	closing := d.closing
	d.mu.Unlock()
	if wait, open := d.t.breakerWait(); open && !closing {
		d.t.counters.deferred.Add(1)
		j.deferred = true
		d.retryLater(j, wait)
		return
	}
	j.deferred = false
	ctx, cancel := context.WithTimeout(d.ctx, callTimeout)
	_, err := d.t.client.Send(ctx, j.req)
	cancel()
	j.attempts++
	d.settle(j, err)
}

// settle decides what happens to a job after an attempt that returned err.
func (d *delivery) settle(j *job, err error) {
	switch {
	case err == nil, errors.Is(err, ErrMalformedResponse), errors.Is(err, ErrResponseTooLarge):
		// A garbled or oversized answer still means Personyze received the request.
		d.t.counters.delivered.Add(1)
		d.done()
	case d.ctx.Err() != nil:
		d.drop(j, DropShutdown, err)
	case errors.Is(err, ErrRequestTooBig), errors.Is(err, ErrEmptyID):
		d.drop(j, DropTooBig, err)
	case !Retryable(err):
		d.drop(j, DropNotRetryable, err)
	case j.attempts > d.t.cfg.MaxRetries:
		d.drop(j, DropRetries, err)
	default:
		d.t.counters.retries.Add(1)
		d.retryLater(j, d.backoff(j.attempts, RetryAfter(err)))
	}
}

// backoff returns the wait before attempt n+1: exponential with full jitter on the upper
// half, never shorter than the server's Retry-After, capped at maxBackoff.
func (d *delivery) backoff(n int, retryAfter time.Duration) time.Duration {
	b := d.t.cfg.RetryBackoff << min(n-1, 16)
	b = b/2 + rand.N(b/2+1)
	b = max(b, retryAfter)
	return min(b, maxBackoff)
}

// retryLater puts j back into the queue after wait; until then it counts against the
// queue's bound.
func (d *delivery) retryLater(j *job, wait time.Duration) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		d.drop(j, DropShutdown, nil)
		return
	}
	d.waiting++
	d.timers[j] = time.AfterFunc(wait, func() {
		d.mu.Lock()
		_, ok := d.timers[j] // not ok: close took the job over
		delete(d.timers, j)
		if ok {
			d.pushing.Add(1)
		}
		d.mu.Unlock()
		if ok {
			d.requeue(j)
			d.pushing.Done()
		}
	})
	d.mu.Unlock()
}

// CloseError reports what Tracker.Close could not deliver before its deadline.
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

// close waits until everything pending is delivered or dropped, or ctx ends; then it aborts
// what is left, counts it as dropped for shutdown, and stops the workers.
func (d *delivery) close(ctx context.Context) error {
	d.mu.Lock()
	if d.closing {
		d.mu.Unlock()
		return errors.New("personyze: Tracker.Close called twice")
	}
	d.closing = true
	for j, tm := range d.timers {
		// Jobs waiting for the breaker's cooldown go now: the shutdown deadline may be
		// shorter than the cooldown, and no page is left to shield.
		if j.deferred && tm.Stop() {
			tm.Reset(0)
		}
	}
	d.mu.Unlock()
	if d.pending.Load() == 0 {
		d.drainSet.Do(func() { close(d.drained) })
	}
	var err error
	select {
	case <-d.drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	d.mu.Lock()
	d.stopped = true
	timers := d.timers
	d.timers = map[*job]*time.Timer{}
	d.waiting -= len(timers)
	d.mu.Unlock()
	d.cancel() // aborts calls in flight; their jobs settle as shutdown drops
	for j, tm := range timers {
		tm.Stop()
		d.drop(j, DropShutdown, nil)
	}
	d.pushing.Wait()
	d.calls.Wait()
	d.mu.Lock()
	close(d.ch) // no sender can pass the stopped check any more
	d.mu.Unlock()
	for j := range d.ch {
		d.mu.Lock()
		d.waiting--
		d.mu.Unlock()
		d.drop(j, DropShutdown, nil)
	}
	d.workers.Wait()
	d.mu.Lock()
	n := d.undeliv
	d.mu.Unlock()
	if err == nil && n == 0 {
		return nil
	}
	if err == nil {
		err = context.Canceled
	}
	return &CloseError{Undelivered: n, Err: err}
}

// callContext returns the context of one call nobody waits for: bounded by callTimeout and
// aborted when Close gives up.
func (d *delivery) callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(d.ctx, callTimeout)
}
