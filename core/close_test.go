package core_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestCloseLeavesNoGoroutine: after Close, nothing of the Tracker runs any more: no page
// call goroutine waiting for the next call, no delivery worker, no timer, no connection.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Timeout: 5 * time.Second,
		SessionKeys: [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))},
		Logger:      slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var cookies []*http.Cookie
	for i := range 6 {
		resp := serveVisit(tr, navigate("/products/p1", cookies...), func(v *core.Visit, w http.ResponseWriter) {
			_ = v.Track(core.ProductViewed("p1"))
			if i%2 == 1 {
				v.Start() // the overlap's goroutine too
			}
			_ = v.Items()
			_ = v.Track(core.ProductAddedToCart("p1")) // after the call: background delivery
			writePage(w)
		})
		if len(cookies) == 0 {
			cookies = resp.Cookies()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sim.Close()
	if n := len(sim.Requests()); n < 6 {
		t.Fatalf("%d calls reached the simulator, want at least 6", n)
	}
	goleak.VerifyNone(t, before)
}
