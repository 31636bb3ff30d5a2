package personyzeprom_test

import (
	"log"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeprom"
)

func Example() {
	metrics := personyzeprom.NewCollector()
	keys, err := core.SessionKeysFromEnv("PERSONYZE_SESSION_KEYS")
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: os.Getenv("PERSONYZE_API_KEY"), SessionKeys: keys,
		OnCall: metrics.OnCall})
	if err != nil {
		log.Fatal(err)
	}
	metrics.Watch(tr)
	prometheus.MustRegister(metrics)
	http.Handle("GET /metrics", promhttp.Handler())
}
