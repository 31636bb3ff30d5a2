package inspect

import (
	"net/http"
	"sync"
)

// DefaultSize is how many requests a Recorder keeps when asked for 0 or fewer; MaxSize is
// the most it keeps (an entry is a few KB: 10,000 are tens of MB).
const (
	DefaultSize = 100
	MaxSize     = 10000
)

// Recorder keeps the newest entries in a ring and wakes the streams waiting for the next
// one. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	ring    []Entry // ring[(seq-1) % len(ring)] holds entry seq
	last    uint64  // the newest entry's Seq, 0 before the first
	waiting chan struct{}
	// servers are the http.Servers whose Shutdown ends this Recorder's streams (see
	// stopOnShutdown): a stream never goes idle, so it would hold Shutdown until its
	// deadline.
	servers map[*http.Server]chan struct{}
}

// NewRecorder returns a Recorder of size entries (DefaultSize for 0 or less, at most
// MaxSize).
func NewRecorder(size int) *Recorder {
	if size <= 0 {
		size = DefaultSize
	}
	size = min(size, MaxSize)
	return &Recorder{ring: make([]Entry, size), waiting: make(chan struct{}),
		servers: map[*http.Server]chan struct{}{}}
}

// Size returns how many entries the Recorder keeps.
func (r *Recorder) Size() int { return len(r.ring) }

// Add records e as the newest entry, numbering it, and wakes the waiting streams.
func (r *Recorder) Add(e Entry) {
	r.mu.Lock()
	r.last++
	e.Seq = r.last
	r.ring[(r.last-1)%uint64(len(r.ring))] = e
	woken := r.waiting
	r.waiting = make(chan struct{})
	r.mu.Unlock()
	close(woken)
}

// Since returns the entries after seq that the ring still holds and that keep, oldest
// first, with the channel closed at the next Add and the newest Seq.
func (r *Recorder) Since(seq uint64, keep func(*Entry) bool) (out []Entry, next <-chan struct{}, last uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := uint64(1)
	if n := uint64(len(r.ring)); r.last > n {
		first = r.last - n + 1
	}
	for s := max(seq+1, first); s <= r.last; s++ {
		e := &r.ring[(s-1)%uint64(len(r.ring))]
		if keep == nil || keep(e) {
			out = append(out, *e)
		}
	}
	return out, r.waiting, r.last
}

// Last returns the newest entry's Seq, 0 before the first.
func (r *Recorder) Last() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// stopOnShutdown returns a channel closed when srv (nil: none) starts to shut down,
// registering with it once.
func (r *Recorder) stopOnShutdown(srv *http.Server) <-chan struct{} {
	if srv == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.servers[srv]; ok {
		return c
	}
	c := make(chan struct{})
	r.servers[srv] = c
	// The closed channel stays in the map: a stream that starts while the server shuts
	// down (a request already read) must see it closed, not register a hook that
	// Shutdown, having run its hooks, would never call. One entry per server ever.
	srv.RegisterOnShutdown(func() { close(c) })
	return c
}
