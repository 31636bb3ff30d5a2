package personyzeotel_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzeotel"
	"github.com/gopersonyze/personyze/nethttp"
)

// TestUpstreamSpanIsChildOfRequestSpan: with otelhttp in front of the Personyze middleware,
// the span of the page's tracker call is a child of the request's server span, and the
// metrics count the calls and see the queue.
func TestUpstreamSpanIsChildOfRequestSpan(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	hook, err := personyzeotel.New(personyzeotel.Options{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}

	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		v.Track(core.ProductViewed("p1"))
		_ = v.Actions() // the page's call, while the visitor waits (Items would also report "executed" in a later call)
		_, _ = io.WriteString(w, "ok")
	})
	e := adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler {
		if _, err := hook.Watch(tr); err != nil {
			t.Fatal(err)
		}
		return otelhttp.NewHandler(nethttp.Middleware(tr)(pages), "GET /products/{id}",
			otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp))
	}, adaptertest.EnvOptions{Config: func(c *core.Config) { c.OnCall = hook.OnCall }})

	const views = 3
	browser := e.Browser()
	for range views {
		e.Get(browser, "/products/p1")
	}
	e.CloseTracker()

	var servers, calls []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch {
		case s.Name() == personyzeotel.SpanName:
			calls = append(calls, s)
		case s.SpanKind() == trace.SpanKindServer:
			servers = append(servers, s)
		}
	}
	if len(servers) != views || len(calls) != views {
		t.Fatalf("%d server spans and %d tracker-call spans, want %d each", len(servers), len(calls), views)
	}
	for i, c := range calls {
		parent := c.Parent()
		var found bool
		for _, s := range servers {
			if s.SpanContext().SpanID() == parent.SpanID() && s.SpanContext().TraceID() == c.SpanContext().TraceID() {
				found = true
				if c.StartTime().Before(s.StartTime()) || c.EndTime().After(s.EndTime()) {
					t.Errorf("call span %d [%v, %v] outside its request span [%v, %v]", i,
						c.StartTime(), c.EndTime(), s.StartTime(), s.EndTime())
				}
			}
		}
		if !found {
			t.Errorf("call span %d has parent %v, not a request span", i, parent.SpanID())
		}
		if c.SpanKind() != trace.SpanKindClient {
			t.Errorf("call span kind %v", c.SpanKind())
		}
		attrs := map[string]string{}
		for _, a := range c.Attributes() {
			attrs[string(a.Key)] = a.Value.String()
		}
		if attrs["personyze.outcome"] != "ok" || attrs["personyze.call.kind"] != "page" || attrs["http.response.status_code"] != "200" {
			t.Errorf("call span attributes %v", attrs)
		}
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != personyzeotel.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if o, ok := p.Attributes.Value("personyze.outcome"); ok && o.AsString() != "ok" {
						continue
					}
					if r, ok := p.Attributes.Value("personyze.reason"); ok && r.AsString() != "shutdown" {
						continue
					}
					got[m.Name] += p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					got[m.Name] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[m.Name] += int64(p.Count)
				}
			}
		}
	}
	want := map[string]int64{"personyze.calls": views, "personyze.call.duration": views, "personyze.visits": views,
		"personyze.delivery.delivered": views, "personyze.queue.depth": 0, "personyze.pending": 0,
		"personyze.dropped": 0, "personyze.breaker.open": 0}
	for name, n := range want {
		v, ok := got[name]
		if !ok || v != n {
			t.Errorf("metric %s = %d (present %t), want %d", name, v, ok, n)
		}
	}
	if got["personyze.call.request.size"] <= 0 || got["personyze.call.response.size"] <= 0 {
		t.Errorf("byte counters %d/%d", got["personyze.call.request.size"], got["personyze.call.response.size"])
	}
}

// A hook with the global (no-op) providers costs no span and never fails a call.
func TestNewWithGlobalProviders(t *testing.T) {
	hook, err := personyzeotel.New(personyzeotel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hook.OnCall(core.CallInfo{Start: time.Now(), Latency: time.Millisecond, Outcome: core.OutcomeTimeout,
		Err: core.ErrTimeout}) // no Context: a background context is used
}
