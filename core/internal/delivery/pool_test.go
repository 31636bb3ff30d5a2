package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// TestNoHeadOfLineBlocking: a visitor whose request hangs delays nobody else. The other
// visitors' user ids are chosen to share every hash bucket with the slow one (user_id
// modulo the number of workers), so a queue that assigned visitors to workers by user_id
// would make them wait behind it.
func TestNoHeadOfLineBlocking(t *testing.T) {
	const workers, others = 4, 12
	release := make(chan struct{})
	var slowStarted sync.Once
	started := make(chan struct{})
	q, s := newQueueWith(t, Options{Size: 64, Workers: workers, MaxRetries: 3, Backoff: time.Millisecond},
		func(ctx context.Context, r *wire.Request) error {
			if r.UserID == 1 {
				slowStarted.Do(func() { close(started) })
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return nil
		})
	q.Enqueue(req(1, 1))
	<-started
	for i := range uint32(others) {
		q.Enqueue(req(1+workers*(i+1), 1)) // same bucket as user 1
	}
	eventually(t, "the other visitors' requests are delivered while the slow one hangs",
		func() bool { return s.delivered.Load() == others })
	close(release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.delivered.Load() != others+1 {
		t.Fatalf("delivered %d, want %d", s.delivered.Load(), others+1)
	}
}

// TestCloseFitsRetriesInDeadline: during Close a retry waits no longer than the deadline
// allows, whatever the backoff says (here 30 s, the cap): the request is retried and
// delivered instead of being given up at the deadline. Both ways in: a request already
// waiting for its retry when Close begins, and one whose attempt fails during Close.
func TestCloseFitsRetriesInDeadline(t *testing.T) {
	for _, tt := range []struct {
		name        string
		failedFirst bool // the first attempt failed before Close began
	}{
		{"waiting when Close begins", true},
		{"failing during Close", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			gate := make(chan struct{})
			q, s := newQueueWith(t, Options{Size: 16, Workers: 4, MaxRetries: 3, Backoff: time.Hour},
				func(context.Context, *wire.Request) error {
					if calls.Add(1) == 1 {
						<-gate
						return &wire.StatusError{StatusCode: 503}
					}
					return nil
				})
			q.Enqueue(req(3, 2))
			if tt.failedFirst {
				close(gate)
				eventually(t, "the first attempt failed", func() bool { return s.retried.Load() == 1 })
			} else {
				eventually(t, "the first attempt started", func() bool { return calls.Load() == 1 })
				time.AfterFunc(100*time.Millisecond, func() { close(gate) })
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			if err := q.Close(ctx); err != nil {
				t.Fatalf("Close after %v: %v", time.Since(start), err)
			}
			if s.delivered.Load() != 1 || calls.Load() != 2 {
				t.Fatalf("delivered %d after %d attempts, want 1 after 2", s.delivered.Load(), calls.Load())
			}
		})
	}
}

// newQueueWith starts a Queue with o, send for Send (ignoring the attempt number), a closed
// breaker and a fresh sink; the test fails if the Queue is not closed by its end.
func newQueueWith(t *testing.T, o Options, send func(context.Context, *wire.Request) error) (*Queue, *sink) {
	t.Helper()
	s := &sink{}
	o.Send = func(ctx context.Context, r *wire.Request, _ int) error { return send(ctx, r) }
	o.BreakerWait = func() (time.Duration, bool) { return 0, false }
	o.Metrics = s
	return New(o), s
}
