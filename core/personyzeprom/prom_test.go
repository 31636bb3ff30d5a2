package personyzeprom_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzeprom"
	"github.com/gopersonyze/personyze/nethttp"
)

// value returns the value of the metric family name whose labels include want, and whether
// it was found.
func value(families []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestGatherAfterPageViews(t *testing.T) {
	metrics := personyzeprom.NewCollector()
	reg := prometheus.NewPedanticRegistry() // also checks Describe against Collect
	if err := reg.Register(metrics); err != nil {
		t.Fatal(err)
	}

	e := adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler {
		if fams, err := reg.Gather(); err != nil || len(fams) != 0 {
			t.Fatalf("before Watch and any call: %d families, %v", len(fams), err)
		}
		metrics.Watch(tr)
		return nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := core.FromContext(r.Context())
			v.Track(core.ProductViewed("p1"))
			_ = v.Items()
			v.Track(core.ProductAddedToCart("p1")) // after the page's call: background delivery
			_, _ = io.WriteString(w, "ok")
		}))
	}, adaptertest.EnvOptions{Config: func(c *core.Config) { c.OnCall = metrics.OnCall }})
	const views = 3
	browser := e.Browser()
	for range views {
		e.Get(browser, "/products/p1")
	}
	e.CloseTracker()

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"personyze_call_duration_seconds", map[string]string{"kind": "page", "outcome": "ok"}, views},
		{"personyze_call_duration_seconds", map[string]string{"kind": "background", "outcome": "ok"}, views},
		{"personyze_visits_total", map[string]string{"outcome": "ok"}, views},
		{"personyze_visits_total", map[string]string{"outcome": "rate_limited"}, 0},
		{"personyze_page_calls_total", nil, views},
		{"personyze_delivery_enqueued_total", nil, views},
		{"personyze_delivery_delivered_total", nil, 2 * views},
		{"personyze_dropped_commands_total", map[string]string{"reason": "queue_full"}, 0},
		{"personyze_queue_depth", nil, 0},
		{"personyze_pending_requests", nil, 0},
		{"personyze_breaker_state", map[string]string{"state": "closed"}, 1},
		{"personyze_breaker_state", map[string]string{"state": "open"}, 0},
	}
	for _, tt := range tests {
		got, ok := value(fams, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %t), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	for _, name := range []string{"personyze_stale_visitors", "personyze_late_cookies_total", "personyze_suppressed_logs_total",
		"personyze_delivery_retries_total", "personyze_delivery_deferred_total", "personyze_store_fallbacks_total"} {
		if _, ok := value(fams, name, nil); !ok {
			t.Errorf("%s missing", name)
		}
	}
}
