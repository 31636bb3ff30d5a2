package personyzeotel_test

import (
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeotel"
	"github.com/gopersonyze/personyze/core/personyzeprom"
	"github.com/gopersonyze/personyze/nethttp"
)

// Both hooks at once: Config.OnCall calls each, and each watches the Tracker's Stats.
func Example_withPrometheus() {
	keys, err := core.SessionKeysFromEnv("PERSONYZE_SESSION_KEYS")
	if err != nil {
		log.Fatal(err)
	}
	metrics := personyzeprom.NewCollector()                     // Prometheus
	otelHook, err := personyzeotel.New(personyzeotel.Options{}) // OpenTelemetry, global providers
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: os.Getenv("PERSONYZE_API_KEY"), SessionKeys: keys,
		OnCall: func(ci core.CallInfo) { metrics.OnCall(ci); otelHook.OnCall(ci) }})
	if err != nil {
		log.Fatal(err)
	}
	metrics.Watch(tr) // exports tr.Stats() too
	prometheus.MustRegister(metrics)
	if _, err := otelHook.Watch(tr); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	_ = otelhttp.NewHandler(nethttp.Middleware(tr)(mux), "shop") // or otelgin / otelecho; serve this
}
