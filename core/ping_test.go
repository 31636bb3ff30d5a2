package core_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// pingTracker is a Tracker for base with key.
func pingTracker(t *testing.T, key, base string) *core.Tracker {
	t.Helper()
	tr, err := core.New(core.Config{APIKey: key, BaseURL: base, Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

func TestPingSimulator(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("good key", func(t *testing.T) {
		tr := pingTracker(t, sim.APIKey(), sim.URL())
		if err := tr.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if n := len(sim.Requests()); n != 0 {
			t.Errorf("Ping made %d tracker calls, want none (no visitor created)", n)
		}
		if s := tr.Stats(); s.Calls != 0 || s.Breaker != "closed" {
			t.Errorf("Ping changed the stats: %+v", s)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		tr := pingTracker(t, strings.Repeat("B", 40), sim.URL())
		err := tr.Ping(ctx)
		var se *core.StatusError
		if !errors.Is(err, core.ErrUnauthorized) || !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
			t.Fatalf("Ping with a bad key: %v, want ErrUnauthorized (401)", err)
		}
		if errors.Is(err, core.ErrUnreachable) {
			t.Errorf("401 reported as unreachable: %v", err)
		}
		for _, want := range []string{"401", "API key", "Full-featured API"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), strings.Repeat("B", 40)) {
			t.Errorf("error reveals the key: %q", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now: connection refused
		tr := pingTracker(t, sim.APIKey(), "http://"+addr+"/rest/")
		err = tr.Ping(ctx)
		if !errors.Is(err, core.ErrUnreachable) {
			t.Fatalf("Ping without a server: %v, want ErrUnreachable", err)
		}
		if errors.Is(err, core.ErrUnauthorized) || !strings.Contains(err.Error(), addr) {
			t.Errorf("error %q does not name the address", err)
		}
	})
}

// TestPingAnswers covers the answers the simulator does not give: server errors, a wrong
// BaseURL, a server that is not Personyze, and one that does not answer in time.
func TestPingAnswers(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/500/"):
			http.Error(w, "database down", http.StatusInternalServerError)
		case strings.HasPrefix(r.URL.Path, "/503/"):
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasPrefix(r.URL.Path, "/html/"):
			fmt.Fprint(w, "<html>login</html>")
		case strings.HasPrefix(r.URL.Path, "/slow/"):
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case strings.HasPrefix(r.URL.Path, "/ok/rest/conditions/"):
			if r.Method != http.MethodGet || r.Header.Get("Authorization") == "" {
				http.Error(w, "bad", http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, " []\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer close(release)
	key := strings.Repeat("K", 40)
	tests := []struct {
		base   string
		status int
		is     error
		says   string
	}{
		{"/ok/rest/", 0, nil, ""},
		{"/500/", 500, core.ErrServer, "database down"},
		{"/503/", 503, core.ErrUnavailable, "503"},
		{"/elsewhere/", 404, nil, "BaseURL"},
		{"/html/", 0, core.ErrMalformedResponse, "is BaseURL right"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			err := pingTracker(t, key, srv.URL+tt.base).Ping(context.Background())
			if tt.says == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Ping: %v, want an error saying %q", err, tt.says)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			var se *core.StatusError
			if tt.status != 0 && (!errors.As(err, &se) || se.StatusCode != tt.status) {
				t.Errorf("error %v, want a StatusError %d", err, tt.status)
			}
			if errors.Is(err, core.ErrUnreachable) {
				t.Errorf("an answer reported as unreachable: %v", err)
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := pingTracker(t, key, srv.URL+"/slow/").Ping(ctx)
		if !errors.Is(err, core.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ping past its deadline: %v, want ErrUnreachable and DeadlineExceeded", err)
		}
	})
}

func ExampleTracker_Ping() {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch err := tr.Ping(ctx); {
	case errors.Is(err, core.ErrUnauthorized):
		fmt.Println("wrong API key:", err) // fix the configuration
	case err != nil:
		fmt.Println("Personyze not reachable yet:", err) // serve anyway; pages fall back
	default:
		fmt.Println("Personyze reachable, key accepted")
	}
	// Output: Personyze reachable, key accepted
}
