package personyzeotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/gopersonyze/personyze/core"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/gopersonyze/personyze/core/personyzeotel"

// SpanName is the name of the span of a tracker call.
const SpanName = "personyze tracker-v1"

// Options choose the providers. Zero values use OpenTelemetry's global providers
// (otel.GetTracerProvider, otel.GetMeterProvider).
type Options struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// Hook turns Config.OnCall reports into spans and metrics. Create it with New before
// core.New (its OnCall goes into the Config), then call Watch with the Tracker. It is safe
// for concurrent use.
type Hook struct {
	tracer   trace.Tracer
	meter    metric.Meter
	calls    metric.Int64Counter
	duration metric.Float64Histogram
	reqSize  metric.Int64Counter
	respSize metric.Int64Counter
}

// New creates the tracer and the call instruments.
func New(o Options) (*Hook, error) {
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	h := &Hook{tracer: o.TracerProvider.Tracer(ScopeName, trace.WithInstrumentationVersion(core.Version)),
		meter: o.MeterProvider.Meter(ScopeName, metric.WithInstrumentationVersion(core.Version))}
	var errs [4]error
	h.calls, errs[0] = h.meter.Int64Counter("personyze.calls",
		metric.WithDescription("Tracker calls to Personyze (page calls and background delivery attempts), by kind and outcome."),
		metric.WithUnit("{call}"))
	h.duration, errs[1] = h.meter.Float64Histogram("personyze.call.duration",
		metric.WithDescription("Duration of tracker calls to Personyze, by kind and outcome."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	h.reqSize, errs[2] = h.meter.Int64Counter("personyze.call.request.size",
		metric.WithDescription("JSON bytes sent to Personyze."), metric.WithUnit("By"))
	h.respSize, errs[3] = h.meter.Int64Counter("personyze.call.response.size",
		metric.WithDescription("JSON bytes received from Personyze (after gzip)."), metric.WithUnit("By"))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return h, nil
}

// kind is the value of the personyze.call.kind attribute.
func kind(ci core.CallInfo) string {
	if ci.Background {
		return "background"
	}
	return "page"
}

// OnCall records one tracker call: a client span over its real start and end, parented by
// the span in ci.Context (the visitor's request span for page calls), and the call metrics.
// Use it as core.Config.OnCall.
func (h *Hook) OnCall(ci core.CallInfo) {
	ctx := ci.Context
	if ctx == nil {
		ctx = context.Background()
	}
	attrs := []attribute.KeyValue{
		attribute.String("personyze.call.kind", kind(ci)),
		attribute.String("personyze.outcome", ci.Outcome.String()),
	}
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	h.calls.Add(ctx, 1, set)
	h.duration.Record(ctx, ci.Latency.Seconds(), set)
	h.reqSize.Add(ctx, int64(ci.RequestBytes), set)
	h.respSize.Add(ctx, int64(ci.ResponseBytes), set)

	_, span := h.tracer.Start(ctx, SpanName, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(ci.Start), trace.WithAttributes(attrs...))
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("http.request.method", "POST"),
			attribute.Int("personyze.attempt", ci.Attempt),
			attribute.Int("personyze.commands", ci.Commands),
			attribute.String("personyze.breaker", ci.Breaker),
			attribute.Int("http.request.body.size", ci.RequestBytes),
			attribute.Int("http.response.body.size", ci.ResponseBytes),
		)
		if ci.StatusCode != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", ci.StatusCode))
		}
		if ci.Err != nil {
			// The library's errors never carry the API key.
			span.SetStatus(codes.Error, ci.Err.Error())
		}
	}
	span.End(trace.WithTimestamp(ci.Start.Add(ci.Latency)))
}

// Watch registers observable metrics read from tr.Stats at each collection: page outcomes
// (personyze.visits), queue depth and pending requests, background deliveries, retries,
// deferrals, drops by reason, the breaker state and the shared store's fallbacks. Unregister the returned Registration
// to stop (a process normally never does).
func (h *Hook) Watch(tr *core.Tracker) (metric.Registration, error) {
	m := h.meter
	var errs []error
	counter := func(name, desc, unit string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithDescription(desc), metric.WithUnit(unit))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, desc, unit string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithDescription(desc), metric.WithUnit(unit))
		errs = append(errs, err)
		return g
	}
	visits := counter("personyze.visits", "Page views and event-only requests by the outcome of their page call (skipped included).", "{visit}")
	enqueued := counter("personyze.delivery.enqueued", "Requests handed to background delivery.", "{request}")
	delivered := counter("personyze.delivery.delivered", "Requests delivered (page calls and background).", "{request}")
	retries := counter("personyze.delivery.retries", "Background delivery retries scheduled.", "{retry}")
	deferred := counter("personyze.delivery.deferred", "Background sends postponed while the circuit breaker was open.", "{request}")
	dropped := counter("personyze.dropped", "Commands given up on, by reason.", "{command}")
	depth := gauge("personyze.queue.depth", "Requests waiting in the delivery queue (for a worker or a retry).", "{request}")
	pending := gauge("personyze.pending", "Requests not yet delivered or dropped.", "{request}")
	breaker := gauge("personyze.breaker.open", "1 while the circuit breaker is open (calls skipped), 0 otherwise.", "1")
	fallbacks := counter("personyze.store.fallbacks", "Operations on the shared visitor store or durable queue that failed or ran out of their budget.", "{operation}")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := tr.Stats()
		for name, n := range s.Outcomes {
			o.ObserveInt64(visits, int64(n), metric.WithAttributes(attribute.String("personyze.outcome", name)))
		}
		for reason, n := range s.Dropped {
			o.ObserveInt64(dropped, int64(n), metric.WithAttributes(attribute.String("personyze.reason", reason)))
		}
		o.ObserveInt64(enqueued, int64(s.Enqueued))
		o.ObserveInt64(delivered, int64(s.Delivered))
		o.ObserveInt64(retries, int64(s.Retries))
		o.ObserveInt64(deferred, int64(s.Deferred))
		o.ObserveInt64(depth, int64(s.QueueDepth))
		o.ObserveInt64(pending, s.Pending)
		open := int64(0)
		if s.Breaker == "open" {
			open = 1
		}
		o.ObserveInt64(breaker, open)
		o.ObserveInt64(fallbacks, int64(s.StoreFallbacks))
		return nil
	}, visits, enqueued, delivered, retries, deferred, dropped, depth, pending, breaker, fallbacks)
}
