// Package personyzeprom exposes the Personyze middleware to Prometheus: a
// prometheus.Collector over Tracker.Stats (page outcomes, delivery queue, retries, drops,
// breaker) plus a histogram of tracker-call latency fed by Config.OnCall.
//
// Only programs that import this package depend on the Prometheus client; package core
// does not.
//
//	metrics := personyzeprom.NewCollector()
//	tr, err := core.New(core.Config{APIKey: key, SessionKeys: keys, OnCall: metrics.OnCall})
//	if err != nil { ... }
//	metrics.Watch(tr)
//	prometheus.MustRegister(metrics)
//
// # Metrics
//
//   - personyze_call_duration_seconds{kind,outcome}: histogram of tracker calls; kind is
//     page (the visitor waited, at most Config.Timeout) or background.
//   - personyze_visits_total{outcome}: requests by the outcome of their page call
//     (skipped included); personyze_page_calls_total: calls made while a visitor waited.
//   - personyze_queue_depth and personyze_pending_requests: requests in the delivery
//     queue, and not yet delivered or dropped.
//   - personyze_delivery_enqueued_total, personyze_delivery_delivered_total,
//     personyze_delivery_retries_total and personyze_delivery_deferred_total: background
//     delivery.
//   - personyze_dropped_commands_total{reason}: events and page views given up on.
//   - personyze_breaker_state{state}: 1 for the circuit breaker's current state (closed,
//     half-open, open).
//   - personyze_late_cookies_total, personyze_suppressed_logs_total and
//     personyze_stale_visitors.
//   - personyze_store_fallbacks_total: operations on the shared VisitorStore or
//     DurableQueue (Redis) that failed or ran out of their budget.
//
// # What to monitor, and what each alert means
//
//   - visits_total{outcome="unauthorized"} rising: the API key is wrong or revoked, no page
//     gets recommendations and nothing is recorded. Fix PERSONYZE_API_KEY; Tracker.Ping at
//     start-up says the same.
//   - visits_total{outcome="timeout"} share high, call_duration_seconds{kind="page"} p99
//     near Config.Timeout: Personyze (or the network, or the server's CPU) is slower than
//     the budget; pages render without recommendations, events still arrive. Raise
//     Timeout if pages can wait, or look at the server's load.
//   - breaker_state{state="open"} == 1: five page calls in a row failed; pages no longer
//     wait for Personyze, and background delivery holds its queue until the cooldown ends.
//     Look at the outcome that precedes it: network_error (egress, DNS, proxy), or
//     server_error, unavailable, bad_response (Personyze's side).
//   - visits_total{outcome="rate_limited"} rising: Personyze answered 429, more traffic
//     than the plan allows. Contact Personyze, or classify fewer requests as page views.
//   - dropped_commands_total{reason="queue_full"} rising: an outage outlasted the queue and
//     events are being lost. Raise Config.QueueSize; find the outage.
//   - dropped_commands_total{reason="shutdown"}: events were still queued when
//     Tracker.Close ran out of time. A longer Close deadline (and grace period), or
//     Personyze was down during the deploy.
//   - dropped_commands_total{reason="retries_exhausted"}: Personyze kept failing longer
//     than the retries last (6 retries, about 10 to 15 s with the defaults; waits for an
//     open breaker do not count). Follow the outage; raise Config.MaxRetries to ride out
//     longer ones.
//   - dropped_commands_total{reason="not_retryable"}: Personyze refused requests (401 or
//     another 4xx). The log line says which; usually the key.
//   - dropped_commands_total{reason="too_big"}: a single tracked command is over the
//     50,000-byte request limit. Track less data per event.
//   - queue_depth or pending_requests near Config.QueueSize: background delivery is backing
//     up (an outage, or a slow Personyze). Watch for queue_full drops next.
//   - late_cookies_total rising: handlers read recommendations after writing the response
//     header, so a new session id could not be saved in the cookie. Read recommendations
//     (or render the template) before writing the body.
//   - store_fallbacks_total rising: the shared store (core/personyzeredis) is slow or down;
//     each instance uses its own memory meanwhile (visits of visitors moving between
//     instances may be split, stale recommendations come only from the instance's own
//     memory) and queues events in memory. Look at Redis; the log line names the
//     operation and its error.
//   - suppressed_logs_total rising: many failures, logged at most once per
//     Config.LogInterval each. Read the log lines that did get through.
package personyzeprom
