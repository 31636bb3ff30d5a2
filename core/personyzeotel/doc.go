// Package personyzeotel reports the Personyze middleware to OpenTelemetry: a client span
// for every tracker call, a child of the visitor's request span when an OpenTelemetry
// middleware (otelhttp, otelgin, otelecho) runs in front of the Personyze one, and metrics
// for calls, their outcomes and latency, the delivery queue and what was dropped.
//
// Only programs that import this package depend on OpenTelemetry; package core does not.
//
//	otelHook, err := personyzeotel.New(personyzeotel.Options{}) // global providers
//	if err != nil { ... }
//	tr, err := core.New(core.Config{APIKey: key, SessionKeys: keys, OnCall: otelHook.OnCall})
//	if err != nil { ... }
//	if _, err := otelHook.Watch(tr); err != nil { ... } // queue depth, drops, page outcomes
//
// The span is named "personyze tracker-v1" (SpanName); the page's call carries the
// request's context values, so its span is the request span's child. The metrics:
// personyze.calls, personyze.call.duration, personyze.call.request.size and
// personyze.call.response.size, by kind (page or background) and outcome, from OnCall;
// personyze.visits (by outcome), personyze.queue.depth, personyze.pending,
// personyze.delivery.enqueued, personyze.delivery.delivered, personyze.delivery.retries,
// personyze.delivery.deferred, personyze.dropped (by reason), personyze.breaker.open and
// personyze.store.fallbacks, from Tracker.Stats once Watch is called. They are
// the Prometheus collector's metrics under OpenTelemetry's names: package personyzeprom's
// documentation says what each alert means and what to do.
package personyzeotel
