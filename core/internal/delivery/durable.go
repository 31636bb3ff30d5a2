package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Entry is one request in a durable queue: its id there and its encoding (see Encode).
type Entry struct {
	ID   string
	Data []byte
}

// Store is a durable queue shared by the instances of an application (a Redis stream with
// a consumer group): entries stay in it until an instance acknowledges them, and the
// entries an instance claimed and stopped renewing (it died) are claimed by another.
type Store interface {
	// Add stores entries for delivery by any instance.
	Add(ctx context.Context, data [][]byte) error
	// Claim returns up to n entries for this instance to deliver: new ones, and those
	// another instance claimed and has not renewed for a while.
	Claim(ctx context.Context, n int) ([]Entry, error)
	// Renew tells the others that this instance is still working on the entries.
	Renew(ctx context.Context, ids []string) error
	// Ack removes delivered (or finally dropped) entries.
	Ack(ctx context.Context, ids []string) error
}

// DurableOptions configure a Durable.
type DurableOptions struct {
	Store Store
	// Renew is how often the entries this instance holds are renewed: well under the idle
	// time after which other instances claim them.
	Renew time.Duration
	// Poll is the wait before claiming again when there was nothing to claim or the store
	// failed.
	Poll time.Duration
	// OnError hears every failed store operation ("add", "claim", "renew", "ack",
	// "decode"); what failed to be added is queued in this process instead.
	OnError func(op string, err error)
}

// Durable puts a Queue behind a durable Store: requests handed over go to the Store (in
// batches, by a goroutine of its own, so that a page never waits for it), and every
// instance claims entries from the Store into its own Queue, renews them while they wait
// there (retries, the open breaker), and acknowledges them once delivered or finally
// dropped. Delivery is at least once: an entry delivered by an instance that dies before
// its acknowledgement reaches the Store, or whose renewals stop reaching the Store for
// longer than the claim idle time while it still works, is delivered again by another.
type Durable struct {
	q *Queue
	o DurableOptions

	mu     sync.RWMutex // guards closed against sends on adds
	closed bool
	adds   chan *wire.Request

	hmu  sync.Mutex
	held map[string]struct{} // claimed entries not yet settled
	acks []string            // settled entries not yet acknowledged
	kick chan struct{}       // wakes the acknowledger

	ctx     context.Context // canceled by Close: stops claiming and renewing
	cancel  context.CancelFunc
	wrote   chan struct{} // closed when the writer has stored (or queued) the last adds
	stopped sync.WaitGroup
}

// durableBatch bounds the entries of one Add or Claim.
const durableBatch = 64

// errAddsFull is OnError's error for a request queued in this process because the batch
// of requests on their way to the Store was full.
var errAddsFull = errors.New("personyze: durable queue: too many requests on their way to the store")

// NewDurable makes q durable with o.Store; Start starts it. q must have been created with
// Options.Settled calling the returned Durable's Settled and Options.Handoff its Handoff:
// keep the Durable where those functions find it, then call Start.
func NewDurable(q *Queue, o DurableOptions) *Durable {
	ctx, cancel := context.WithCancel(context.Background())
	return &Durable{q: q, o: o, adds: make(chan *wire.Request, q.o.Size), held: map[string]struct{}{},
		kick: make(chan struct{}, 1), ctx: ctx, cancel: cancel, wrote: make(chan struct{})}
}

// Start starts the goroutines that store, claim, renew and acknowledge. Call it once.
func (d *Durable) Start() {
	go d.write()
	d.stopped.Add(3)
	go d.claim()
	go d.renew()
	go d.acknowledge()
}

// Enqueue hands req to the durable queue without blocking; when the batch on its way to
// the Store is full, or after Close, it goes to this process's Queue instead.
func (d *Durable) Enqueue(req *wire.Request) {
	d.mu.RLock()
	if !d.closed {
		select {
		case d.adds <- req:
			d.mu.RUnlock()
			return
		default:
		}
	}
	closed := d.closed
	d.mu.RUnlock()
	if !closed {
		d.o.OnError("add", errAddsFull)
	}
	d.q.Enqueue(req)
}

// Handoff is Options.Handoff: a page call's retry goes to the durable queue.
func (d *Durable) Handoff(req *wire.Request) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false
	}
	select {
	case d.adds <- req:
		return true
	default:
		return false
	}
}

// write stores what Enqueue hands over, in batches, until Close; what the Store refuses
// is queued in this process.
func (d *Durable) write() {
	defer close(d.wrote)
	batch := make([]*wire.Request, 0, durableBatch)
	for req := range d.adds {
		batch = append(batch[:0], req)
	more:
		for len(batch) < durableBatch {
			select {
			case r, ok := <-d.adds:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		d.store(batch)
		clear(batch)
	}
}

// store adds batch to the Store, or queues it here when that fails.
func (d *Durable) store(batch []*wire.Request) {
	data := make([][]byte, 0, len(batch))
	local := batch[:0:0]
	for _, r := range batch {
		b, err := Encode(r)
		if err != nil {
			local = append(local, r)
			continue
		}
		data = append(data, b)
	}
	if len(data) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := d.o.Store.Add(ctx, data)
		cancel()
		if err != nil {
			d.o.OnError("add", err)
			local = batch
		}
	}
	for _, r := range local {
		d.q.Enqueue(r)
	}
}

// storeTimeout bounds one operation on the Store off the page's path.
const storeTimeout = 2 * time.Second

// claim moves entries from the Store into the Queue while it has room, until Close.
func (d *Durable) claim() {
	defer d.stopped.Done()
	for d.ctx.Err() == nil {
		room := min(d.q.o.Size-d.q.Depth()-durableBatch, durableBatch)
		if room <= 0 {
			d.sleep()
			continue
		}
		ctx, cancel := context.WithTimeout(d.ctx, storeTimeout)
		entries, err := d.o.Store.Claim(ctx, room)
		cancel()
		if err != nil {
			if d.ctx.Err() == nil {
				d.o.OnError("claim", err)
			}
			d.sleep()
			continue
		}
		for _, e := range entries {
			req, err := Decode(e.Data)
			if err != nil {
				d.o.OnError("decode", err)
				d.Settled([]string{e.ID}) // it can never be delivered
				continue
			}
			d.hmu.Lock()
			d.held[e.ID] = struct{}{}
			d.hmu.Unlock()
			if !d.q.enqueue(req, []string{e.ID}) {
				// Full or closed: left to the Store, where an instance claims it later.
				d.hmu.Lock()
				delete(d.held, e.ID)
				d.hmu.Unlock()
			}
		}
		if len(entries) == 0 {
			d.sleep()
		}
	}
}

// sleep waits Poll, or until Close.
func (d *Durable) sleep() {
	t := time.NewTimer(d.o.Poll)
	defer t.Stop()
	select {
	case <-t.C:
	case <-d.ctx.Done():
	}
}

// renew renews the entries held here every Renew, until Close.
func (d *Durable) renew() {
	defer d.stopped.Done()
	tick := time.NewTicker(d.o.Renew)
	defer tick.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-tick.C:
		}
		d.hmu.Lock()
		ids := slices.Collect(maps.Keys(d.held))
		d.hmu.Unlock()
		for chunk := range slices.Chunk(ids, 512) {
			ctx, cancel := context.WithTimeout(d.ctx, storeTimeout)
			err := d.o.Store.Renew(ctx, chunk)
			cancel()
			if err != nil && d.ctx.Err() == nil {
				d.o.OnError("renew", err)
				break
			}
		}
	}
}

// Settled is Options.Settled: the entries are acknowledged soon, off the worker's path.
func (d *Durable) Settled(ids []string) {
	d.hmu.Lock()
	for _, id := range ids {
		delete(d.held, id)
	}
	d.acks = append(d.acks, ids...)
	d.hmu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// acknowledge acknowledges settled entries until Close, then once more.
func (d *Durable) acknowledge() {
	defer d.stopped.Done()
	for {
		select {
		case <-d.kick:
			d.flushAcks(d.ctx)
		case <-d.ctx.Done():
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			d.flushAcks(ctx)
			cancel()
			return
		}
	}
}

// flushAcks acknowledges what is settled; what fails is tried again at the next kick.
func (d *Durable) flushAcks(ctx context.Context) {
	d.hmu.Lock()
	ids := d.acks
	d.acks = nil
	d.hmu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := d.o.Store.Ack(ctx, ids); err != nil {
		d.o.OnError("ack", err)
		d.hmu.Lock()
		d.acks = append(ids, d.acks...)
		d.hmu.Unlock()
	}
}

// StopAdding makes what is handed over from now on go to this process's Queue, which Close
// delivers: what a closing Tracker flushes (the held statuses) goes out with it instead of
// waiting in the Store for another instance. It may be called before Close, and again.
func (d *Durable) StopAdding() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.adds)
	}
}

// Close stores what is on its way to the Store (or, failing that, queues it here), stops
// claiming, then closes the Queue (which delivers what it holds, see Queue.Close) and
// acknowledges what it delivered. What this instance did not deliver stays in the Store for
// the others (or this application's next start).
func (d *Durable) Close(ctx context.Context) error {
	d.StopAdding()
	select {
	case <-d.wrote:
	case <-ctx.Done():
	}
	d.cancel() // stops claiming and renewing; pending acknowledgements are flushed once
	err := d.q.Close(ctx)
	d.Settled(nil)
	d.stopped.Wait()
	// Acknowledgements settled while the acknowledger stopped.
	actx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	d.flushAcks(actx)
	cancel()
	return err
}

// Encode encodes a request for the durable queue.
func Encode(r *wire.Request) ([]byte, error) { return json.Marshal(r) }

// Decode decodes an entry of the durable queue. An entry without commands is an error: it
// can never be delivered.
func Decode(b []byte) (*wire.Request, error) {
	var r wire.Request
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if len(r.Commands) == 0 {
		return nil, errors.New("personyze: durable queue entry without commands")
	}
	return &r, nil
}
