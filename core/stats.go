package core

import (
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// dropTooBig is the drop reason of a command refused by Track for its size.
const dropTooBig = delivery.DropTooBig

// latencyBounds are the upper bounds of the page-call latency histogram.
var latencyBounds = [...]time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
}

// Stats is a snapshot of a Tracker's counters, for metrics exporters and health pages.
type Stats struct {
	// Calls is the number of page-blocking tracker calls started.
	Calls uint64
	// Outcomes counts Visits by the outcome of their page call, keyed by Outcome.String:
	// "ok", "skipped", "timeout", "canceled", "breaker_open", "unauthorized",
	// "unavailable", "server_error", "bad_response", "network_error", "invalid" and
	// "rate_limited". Every name is present, zero included; "pending" is always 0 here (it
	// names a Visit whose call has not been made yet).
	Outcomes map[string]uint64
	// Latency is a histogram of page-blocking call durations as seen by the page (at most
	// about Config.Timeout): one bucket per bound of 5ms, 10ms, 25ms, 50ms, 100ms, 250ms,
	// 500ms and 1s, then an overflow bucket. Counts are per bucket, not cumulative.
	Latency []LatencyBucket
	// QueueDepth is the number of requests in the delivery queue right now: waiting for a
	// worker or for their retry. New requests are dropped (queue_full) at Config.QueueSize.
	QueueDepth int
	// Pending is the number of requests not yet delivered or dropped: queued, being sent,
	// waiting for a retry, or page calls still running past their budget.
	Pending int64
	// Enqueued, Delivered and Retries count background deliveries.
	Enqueued, Delivered, Retries uint64
	// Deferred counts background sends postponed because the breaker was open: the request
	// waited for the breaker's cooldown instead of adding load to a failing Personyze, and
	// kept all its retry attempts.
	Deferred uint64
	// Dropped counts commands given up on, by reason: "queue_full" (the delivery queue was
	// full), "shutdown" (Tracker.Close ran out of time, or the page came after Close),
	// "not_retryable" (Personyze refused the request: 401, other 4xx), "too_big" (a single
	// command over the 50,000-byte request limit) and "retries_exhausted".
	Dropped map[string]uint64
	// Breaker is the circuit breaker state: "closed", "half-open" or "open".
	Breaker string
	// LateCookie counts session changes that arrived after the response header was sent.
	LateCookie uint64
	// SuppressedLogs counts log lines left out by the rate limiter.
	SuppressedLogs uint64
	// StaleVisitors is the number of visitors in the last-good-recommendations cache.
	StaleVisitors int
	// MetadataFetches counts GETs of action, placeholder and condition metadata, and
	// MetadataFailures those that failed (each also logged, rate-limited). Metadata is
	// fetched once per id and kept until Personyze's cache_version changes.
	MetadataFetches, MetadataFailures uint64
	// MetadataIncomplete counts page calls whose answer named actions or campaigns whose
	// metadata did not arrive within the page's budget: the page rendered without it
	// (no HTML actions, no campaign names) and it went on loading for later pages.
	MetadataIncomplete uint64
	// HeldReports is the number of visitors whose automatic action statuses ("executed",
	// "dont-show") wait to ride on their next call in this process's memory, plus the
	// pages whose statuses this instance pushed to a HeldReportStore and will send itself
	// if no call takes them.
	HeldReports int
	// StoreFallbacks counts operations on Config.VisitorStore or Config.DurableQueue that
	// failed or ran out of their budget (Config.StoreTimeout for a request's read): the
	// request used this process's memory, a request went to the in-memory queue, or a
	// write was left out. For a second after a failed read, requests do not try the store
	// and count here too. Failures are logged, rate-limited.
	StoreFallbacks uint64
}

// LatencyBucket is one histogram bucket: the calls that took more than the previous
// bucket's UpperBound and at most this one's.
type LatencyBucket struct {
	// UpperBound is the bucket's inclusive upper bound; the last bucket, for calls slower
	// than every bound, has the largest time.Duration (math.MaxInt64) and Overflow set.
	UpperBound time.Duration
	// Overflow marks the last bucket, which has no real upper bound (Prometheus' +Inf).
	Overflow bool
	Count    uint64
}

// String prints the bucket as "le=250ms:12", or "le=+Inf:3" for the overflow bucket.
func (b LatencyBucket) String() string {
	le := b.UpperBound.String()
	if b.Overflow {
		le = "+Inf"
	}
	return "le=" + le + ":" + strconv.FormatUint(b.Count, 10)
}

// counters are the live, lock-free counters behind Stats.
type counters struct {
	calls      atomic.Uint64
	outcomes   [numOutcomes]atomic.Uint64
	latency    [len(latencyBounds) + 1]atomic.Uint64
	enqueued   atomic.Uint64
	delivered  atomic.Uint64
	retries    atomic.Uint64
	deferred   atomic.Uint64
	dropped    sync.Map // reason -> *atomic.Uint64
	lateCookie atomic.Uint64
	suppressed atomic.Uint64

	metaFetches, metaFailures, metaIncomplete atomic.Uint64
	storeFallbacks                            atomic.Uint64
}

func (c *counters) observe(d time.Duration) {
	i := 0
	for i < len(latencyBounds) && d > latencyBounds[i] {
		i++
	}
	c.latency[i].Add(1)
}

func (c *counters) drop(reason string, n int) {
	v, _ := c.dropped.LoadOrStore(reason, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(uint64(n))
}

func (c *counters) dropCount(reason string) uint64 {
	if v, ok := c.dropped.Load(reason); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// Stats returns a snapshot of the Tracker's counters.
func (t *Tracker) Stats() Stats {
	c := &t.counters
	s := Stats{
		Calls:          c.calls.Load(),
		Outcomes:       make(map[string]uint64, numOutcomes),
		QueueDepth:     t.queue.Depth(),
		Pending:        t.queue.Pending(),
		Enqueued:       c.enqueued.Load(),
		Delivered:      c.delivered.Load(),
		Retries:        c.retries.Load(),
		Deferred:       c.deferred.Load(),
		Dropped:        make(map[string]uint64, len(delivery.Reasons)),
		Breaker:        t.breaker.State().String(),
		LateCookie:     c.lateCookie.Load(),
		SuppressedLogs: c.suppressed.Load(),
		StaleVisitors:  t.stale.len(),

		MetadataFetches:    c.metaFetches.Load(),
		MetadataFailures:   c.metaFailures.Load(),
		MetadataIncomplete: c.metaIncomplete.Load(),
		HeldReports:        t.reports.Len() + t.held.len(),
		StoreFallbacks:     c.storeFallbacks.Load(),
	}
	for o := Outcome(0); o < numOutcomes; o++ {
		s.Outcomes[o.String()] = c.outcomes[o].Load()
	}
	for i := range c.latency {
		b := LatencyBucket{UpperBound: math.MaxInt64, Overflow: true, Count: c.latency[i].Load()}
		if i < len(latencyBounds) {
			b.UpperBound, b.Overflow = latencyBounds[i], false
		}
		s.Latency = append(s.Latency, b)
	}
	for _, r := range delivery.Reasons {
		s.Dropped[r] = c.dropCount(r)
	}
	return s
}

// metrics is the Tracker seen as the delivery queue's metrics sink: counters for Stats and
// rate-limited log lines for drops.
type metrics Tracker

func (m *metrics) Enqueued()  { m.counters.enqueued.Add(1) }
func (m *metrics) Delivered() { m.counters.delivered.Add(1) }
func (m *metrics) Retried()   { m.counters.retries.Add(1) }
func (m *metrics) Deferred()  { m.counters.deferred.Add(1) }

// Dropped counts and logs commands given up on.
func (m *metrics) Dropped(reason string, req *wire.Request, err error) {
	n := len(req.Commands)
	m.counters.drop(reason, n)
	attrs := []slog.Attr{slog.String("reason", reason), slog.Int("commands", n), slog.Uint64("user_id", uint64(req.UserID))}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	m.logs.log(m.log, slog.LevelWarn, "drop:"+reason, "personyze: commands dropped", attrs...)
}
