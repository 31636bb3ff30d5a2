package personyzeprom

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gopersonyze/personyze/core"
)

// Collector is a prometheus.Collector for one Tracker. Create it with NewCollector before
// core.New (its OnCall goes into the Config), call Watch with the Tracker, and register it.
// It is safe for concurrent use.
type Collector struct {
	tracker  atomic.Pointer[core.Tracker]
	duration *prometheus.HistogramVec

	visits, calls, enqueued, delivered, retries, deferred, dropped *prometheus.Desc
	depth, pending, breaker, lateCookies, suppressed, stale        *prometheus.Desc
	storeFallbacks                                                 *prometheus.Desc
}

// breakerStates are the values of the breaker gauge's state label.
var breakerStates = [...]string{"closed", "half-open", "open"}

// NewCollector returns a Collector with no Tracker yet: until Watch it exports only the
// call histogram.
func NewCollector() *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("personyze_"+name, help, labels, nil)
	}
	return &Collector{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "personyze_call_duration_seconds",
			Help:    "Duration of tracker calls to Personyze: kind is page (the visitor waited, at most Config.Timeout) or background (delivery attempts).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"kind", "outcome"}),
		visits:      d("visits_total", "Requests seen by the middleware, by the outcome of their page call (skipped included).", "outcome"),
		calls:       d("page_calls_total", "Tracker calls made while a visitor waited."),
		enqueued:    d("delivery_enqueued_total", "Requests handed to background delivery."),
		delivered:   d("delivery_delivered_total", "Requests delivered (page calls and background)."),
		retries:     d("delivery_retries_total", "Background delivery retries scheduled."),
		deferred:    d("delivery_deferred_total", "Background sends postponed while the circuit breaker was open."),
		dropped:     d("dropped_commands_total", "Commands (events and page views) given up on, by reason.", "reason"),
		depth:       d("queue_depth", "Requests waiting in the delivery queue, for a worker or a retry."),
		pending:     d("pending_requests", "Requests not yet delivered or dropped."),
		breaker:     d("breaker_state", "Circuit breaker state: 1 for the current state.", "state"),
		lateCookies: d("late_cookies_total", "Session changes that arrived after the response header was sent."),
		suppressed:  d("suppressed_logs_total", "Log lines left out by the rate limiter."),
		stale:       d("stale_visitors", "Visitors in the last-good-recommendations cache."),
		storeFallbacks: d("store_fallbacks_total",
			"Operations on the shared visitor store or durable queue that failed or ran out of their budget: this process's memory was used."),
	}
}

// OnCall observes one tracker call in the latency histogram. Use it as core.Config.OnCall.
func (c *Collector) OnCall(ci core.CallInfo) {
	kind := "page"
	if ci.Background {
		kind = "background"
	}
	c.duration.WithLabelValues(kind, ci.Outcome.String()).Observe(ci.Latency.Seconds())
}

// Watch makes the Collector export tr's Stats.
func (c *Collector) Watch(tr *core.Tracker) { c.tracker.Store(tr) }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.duration.Describe(ch)
	for _, d := range []*prometheus.Desc{c.visits, c.calls, c.enqueued, c.delivered, c.retries, c.deferred,
		c.dropped, c.depth, c.pending, c.breaker, c.lateCookies, c.suppressed, c.stale, c.storeFallbacks} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the histogram, and one snapshot of Stats.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.duration.Collect(ch)
	tr := c.tracker.Load()
	if tr == nil {
		return
	}
	s := tr.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for name, n := range s.Outcomes {
		counter(c.visits, n, name)
	}
	for reason, n := range s.Dropped {
		counter(c.dropped, n, reason)
	}
	counter(c.calls, s.Calls)
	counter(c.enqueued, s.Enqueued)
	counter(c.delivered, s.Delivered)
	counter(c.retries, s.Retries)
	counter(c.deferred, s.Deferred)
	counter(c.lateCookies, s.LateCookie)
	counter(c.suppressed, s.SuppressedLogs)
	counter(c.storeFallbacks, s.StoreFallbacks)
	gauge(c.depth, float64(s.QueueDepth))
	gauge(c.pending, float64(s.Pending))
	gauge(c.stale, float64(s.StaleVisitors))
	for _, st := range breakerStates {
		v := 0.0
		if st == s.Breaker {
			v = 1
		}
		gauge(c.breaker, v, st)
	}
}
