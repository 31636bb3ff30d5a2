package delivery

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// fakeStream is a durable queue in memory with a consumer group's semantics, shared by the
// instances of a test: an entry is new until claimed, then held by its consumer until
// acknowledged; one idle (not renewed) for claimAfter is claimed by another consumer.
type fakeStream struct {
	mu         sync.Mutex
	next       int
	entries    map[string][]byte
	order      []string
	owner      map[string]string    // claimed entries: their consumer
	touched    map[string]time.Time // claimed entries: last claim or renewal
	claimAfter time.Duration
}

func newFakeStream(claimAfter time.Duration) *fakeStream {
	return &fakeStream{entries: map[string][]byte{}, owner: map[string]string{}, touched: map[string]time.Time{}, claimAfter: claimAfter}
}

func (f *fakeStream) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}

// consumer is one instance's view of the stream; dead makes every operation fail, as for
// an instance that was killed (it neither renews nor acknowledges).
type consumer struct {
	f    *fakeStream
	name string
	dead atomic.Bool
}

var errDead = errors.New("instance dead")

func (c *consumer) Add(_ context.Context, data [][]byte) error {
	if c.dead.Load() {
		return errDead
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, d := range data {
		c.f.next++
		id := strconv.Itoa(c.f.next)
		c.f.entries[id] = d
		c.f.order = append(c.f.order, id)
	}
	return nil
}

func (c *consumer) Claim(_ context.Context, n int) ([]Entry, error) {
	if c.dead.Load() {
		return nil, errDead
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	var out []Entry
	for _, id := range c.f.order {
		if len(out) == n {
			break
		}
		d, ok := c.f.entries[id]
		if !ok {
			continue
		}
		owner, claimed := c.f.owner[id]
		if claimed && (owner == c.name || time.Since(c.f.touched[id]) < c.f.claimAfter) {
			continue
		}
		c.f.owner[id], c.f.touched[id] = c.name, time.Now()
		out = append(out, Entry{ID: id, Data: d})
	}
	return out, nil
}

func (c *consumer) Renew(_ context.Context, ids []string) error {
	if c.dead.Load() {
		return errDead
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, id := range ids {
		if _, ok := c.f.entries[id]; ok {
			c.f.owner[id], c.f.touched[id] = c.name, time.Now()
		}
	}
	return nil
}

func (c *consumer) Ack(_ context.Context, ids []string) error {
	if c.dead.Load() {
		return errDead
	}
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, id := range ids {
		delete(c.f.entries, id)
		delete(c.f.owner, id)
		delete(c.f.touched, id)
	}
	return nil
}

// instance is one process's durable queue over a shared fakeStream.
type instance struct {
	c       *consumer
	q       *Queue
	d       *Durable
	s       *sink
	errs    sync.Map // op -> struct{}
	open    atomic.Bool
	mu      sync.Mutex
	carried []string // the first command's name of every request sent successfully
}

// newInstance starts a Durable whose Send fails (503) while fail is set, and whose breaker is
// open while open is set.
func newInstance(t *testing.T, f *fakeStream, name string, fail *atomic.Bool) *instance {
	in := &instance{c: &consumer{f: f, name: name}, s: &sink{}}
	var d *Durable
	in.q = New(Options{Size: 256, Workers: 4, MaxRetries: 1000, Backoff: time.Millisecond, Metrics: in.s,
		BreakerWait: func() (time.Duration, bool) { return 5 * time.Millisecond, in.open.Load() },
		Send: func(_ context.Context, r *wire.Request, _ int) error {
			if fail != nil && fail.Load() {
				return &wire.StatusError{StatusCode: 503}
			}
			in.mu.Lock()
			for _, c := range r.Commands {
				in.carried = append(in.carried, c.Args[0])
			}
			in.mu.Unlock()
			return nil
		},
		Settled: func(ids []string) { d.Settled(ids) },
		Handoff: func(r *wire.Request) bool { return d.Handoff(r) },
	})
	d = NewDurable(in.q, DurableOptions{Store: in.c, Renew: 20 * time.Millisecond, Poll: 5 * time.Millisecond,
		OnError: func(op string, _ error) { in.errs.Store(op, struct{}{}) }})
	in.d = d
	d.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = d.Close(ctx)
	})
	return in
}

func (in *instance) sent() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.carried)
}

// TestDurableDelivers: requests go through the store, are delivered once, in order per
// visitor, and acknowledged (the store ends empty).
func TestDurableDelivers(t *testing.T) {
	f := newFakeStream(time.Hour)
	in := newInstance(t, f, "a", nil)
	for i := range 20 {
		in.d.Enqueue(req(uint32(1+i%2), 1))
	}
	eventually(t, "20 deliveries and an empty store", func() bool { return in.s.delivered.Load() == 20 && f.len() == 0 })
	if n := len(in.sent()); n != 20 {
		t.Errorf("%d commands sent, want 20 (once each)", n)
	}
}

// TestDurableClaimsFromDeadInstance: instance a holds entries behind an open breaker and
// dies (its store operations fail, it renews nothing); instance b claims them once they
// have been idle for the claim delay, and delivers every one.
func TestDurableClaimsFromDeadInstance(t *testing.T) {
	f := newFakeStream(150 * time.Millisecond)
	a := newInstance(t, f, "a", nil)
	a.open.Store(true)
	for i := range 10 {
		r := req(uint32(100+i), 1)
		r.Commands[0].Args = []string{"v" + strconv.Itoa(i)}
		a.d.Enqueue(r)
	}
	eventually(t, "a holding all", func() bool { return a.q.Pending() == 10 })
	a.c.dead.Store(true) // killed: no renewal, no acknowledgement
	b := newInstance(t, f, "b", nil)
	eventually(t, "b delivering a's entries", func() bool { return len(b.sent()) == 10 && f.len() == 0 })
	if got := b.sent(); len(slices.Compact(slices.Sorted(slices.Values(got)))) != 10 {
		t.Errorf("b sent %v, want the 10 views once each", got)
	}
}

// TestDurableRenewalKeepsEntries: entries an instance holds longer than the claim delay
// (an outage) stay with it, because it renews them: no other instance sends them too.
func TestDurableRenewalKeepsEntries(t *testing.T) {
	f := newFakeStream(60 * time.Millisecond)
	var fail atomic.Bool
	fail.Store(true)
	a := newInstance(t, f, "a", &fail)
	a.open.Store(true)
	for range 5 {
		a.d.Enqueue(req(7, 1))
	}
	eventually(t, "a holding all", func() bool { return a.q.Pending() == 5 })
	b := newInstance(t, f, "b", nil)   // after: new entries would be anyone's
	time.Sleep(300 * time.Millisecond) // five claim delays
	if n := len(b.sent()); n != 0 {
		t.Errorf("b sent %d requests a still holds", n)
	}
	fail.Store(false)
	a.open.Store(false)
	eventually(t, "a delivering", func() bool { return len(a.sent()) == 5 && f.len() == 0 })
}

// TestDurableStoreDown: a store that refuses what is added leaves the requests to this
// process's queue, which delivers them; the failure is reported.
func TestDurableStoreDown(t *testing.T) {
	f := newFakeStream(time.Hour)
	in := newInstance(t, f, "a", nil)
	in.c.dead.Store(true)
	for range 5 {
		in.d.Enqueue(req(3, 1))
	}
	eventually(t, "local delivery", func() bool { return in.s.delivered.Load() == 5 })
	if _, ok := in.errs.Load("add"); !ok {
		t.Error("the failed add was not reported")
	}
}

// TestDurableUndecodableEntry: an entry that is no request is reported and acknowledged,
// never sent.
func TestDurableUndecodableEntry(t *testing.T) {
	f := newFakeStream(time.Hour)
	in := newInstance(t, f, "a", nil)
	_ = in.c.Add(context.Background(), [][]byte{[]byte("not json"), []byte(`{"UserID":1}`)})
	eventually(t, "both acknowledged", func() bool { return f.len() == 0 })
	if _, ok := in.errs.Load("decode"); !ok || len(in.sent()) != 0 {
		t.Errorf("decode error reported %t, sent %v", ok, in.sent())
	}
}

// FuzzDecode: whatever an entry holds (another program's data in the stream, a corrupted
// value), Decode returns a request with commands or an error, and never panics; a request it
// accepts encodes and decodes to itself.
func FuzzDecode(f *testing.F) {
	b, _ := Encode(req(9, 2))
	f.Add(b)
	f.Add([]byte(`{"UserID":1,"Commands":[{"Name":"Navigate","Args":["/"],"Navigate":true}]}`))
	f.Add([]byte(`{"Commands":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		if len(r.Commands) == 0 {
			t.Fatal("accepted a request without commands")
		}
		again, err := Encode(r)
		if err != nil {
			return // a NaN time zone cannot be encoded: it stays in this process
		}
		r2, err := Decode(again)
		if err != nil || r2.UserID != r.UserID || len(r2.Commands) != len(r.Commands) {
			t.Fatalf("round trip: %v, %+v vs %+v", err, r2, r)
		}
	})
}
