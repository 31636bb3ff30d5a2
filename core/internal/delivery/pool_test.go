package delivery

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

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

// TestConcurrencyFollowsDemand: as many visitors' requests are sent at the same time as
// there are visitors waiting, up to Options.Workers and never more; once they are done
// the workers end, but for idleWorkers waiting for the next request, and Close ends those.
func TestConcurrencyFollowsDemand(t *testing.T) {
	before := goleak.IgnoreCurrent()
	const bound, visitors = 8, 20
	release := make(chan struct{})
	var inFlight, most atomic.Int64
	q, s := newQueueWith(t, Options{Size: 64, Workers: bound, MaxRetries: 3, Backoff: time.Millisecond},
		func(ctx context.Context, _ *wire.Request) error {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			defer inFlight.Add(-1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
	for u := range uint32(visitors) {
		q.Enqueue(req(u+1, 1))
	}
	eventually(t, "Workers requests in flight", func() bool { return inFlight.Load() == bound })
	if d := q.Depth(); d != visitors-bound {
		t.Errorf("depth %d while %d are sent, want %d", d, bound, visitors-bound)
	}
	close(release)
	eventually(t, "all delivered", func() bool { return s.delivered.Load() == visitors })
	eventually(t, "the workers end but for the idle ones", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.active == 0 && q.workers.idle.Load() <= idleWorkers && len(q.lanes) == 0
	})
	if m := most.Load(); m != bound {
		t.Errorf("at most %d requests in flight, want %d", m, bound)
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, before)
}

// TestVisitorOneAtATime: a visitor's requests are never sent at the same time, while
// other visitors' are.
func TestVisitorOneAtATime(t *testing.T) {
	const visitors, each = 6, 30
	var mu sync.Mutex
	busy := map[uint32]bool{}
	var overlaps, together, inFlight, most atomic.Int64
	q, s := newQueueWith(t, Options{Size: 1024, Workers: 16, MaxRetries: 3, Backoff: time.Millisecond},
		func(_ context.Context, r *wire.Request) error {
			mu.Lock()
			if busy[r.UserID] {
				overlaps.Add(1)
			}
			busy[r.UserID] = true
			mu.Unlock()
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(100 * time.Microsecond)
			inFlight.Add(-1)
			together.Add(int64(len(r.Commands)))
			mu.Lock()
			busy[r.UserID] = false
			mu.Unlock()
			return nil
		})
	for range each {
		for u := range uint32(visitors) {
			q.Enqueue(req(u+1, 1))
		}
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d sends overlapped another of the same visitor", overlaps.Load())
	}
	if s.delivered.Load() != visitors*each || together.Load() != visitors*each {
		t.Errorf("delivered %d requests, %d commands; want %d", s.delivered.Load(), together.Load(), visitors*each)
	}
	if most.Load() < 2 {
		t.Errorf("never more than %d sends at a time for %d visitors", most.Load(), visitors)
	}
}

// TestBacklogRidesWithRetry: the requests a visitor queues while its first waits for a
// retry go with that retry in one call, in order, and are counted one by one; a page view
// keeps a call of its own, and a request with other visitor fields (the first of a new
// session) is not merged.
func TestBacklogRidesWithRetry(t *testing.T) {
	q, s, log := backlogQueue(t)
	first := req(1, 1)
	q.Enqueue(first)
	eventually(t, "the first attempt failed", func() bool { return s.retried.Load() == 1 })
	for _, a := range []string{"b", "c"} {
		r := req(1, 1)
		r.Commands[0].Args = []string{a}
		q.Enqueue(r)
	}
	page := req(1, 1)
	page.Commands[0] = wire.Command{Name: "Navigate", Args: []string{"nav"}, Navigate: true}
	q.Enqueue(page)
	fresh := req(1, 1)
	fresh.Commands[0].Args = []string{"d"}
	fresh.NewSession = true
	q.Enqueue(fresh)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a"}, {"a", "b", "c"}, {"nav"}, {"d"}}
	calls := log.calls()
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("calls %q, want %q", calls, want)
	}
	if s.delivered.Load() != 5 || q.Pending() != 0 {
		t.Errorf("delivered %d, pending %d; want 5, 0", s.delivered.Load(), q.Pending())
	}
}

// TestBacklogKeepsTheDuplicateRule: a visitor's queued requests are merged only where the
// SDKs' duplicate rule allows it: a page's late click on action 7 and that page's held
// impression of action 7 go in separate calls, in order (merged, Personyze would drop the
// impression as a duplicate), while the event after the impression still rides with it.
func TestBacklogKeepsTheDuplicateRule(t *testing.T) {
	q, _, log := backlogQueue(t)
	status := func(args ...string) *wire.Request {
		return &wire.Request{UserID: 1, Commands: []wire.Command{{Name: "Action Status", Args: args}}}
	}
	q.Enqueue(req(1, 1))
	eventually(t, "the first attempt failed", func() bool { return len(log.calls()) == 1 })
	q.Enqueue(status("7", "product", "p1"))
	q.Enqueue(status("7", "executed", ""))
	event := req(1, 1)
	event.Commands[0].Args = []string{"c"}
	q.Enqueue(event)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a"}, {"a", "7 product p1"}, {"7 executed ", "c"}}
	calls := log.calls()
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("calls %q, want %q", calls, want)
	}
	for _, c := range calls {
		cmds := make([]wire.Command, len(c))
		for i, a := range c {
			if parts := strings.SplitN(a, " ", 3); len(parts) == 3 {
				cmds[i] = wire.Command{Name: "Action Status", Args: parts}
			}
		}
		if d := wire.DuplicateStatuses(cmds); d != nil {
			t.Errorf("call %q holds statuses the SDKs' rule drops: %v", c, d)
		}
	}
}

// callLog records the calls a Queue sent: each call's commands, their arguments joined
// by spaces.
type callLog struct {
	mu  sync.Mutex
	got [][]string
}

func (l *callLog) calls() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// backlogQueue is a Queue whose first send fails with a 503, so that a visitor's later
// requests queue up behind its retry, 200ms later; every call is recorded in the log.
func backlogQueue(t *testing.T) (*Queue, *sink, *callLog) {
	log := &callLog{}
	q, s := newQueueWith(t, Options{Size: 16, Workers: 4, MaxRetries: 3, Backoff: 200 * time.Millisecond},
		func(_ context.Context, r *wire.Request) error {
			log.mu.Lock()
			defer log.mu.Unlock()
			var args []string
			for _, c := range r.Commands {
				args = append(args, strings.Join(c.Args, " "))
			}
			log.got = append(log.got, args)
			if len(log.got) == 1 {
				return &wire.StatusError{StatusCode: 503}
			}
			return nil
		})
	return q, s, log
}
