package meta

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Fetcher performs GET <base>path and returns the body (wire.Client.Get).
type Fetcher func(ctx context.Context, path string) ([]byte, error)

// Options configure a Cache. Zero fields take the defaults their comments give.
type Options struct {
	Fetch Fetcher
	// FetchTimeout bounds one fetch. Default 10 s: a fetch runs in the background, apart
	// from any page, so it may take longer than a page's budget and still serve the next.
	FetchTimeout time.Duration
	// MaxIDs is the most ids one GET asks for; more are split over several. Default 100.
	MaxIDs int
	// MaxEntries bounds each object's entries; past it the object's cache starts afresh.
	// Default 10,000 (an account has far fewer actions).
	MaxEntries int
	// Backoff is the wait after a failed fetch before an object is fetched again; it
	// doubles with each failure in a row, up to 64 times. Default 1 s.
	Backoff time.Duration
	// OnFetch is called after each GET (for counters); OnError after each failed one. Both
	// run before the fetched ids are completed for their waiters.
	OnFetch func(object string)
	OnError func(object string, err error)
	// Now is the clock of the backoff. Default time.Now.
	Now func() time.Time
}

// Cache holds the metadata of one account. Concurrent requests for the same ids share one
// fetch; a caller waits for metadata only as long as its context allows, and what arrives
// later serves the next caller. It is safe for concurrent use.
type Cache struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	version int64
	tables  [3]*table // actions, placeholders, conditions
}

// table is one object's cache.
type table struct {
	object  string
	slots   map[int64]*slot
	retryAt time.Time
	backoff time.Duration
}

// slot is one id's entry: pending until done is closed, then row is the metadata, or nil
// when the account has no such id (remembered too, so it is not asked for again).
type slot struct {
	done   chan struct{}
	row    any  // *Action, *Placeholder or *Condition
	failed bool // the fetch failed: the id is unknown, not absent
}

const (
	tActions = iota
	tPlaceholders
	tConditions
)

// New returns a Cache that fetches with opts.Fetch.
func New(opts Options) *Cache {
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 10 * time.Second
	}
	if opts.MaxIDs <= 0 {
		opts.MaxIDs = 100
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cache{opts: opts}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for i, o := range []string{ObjectActions, ObjectPlaceholders, ObjectConditions} {
		c.tables[i] = &table{object: o, slots: map[int64]*slot{}}
	}
	return c
}

// Snapshot is the metadata a caller got in time (its maps are nil when empty). Ids that are
// missing were either not known in time (Missing counts them) or are not defined by the
// account.
type Snapshot struct {
	Actions      map[int64]*Action
	Placeholders map[int64]*Placeholder
	Conditions   map[int64]*Condition
	// Missing counts the ids whose metadata was still being fetched (or could not be
	// fetched) when the caller stopped waiting.
	Missing int
}

// Placeholder returns the placeholder with the given id, or nil.
func (s *Snapshot) Placeholder(id int64) *Placeholder {
	if s == nil {
		return nil
	}
	return s.Placeholders[id]
}

// Observe applies a tracker answer's cache_version: 0 means unchanged; a version above the
// one seen so far means the account changed, so everything cached is dropped (fetches
// still running finish for their own callers but are not kept).
func (c *Cache) Observe(version int64) {
	if version <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version <= c.version {
		return
	}
	if c.version != 0 {
		for _, t := range c.tables {
			t.slots = map[int64]*slot{}
		}
	}
	c.version = version
}

// Resolve returns the metadata of actionIDs (with the placeholders they name) and of
// condIDs, fetching what is not cached. It waits at most budget, and not after ctx is done;
// what has not arrived by then is left out of the Snapshot and keeps being fetched in the
// background. When everything is cached it waits for nothing and sets no timer.
func (c *Cache) Resolve(ctx context.Context, budget time.Duration, actionIDs, condIDs []int64) *Snapshot {
	s := &Snapshot{} // maps made on first use: most answers have no placeholders or campaigns
	actions := c.request(tActions, actionIDs)
	conds := c.request(tConditions, condIDs)
	w := waiter{ctx: ctx, budget: budget}
	defer w.stop()
	w.wait(actions)
	var places []int64
	for _, sl := range actions {
		if a, ok := ready(sl, &s.Missing).(*Action); ok {
			if s.Actions == nil {
				s.Actions = make(map[int64]*Action, len(actions))
			}
			s.Actions[a.ID] = a
			places = append(places, a.Placeholders...)
		}
	}
	if len(places) > 0 {
		ps := c.request(tPlaceholders, places)
		w.wait(ps)
		for _, sl := range ps {
			if p, ok := ready(sl, &s.Missing).(*Placeholder); ok {
				if s.Placeholders == nil {
					s.Placeholders = make(map[int64]*Placeholder, len(ps))
				}
				s.Placeholders[p.ID] = p
			}
		}
	}
	w.wait(conds)
	for _, sl := range conds {
		if cd, ok := ready(sl, &s.Missing).(*Condition); ok {
			if s.Conditions == nil {
				s.Conditions = make(map[int64]*Condition, len(conds))
			}
			s.Conditions[cd.ID] = cd
		}
	}
	return s
}

// waiter bounds the waits of one Resolve by its budget and context. Its timer is made only
// when a slot is still pending: a page whose metadata is cached pays for none.
type waiter struct {
	ctx     context.Context
	budget  time.Duration
	timer   *time.Timer
	expired bool
}

// wait waits for every slot, or until the budget is spent or ctx is done.
func (w *waiter) wait(slots []*slot) {
	for _, sl := range slots {
		if sl == nil || w.expired {
			continue
		}
		select {
		case <-sl.done:
			continue
		default:
		}
		if w.timer == nil {
			w.timer = time.NewTimer(max(w.budget, 0))
		}
		select {
		case <-sl.done:
		case <-w.ctx.Done():
			w.expired = true
		case <-w.timer.C:
			w.expired = true
		}
	}
}

func (w *waiter) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// ready returns the slot's row if it has arrived (nil for an id the account lacks);
// missing counts slots still pending. A nil slot is an id not fetched (backoff, closed).
func ready(sl *slot, missing *int) any {
	if sl == nil {
		*missing++
		return nil
	}
	select {
	case <-sl.done:
		if sl.failed {
			*missing++
		}
		return sl.row
	default:
		*missing++
		return nil
	}
}

// request returns the slots of ids (repeats and non-positive ids dropped), starting fetches
// for the ids nobody is fetching. A nil slot stands for an id that cannot be fetched now.
func (c *Cache) request(ti int, ids []int64) []*slot {
	if len(ids) == 0 {
		return nil
	}
	c.mu.Lock()
	t := c.tables[ti]
	out := make([]*slot, 0, len(ids))
	var batch map[int64]*slot
	canFetch := !c.closed && !c.opts.Now().Before(t.retryAt)
	for i, id := range ids {
		if id <= 0 || slices.Contains(ids[:i], id) { // answers name a handful of ids
			continue
		}
		if sl, ok := t.slots[id]; ok {
			out = append(out, sl)
			continue
		}
		if !canFetch {
			out = append(out, nil)
			continue
		}
		if len(t.slots) >= c.opts.MaxEntries {
			t.slots = map[int64]*slot{}
		}
		sl := &slot{done: make(chan struct{})}
		t.slots[id] = sl
		if batch == nil {
			batch = map[int64]*slot{}
		}
		batch[id] = sl
		out = append(out, sl)
	}
	if len(batch) > 0 {
		ids := slices.Sorted(maps.Keys(batch))
		for chunk := range slices.Chunk(ids, c.opts.MaxIDs) {
			part := make(map[int64]*slot, len(chunk))
			for _, id := range chunk {
				part[id] = batch[id]
			}
			c.wg.Add(1)
			go c.fetch(t, part)
		}
	}
	c.mu.Unlock()
	return out
}

// fetch GETs the rows of batch's ids and completes their slots. On failure the slots are
// completed empty and forgotten, so a later caller asks again once the backoff is over.
func (c *Cache) fetch(t *table, batch map[int64]*slot) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.FetchTimeout)
	defer cancel()
	ids := slices.Sorted(maps.Keys(batch))
	rows, err := c.get(ctx, t.object, ids)
	c.mu.Lock()
	if err != nil {
		for id, sl := range batch {
			sl.failed = true
			if t.slots[id] == sl {
				delete(t.slots, id)
			}
		}
		t.backoff = min(max(t.backoff*2, c.opts.Backoff), 64*c.opts.Backoff)
		t.retryAt = c.opts.Now().Add(t.backoff)
	} else {
		t.backoff, t.retryAt = 0, time.Time{}
		for id, row := range rows {
			if sl, ok := batch[id]; ok {
				sl.row = row
			}
		}
	}
	c.mu.Unlock()
	// The callbacks run before the slots are completed, so whoever sees a slot of this
	// fetch completed also sees the fetch counted and reported.
	if c.opts.OnFetch != nil {
		c.opts.OnFetch(t.object)
	}
	if err != nil && c.opts.OnError != nil && c.ctx.Err() == nil {
		c.opts.OnError(t.object, err)
	}
	for _, sl := range batch {
		close(sl.done)
	}
}

// get fetches and parses the rows of ids, by id.
func (c *Cache) get(ctx context.Context, object string, ids []int64) (rows map[int64]any, err error) {
	defer func() {
		if p := recover(); p != nil { // a bug in a parser must not take the server down
			rows, err = nil, fmt.Errorf("personyze: panic reading %s metadata: %v", object, p)
		}
	}()
	body, err := c.opts.Fetch(ctx, Path(object, ids))
	if err != nil {
		return nil, err
	}
	rows = make(map[int64]any, len(ids))
	switch object {
	case ObjectActions:
		as, err := ParseActions(body)
		if err != nil {
			return nil, err
		}
		for i := range as {
			rows[as[i].ID] = &as[i]
		}
	case ObjectPlaceholders:
		ps, err := ParsePlaceholders(body)
		if err != nil {
			return nil, err
		}
		for i := range ps {
			rows[ps[i].ID] = &ps[i]
		}
	default:
		cs, err := ParseConditions(body)
		if err != nil {
			return nil, err
		}
		for i := range cs {
			rows[cs[i].ID] = &cs[i]
		}
	}
	return rows, nil
}

// Close stops fetching: running fetches are canceled and waited for.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}
