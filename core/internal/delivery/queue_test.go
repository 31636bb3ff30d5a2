package delivery

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// sink counts what the Queue reports.
type sink struct {
	enqueued, delivered, retried, deferred atomic.Int64
	mu                                     sync.Mutex
	dropped                                map[string]int
}

func (s *sink) Enqueued()  { s.enqueued.Add(1) }
func (s *sink) Delivered() { s.delivered.Add(1) }
func (s *sink) Retried()   { s.retried.Add(1) }
func (s *sink) Deferred()  { s.deferred.Add(1) }
func (s *sink) Dropped(reason string, req *wire.Request, _ error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped == nil {
		s.dropped = map[string]int{}
	}
	s.dropped[reason] += len(req.Commands)
}

func (s *sink) drops(reason string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped[reason]
}

func newQueue(t *testing.T, size int, send func(context.Context, *wire.Request) error, open func() (time.Duration, bool)) (*Queue, *sink) {
	t.Helper()
	if open == nil {
		open = func() (time.Duration, bool) { return 0, false }
	}
	s := &sink{}
	q := New(Options{Size: size, Workers: 4, MaxRetries: 3, Backoff: time.Millisecond,
		Send:        func(ctx context.Context, r *wire.Request, _ int) error { return send(ctx, r) },
		BreakerWait: open, Metrics: s})
	return q, s
}

func req(user uint32, n int) *wire.Request {
	r := &wire.Request{UserID: user}
	for i := range n {
		r.Commands = append(r.Commands, wire.Command{Name: "Product Viewed", Args: []string{string(rune('a' + i))}})
	}
	return r
}

// TestOrderPerVisitor: a visitor's requests are sent in the order they were queued, even
// with several workers sending other visitors' requests at the same time.
func TestOrderPerVisitor(t *testing.T) {
	var mu sync.Mutex
	sent := map[uint32][]string{}
	q, s := newQueue(t, 1024, func(_ context.Context, r *wire.Request) error {
		mu.Lock()
		sent[r.UserID] = append(sent[r.UserID], r.SessionID)
		mu.Unlock()
		return nil
	}, nil)
	const visitors, each = 16, 20
	for i := range each {
		for u := range uint32(visitors) {
			r := req(u+1, 1)
			r.SessionID = string(rune('A' + i))
			q.Enqueue(r)
		}
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for u, got := range sent {
		if !slices.IsSorted(got) || len(got) != each {
			t.Errorf("visitor %d: sent %q, want %d in queue order", u, got, each)
		}
	}
	if s.delivered.Load() != visitors*each {
		t.Errorf("delivered %d", s.delivered.Load())
	}
}

// TestBoundNeverBlocks: past Size, new requests are dropped and counted, at once.
func TestBoundNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	q, s := newQueue(t, 8, func(ctx context.Context, _ *wire.Request) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			q.Enqueue(req(1, 2))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Enqueue blocked")
	}
	if s.drops(DropQueueFull) == 0 || q.Depth() > 8 {
		t.Fatalf("queue_full drops %d, depth %d", s.drops(DropQueueFull), q.Depth())
	}
	close(release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := 2*int(s.delivered.Load()) + s.drops(DropQueueFull); got != 200 || q.Pending() != 0 {
		t.Fatalf("accounted %d of 200 commands, pending %d", got, q.Pending())
	}
}

// TestSettle: what each kind of failure leads to.
func TestSettle(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		reason string // "" means delivered
	}{
		{"ok", nil, ""},
		{"garbled answer still arrived", wire.ErrMalformedResponse, ""},
		{"401 not retried", &wire.StatusError{StatusCode: 401}, DropNotRetryable},
		{"too big", wire.ErrRequestTooBig, DropTooBig},
		{"503 retried until exhausted", &wire.StatusError{StatusCode: 503}, DropRetries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			q, s := newQueue(t, 16, func(context.Context, *wire.Request) error {
				calls.Add(1)
				return tt.err
			}, nil)
			q.Enqueue(req(7, 1))
			if err := q.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tt.reason == "" {
				if s.delivered.Load() != 1 {
					t.Fatalf("delivered %d", s.delivered.Load())
				}
				return
			}
			if s.drops(tt.reason) != 1 {
				t.Fatalf("drops %v, want 1 %s", s.dropped, tt.reason)
			}
			if tt.reason == DropRetries && calls.Load() != 4 {
				t.Fatalf("%d attempts, want 1 + MaxRetries (3)", calls.Load())
			}
		})
	}
}

// TestPartialRetriesOnlyTheRest: after a split request failed part-way, only the commands
// not delivered are retried.
func TestPartialRetriesOnlyTheRest(t *testing.T) {
	var sent []int
	var mu sync.Mutex
	q, _ := newQueue(t, 16, func(_ context.Context, r *wire.Request) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, len(r.Commands))
		if len(sent) == 1 {
			return &wire.PartialError{Sent: 1, Total: 2, Unsent: r.Commands[3:], Err: &wire.StatusError{StatusCode: 503}}
		}
		return nil
	}, nil)
	q.Enqueue(req(1, 5))
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sent, []int{5, 2}) {
		t.Fatalf("sent %v, want [5 2]", sent)
	}
}

// TestStartCallAfterClose: a page call cannot register once Close stopped waiting, and the
// refused commands are counted; nothing is left pending.
func TestStartCallAfterClose(t *testing.T) {
	q, s := newQueue(t, 16, func(context.Context, *wire.Request) error { return nil }, nil)
	c, err := q.StartCall(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.Done(req(1, 2), nil)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := q.StartCall(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("StartCall after Close = %v, want ErrClosed", err)
	}
	q.Refuse(req(1, 2))
	q.Enqueue(req(1, 3))
	if s.delivered.Load() != 1 || s.drops(DropShutdown) != 5 || q.Pending() != 0 {
		t.Fatalf("delivered %d, shutdown drops %d, pending %d", s.delivered.Load(), s.drops(DropShutdown), q.Pending())
	}
	if err := q.Close(context.Background()); !errors.Is(err, ErrClosedTwice) {
		t.Fatalf("second Close = %v", err)
	}
}

// TestCloseReleasesBreakerHold: jobs waiting for an open breaker's (1 h) cooldown are sent
// as soon as Close begins, and a job that a worker parks for the cooldown after Close began
// goes at once too.
func TestCloseReleasesBreakerHold(t *testing.T) {
	var open atomic.Bool
	open.Store(true)
	q, s := newQueue(t, 64, func(context.Context, *wire.Request) error { return nil },
		func() (time.Duration, bool) { return time.Hour, open.Load() })
	for i := range 40 {
		q.Enqueue(req(uint32(i), 1))
	}
	for deadline := time.Now().Add(10 * time.Second); s.deferred.Load() < 40; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 40 jobs held for the breaker", s.deferred.Load())
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if s.delivered.Load() != 40 {
		t.Fatalf("delivered %d deferred %d", s.delivered.Load(), s.deferred.Load())
	}
}

// TestCallContextKeepsValuesNotCancellation: a page call's context carries the request's
// values (trace spans) but outlives the request's cancellation; Close giving up ends it.
func TestCallContextKeepsValuesNotCancellation(t *testing.T) {
	type key struct{}
	q, _ := newQueue(t, 16, func(context.Context, *wire.Request) error { return nil }, nil)
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "span"))
	c, err := q.StartCall(parent)
	if err != nil {
		t.Fatal(err)
	}
	child, stopChild := context.WithCancel(c.Ctx) // as the HTTP transport makes
	defer stopChild()
	cancel()
	if c.Ctx.Value(key{}) != "span" || c.Ctx.Err() != nil || child.Err() != nil {
		t.Fatalf("value %v, err %v, child's %v", c.Ctx.Value(key{}), c.Ctx.Err(), child.Err())
	}
	if _, ok := c.Ctx.Deadline(); !ok {
		t.Fatal("no deadline: a call nobody waits for must end")
	}
	closeCtx, stop := context.WithCancel(context.Background())
	stop() // Close gives up at once
	errc := make(chan error, 1)
	go func() { errc <- q.Close(closeCtx) }()
	<-c.Ctx.Done() // aborted by Close
	<-child.Done()
	c.Done(req(1, 1), c.Ctx.Err())
	var ce *CloseError
	if err := <-errc; !errors.As(err, &ce) || ce.Undelivered != 1 {
		t.Fatalf("Close = %v, want 1 undelivered", err)
	}
}
