package meta

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAccount answers metadata GETs from fixed rows and records the paths asked for.
type fakeAccount struct {
	mu    sync.Mutex
	paths []string
	gate  chan struct{} // when set, every fetch waits for it
	fail  atomic.Bool
	names map[int64]string // condition names, changed by tests
}

func (f *fakeAccount) fetch(ctx context.Context, path string) ([]byte, error) {
	f.mu.Lock()
	f.paths = append(f.paths, path)
	gate := f.gate
	name := f.names[11]
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.fail.Load() {
		return nil, errors.New("boom")
	}
	switch {
	case strings.HasPrefix(path, ObjectActions):
		return []byte(`[{"id":301,"name":"Banner","content_type":"text/html","content_param":"message","content_begin":"<b>","content_end":"</b>","placeholders":[1]}]`), nil
	case strings.HasPrefix(path, ObjectPlaceholders):
		return []byte(`[{"id":1,"name":"home-banner","html_id":"#b","units_count_max":1}]`), nil
	default:
		return []byte(`[{"id":11,"name":"` + name + `"}]`), nil
	}
}

func (f *fakeAccount) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func newFake() *fakeAccount { return &fakeAccount{names: map[int64]string{11: "Summer sale"}} }

func TestResolveFetchesOnceAndCaches(t *testing.T) {
	f := newFake()
	c := New(Options{Fetch: f.fetch})
	defer c.Close()
	for range 3 {
		s := c.Resolve(t.Context(), time.Hour, []int64{301, 999}, []int64{11})
		if s.Missing != 0 || s.Actions[301].Name != "Banner" || s.Placeholder(1).Name != "home-banner" ||
			s.Conditions[11].Name != "Summer sale" || s.Actions[999] != nil {
			t.Fatalf("snapshot %+v", s)
		}
	}
	if n := len(f.calls()); n != 3 {
		t.Errorf("fetches = %d (%v), want 3: one per object, then cached (the unknown 999 too)", n, f.calls())
	}
}

func TestConcurrentResolvesCollapse(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	c := New(Options{Fetch: f.fetch})
	defer c.Close()
	var wg sync.WaitGroup
	results := make(chan *Snapshot, 20)
	for range 20 {
		wg.Go(func() { results <- c.Resolve(t.Context(), time.Hour, []int64{301}, []int64{11}) })
	}
	// Wait until the fetches are in flight, then let them finish.
	deadline := time.Now().Add(5 * time.Second)
	for len(f.calls()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(f.gate)
	wg.Wait()
	close(results)
	for s := range results {
		if s.Actions[301] == nil || s.Conditions[11] == nil {
			t.Fatalf("a caller missed the shared fetch: %+v", s)
		}
	}
	if calls := f.calls(); len(calls) != 3 {
		t.Errorf("20 concurrent callers made %d fetches, want 3 (one per object): %v", len(calls), calls)
	}
}

func TestResolveWaitsOnlyForTheCallersBudget(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	c := New(Options{Fetch: f.fetch})
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	s := c.Resolve(ctx, time.Hour, []int64{301}, []int64{11})
	if s.Missing != 2 || len(s.Actions) != 0 {
		t.Fatalf("snapshot with a slow endpoint: %+v", s)
	}
	s = c.Resolve(t.Context(), 20*time.Millisecond, []int64{301}, []int64{11}) // the budget alone
	if s.Missing != 2 || len(s.Actions) != 0 {
		t.Fatalf("snapshot with a slow endpoint, budget only: %+v", s)
	}
	close(f.gate) // the background fetch completes for the next caller
	s = c.Resolve(t.Context(), time.Hour, []int64{301}, []int64{11})
	if s.Missing != 0 || s.Placeholder(1) == nil {
		t.Fatalf("next caller: %+v", s)
	}
	if n := len(f.calls()); n != 3 {
		t.Errorf("fetches = %d, want 3 (the slow ones were not repeated)", n)
	}
}

func TestCacheVersionInvalidates(t *testing.T) {
	f := newFake()
	c := New(Options{Fetch: f.fetch})
	defer c.Close()
	c.Observe(3)
	if s := c.Resolve(t.Context(), time.Hour, nil, []int64{11}); s.Conditions[11].Name != "Summer sale" {
		t.Fatal(s)
	}
	f.mu.Lock()
	f.names[11] = "Winter sale"
	f.mu.Unlock()
	for _, v := range []int64{0, 3, 2} { // unchanged, same, lower: keep the cache
		c.Observe(v)
		if s := c.Resolve(t.Context(), time.Hour, nil, []int64{11}); s.Conditions[11].Name != "Summer sale" {
			t.Fatalf("after version %d: %q", v, s.Conditions[11].Name)
		}
	}
	c.Observe(4)
	if s := c.Resolve(t.Context(), time.Hour, nil, []int64{11}); s.Conditions[11].Name != "Winter sale" {
		t.Fatalf("after a higher version: %q", s.Conditions[11].Name)
	}
	c.mu.Lock()
	version := c.version
	c.mu.Unlock()
	if version != 4 || len(f.calls()) != 2 {
		t.Errorf("version %d, fetches %v", version, f.calls())
	}
}

func TestFailuresBackOffAndReport(t *testing.T) {
	f := newFake()
	f.fail.Store(true)
	now := time.Unix(1e9, 0)
	var mu sync.Mutex
	var errs []string
	c := New(Options{Fetch: f.fetch, Backoff: time.Second, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		OnError: func(o string, err error) { mu.Lock(); errs = append(errs, o+": "+err.Error()); mu.Unlock() }})
	defer c.Close()
	if s := c.Resolve(t.Context(), time.Hour, nil, []int64{11}); s.Missing != 1 {
		t.Fatal(s)
	}
	c.Resolve(t.Context(), time.Hour, nil, []int64{11}) // in backoff: no fetch
	if n := len(f.calls()); n != 1 {
		t.Fatalf("fetches during backoff = %d", n)
	}
	f.fail.Store(false)
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	if s := c.Resolve(t.Context(), time.Hour, nil, []int64{11}); s.Conditions[11] == nil {
		t.Fatalf("after the backoff: %+v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || errs[0] != "conditions: boom" {
		t.Errorf("errors reported: %q", errs)
	}
}

func TestCloseStopsFetches(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{}) // never opened: Close must cancel
	c := New(Options{Fetch: f.fetch})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	c.Resolve(ctx, time.Hour, []int64{301}, nil)
	c.Close()
	if s := c.Resolve(t.Context(), time.Hour, []int64{302}, nil); s.Missing != 1 {
		t.Errorf("after Close: %+v", s)
	}
}

// BenchmarkResolveCached: what a page pays for metadata once it is cached (the common case).
func BenchmarkResolveCached(b *testing.B) {
	f := newFake()
	c := New(Options{Fetch: f.fetch})
	defer c.Close()
	ctx := context.Background()
	c.Resolve(ctx, time.Hour, []int64{301, 102}, []int64{11, 5})
	b.ReportAllocs()
	for b.Loop() {
		c.Resolve(ctx, time.Hour, []int64{301, 102}, []int64{11, 5})
	}
}
