package personyzeotel_test

import (
	"log"
	"net/http"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeotel"
	"github.com/gopersonyze/personyze/nethttp"
)

// The hook goes into the Config; otelhttp in front of the Personyze middleware makes the
// tracker call's span a child of the request's span.
func Example() {
	otelHook, err := personyzeotel.New(personyzeotel.Options{}) // the global providers
	if err != nil {
		log.Fatal(err)
	}
	keys, err := core.SessionKeysFromEnv("PERSONYZE_SESSION_KEYS")
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: os.Getenv("PERSONYZE_API_KEY"), SessionKeys: keys,
		OnCall: otelHook.OnCall})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := otelHook.Watch(tr); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	_ = otelhttp.NewHandler(nethttp.Middleware(tr)(mux), "shop") // serve this
}
