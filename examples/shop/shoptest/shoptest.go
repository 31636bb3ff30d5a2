// Package shoptest holds the end-to-end suites every demo shop runs: plain
// HTTP route checks, a lifecycle check of the example's run function, and
// real-browser checks driving Chromium through chromedp. Each example's test
// file only passes its own wiring to these functions, so the three examples
// are verified by the same scenarios.
package shoptest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/examples/shop"
)

// NewHandler is an example's wiring: its framework's routes around a shop.
type NewHandler func(*shop.Shop) http.Handler

// RunFunc is an example's run function: serve env.Addr until ctx is done,
// sending the listening address to ready.
type RunFunc func(ctx context.Context, env shop.Env, ready chan<- string) error

// DesktopUserAgent is the User-Agent the suites send. Go's default client
// and headless Chromium both identify as automation, and the library rightly
// does not track bots; the suites play a real visitor.
const DesktopUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Safari/537.36"

// Start builds a shop on an in-process simulator, serves newHandler(shop) on
// 127.0.0.1 and stops both when the test ends. It returns the shop (for its
// Simulator) and the server's base URL.
func Start(t testing.TB, newHandler NewHandler) (*shop.Shop, string) {
	t.Helper()
	s, err := shop.New(shop.Env{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(s))
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("shop.Close: %v", err)
		}
	})
	return s, srv.URL
}

// Lifecycle starts the example through its run function on a free port,
// loads the home page, then cancels the context as SIGINT would and checks
// that run returns nil in time.
func Lifecycle(t *testing.T, run RunFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, shop.Env{Addr: "127.0.0.1:0"}, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not start serving within 10s")
	}
	c := newClient(t)
	if resp := c.get(t, "http://"+addr+"/"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET / = %d, want 200", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil", err)
		}
	case <-time.After(shop.ShutdownTimeout + 6*time.Second):
		t.Fatal("run did not stop after its context was cancelled")
	}
}
