// Package personyzeredis shares a Personyze Tracker's visitor memory and background queue
// among the instances of an application, on Redis (6.2 or later), so that visitors can move
// between instances behind a load balancer without sticky sessions, and events queued while
// Personyze is down survive an instance that is killed.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	rs, err := personyzeredis.New(rdb, personyzeredis.Options{})
//	tr, err := core.New(core.Config{APIKey: key, SessionKeys: keys,
//		VisitorStore: rs, DurableQueue: rs})
//
// A page never waits for Redis longer than core.Config.StoreTimeout whatever the client
// does; ContextTimeoutEnabled makes go-redis give up the command (and its connection) at
// that point too, instead of holding the connection for its ReadTimeout (3 s).
//
// The visitor store (core.VisitorStore) keeps two values per visitor, each a Redis string
// that expires after Options.TTL: the session id of an answer that came after its page had
// been sent (a timed-out call), which the visitor's next request reads on whichever
// instance it lands when the cookie says so, and the visitor's last result (action ids and
// data, campaign ids), which a page reads only when Personyze fails (stale
// recommendations) and an event-only request reads to merge its answer. Pages write them
// in the background; a page never waits for Redis longer than core.Config.StoreTimeout,
// and when Redis is slow or down it uses its own process's memory (Stats.StoreFallbacks).
//
// The durable queue (core.DurableQueue) is a Redis stream (Options.Prefix + "queue") with
// one consumer group: each instance adds what it cannot send now, reads new entries as
// its own consumer, renews those it holds every second while they wait for a retry or the
// circuit breaker, and acknowledges (and deletes) them once delivered or given up on. The
// entries of an instance that stopped renewing them for Options.ClaimAfter (it was
// killed, or lost Redis) are claimed by the others with XAUTOCLAIM. Delivery is at least
// once (see core.DurableQueue for when a request arrives twice). An instance that is shut
// down cleanly (Tracker.Close) delivers what it holds and leaves the rest in the stream for
// the others.
//
// The held action statuses ("executed", "dont-show" of the visitor's last page, see core's
// documentation) are shared too (core.HeldReportStore): a page that holds them pushes
// them to the visitor's list (Options.Prefix + "h:<user_id>", a Redis list expiring after
// Options.TTL) and marks the cookie, and the visitor's next call, on whichever instance,
// takes the whole list at once (LRANGE and DEL in one MULTI) and carries them. The
// instance that held them removes its entry after 15 s (LREM) and sends it only if it was
// still there, so each status is sent once.
//
// An application that does not import this package links none of go-redis.
package personyzeredis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Prefix starts every key the Store uses. Default "personyze:"; give each application
	// (each Personyze account) sharing a Redis a prefix of its own.
	Prefix string
	// TTL is how long a visitor's values live after they were last written. Default 24h.
	TTL time.Duration
	// ClaimAfter is how long the entries an instance holds may go without renewal before
	// another instance claims them: how long events of a killed instance wait. Instances
	// renew every second, so keep it at several seconds at least. Default 30s; at least 3s.
	ClaimAfter time.Duration
	// MaxLen bounds the stream (approximately, Redis' MAXLEN ~): past it the oldest
	// entries are trimmed, delivered or not. Default 1,000,000.
	MaxLen int64
	// Consumer names this instance in the consumer group. Default: the host name, the
	// process id and a random suffix, so that a restarted instance is a new consumer and
	// the old one's entries are claimed.
	Consumer string
}

// Store is a core.VisitorStore, a core.HeldReportStore and a core.DurableQueue on one
// Redis. It is safe for concurrent use.
type Store struct {
	c     redis.UniversalClient
	o     Options
	queue string

	group  atomic.Bool // the consumer group exists (as far as this Store knows)
	mu     sync.Mutex  // guards cursor
	cursor string      // where XAUTOCLAIM goes on
}

// Defaults of Options.
const (
	defaultPrefix     = "personyze:"
	defaultTTL        = 24 * time.Hour
	defaultClaimAfter = 30 * time.Second
	minClaimAfter     = 3 * time.Second
	defaultMaxLen     = 1_000_000
	groupName         = "delivery"
)

var (
	_ core.VisitorStore = (*Store)(nil)
	_ core.DurableQueue = (*Store)(nil)
)

// New returns a Store on c. It does not talk to Redis: a Redis that is down at start-up
// only means that pages use their own process's memory until it is up.
func New(c redis.UniversalClient, o Options) (*Store, error) {
	if c == nil {
		return nil, errors.New("personyzeredis: nil Redis client: pass redis.NewClient(&redis.Options{Addr: ...})")
	}
	if o.Prefix == "" {
		o.Prefix = defaultPrefix
	}
	if o.TTL == 0 {
		o.TTL = defaultTTL
	}
	if o.ClaimAfter == 0 {
		o.ClaimAfter = defaultClaimAfter
	}
	if o.MaxLen == 0 {
		o.MaxLen = defaultMaxLen
	}
	switch {
	case o.TTL < 0:
		return nil, fmt.Errorf("personyzeredis: Options.TTL is negative (%v): use a positive duration, or 0 for %v", o.TTL, defaultTTL)
	case o.ClaimAfter < minClaimAfter:
		return nil, fmt.Errorf("personyzeredis: Options.ClaimAfter %v is under %v: instances renew every second, so another would claim entries still being worked on", o.ClaimAfter, minClaimAfter)
	case o.MaxLen < 0:
		return nil, fmt.Errorf("personyzeredis: Options.MaxLen is negative (%d): use a positive bound, or 0 for %d", o.MaxLen, defaultMaxLen)
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(rand.Uint64()&0xffffff, 36)
	}
	return &Store{c: c, o: o, queue: o.Prefix + "queue", cursor: "0-0"}, nil
}

// Get implements core.VisitorStore.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.c.Get(ctx, s.o.Prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// Set implements core.VisitorStore: the value expires after Options.TTL.
func (s *Store) Set(ctx context.Context, key string, value []byte) error {
	return s.c.Set(ctx, s.o.Prefix+key, value, s.o.TTL).Err()
}

// Add implements core.DurableQueue: one XADD per entry, in one round trip.
func (s *Store) Add(ctx context.Context, entries [][]byte) error {
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.queue, MaxLen: s.o.MaxLen, Approx: true, Values: []any{"d", e}})
		}
		return nil
	})
	return err
}

// Claim implements core.DurableQueue: first the entries other consumers left idle for
// Options.ClaimAfter (XAUTOCLAIM), then new ones (XREADGROUP).
func (s *Store) Claim(ctx context.Context, n int) ([]core.QueueEntry, error) {
	if err := s.ensureGroup(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	start := s.cursor
	s.mu.Unlock()
	msgs, next, err := s.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: s.queue, Group: groupName,
		Consumer: s.o.Consumer, MinIdle: s.o.ClaimAfter, Start: start, Count: int64(n)}).Result()
	if err != nil {
		return nil, s.groupLost(err)
	}
	s.mu.Lock()
	s.cursor = next
	s.mu.Unlock()
	out := entries(nil, msgs)
	if rest := n - len(out); rest > 0 {
		streams, err := s.c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: groupName, Consumer: s.o.Consumer,
			Streams: []string{s.queue, ">"}, Count: int64(rest), Block: -1}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return out, s.groupLost(err)
		}
		for _, st := range streams {
			out = entries(out, st.Messages)
		}
	}
	return out, nil
}

// entries appends the stream messages to out as queue entries; a message without its
// field (written by something else) is given an empty payload, which the Tracker drops.
func entries(out []core.QueueEntry, msgs []redis.XMessage) []core.QueueEntry {
	for _, m := range msgs {
		d, _ := m.Values["d"].(string)
		out = append(out, core.QueueEntry{ID: m.ID, Data: []byte(d)})
	}
	return out
}

// ensureGroup creates the stream and its consumer group when this Store has not seen them.
func (s *Store) ensureGroup(ctx context.Context) error {
	if s.group.Load() {
		return nil
	}
	err := s.c.XGroupCreateMkStream(ctx, s.queue, groupName, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	s.group.Store(true)
	return nil
}

// groupLost notes a stream or group that vanished (a Redis restarted without
// persistence, a FLUSHALL): the next Claim creates them again.
func (s *Store) groupLost(err error) error {
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		s.group.Store(false)
	}
	return err
}

// Renew implements core.DurableQueue: XCLAIM to this consumer with JUSTID, which resets
// the entries' idle time.
func (s *Store) Renew(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.c.XClaimJustID(ctx, &redis.XClaimArgs{Stream: s.queue, Group: groupName, Consumer: s.o.Consumer,
		MinIdle: 0, Messages: ids}).Err()
}

// Ack implements core.DurableQueue: XACK and XDEL in one round trip.
func (s *Store) Ack(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.queue, groupName, ids...)
		p.XDel(ctx, s.queue, ids...)
		return nil
	})
	return err
}
