package personyzeprom_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeprom"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

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

	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true,
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler), OnCall: metrics.OnCall})
	if err != nil {
		t.Fatal(err)
	}
	if fams, err := reg.Gather(); err != nil || len(fams) != 0 {
		t.Fatalf("before Watch and any call: %d families, %v", len(fams), err)
	}
	metrics.Watch(tr)
	app := httptest.NewServer(nethttp.Middleware(tr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		v.Track(core.ProductViewed("p1"))
		_ = v.Items()
		v.Track(core.ProductAddedToCart("p1")) // after the page's call: background delivery
		_, _ = io.WriteString(w, "ok")
	})))
	defer app.Close()
	const views = 3
	for range views {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/products/p1", nil)
		req.Header.Set("User-Agent", chromeUA)
		req.Header.Set("Accept", "text/html") // a browser navigating to a page
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}

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
		"personyze_delivery_retries_total", "personyze_delivery_deferred_total"} {
		if _, ok := value(fams, name, nil); !ok {
			t.Errorf("%s missing", name)
		}
	}
}
