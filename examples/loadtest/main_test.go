package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the server process too, as the program is.
func TestMain(m *testing.M) {
	if adapter := os.Getenv(serveEnv); adapter != "" {
		os.Exit(serveMain(adapter))
	}
	os.Exit(m.Run())
}

// TestSmoke runs the load program briefly against every adapter, so it never rots: every
// page is answered, every page view reaches the simulator, the visitors keep their
// sessions and connections are reused.
func TestSmoke(t *testing.T) {
	cfg, err := parseFlags([]string{"-visitors", "4", "-duration", "1s", "-rounds", "1", "-drain", "10s"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	results, err := run(ctx, cfg, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(adapterNames) {
		t.Fatalf("%d results, want one per adapter", len(results))
	}
	for _, r := range results {
		if r.Pages == 0 || r.Errors != 0 {
			t.Errorf("%s: %d pages, %d failed", r.Adapter, r.Pages, r.Errors)
		}
		if r.Reached < 1 {
			t.Errorf("%s: %.1f%% of the pages reached the simulator", r.Adapter, 100*r.Reached)
		}
		if r.Replaced != 0 {
			t.Errorf("%s: %d calls with a replaced session id", r.Adapter, r.Replaced)
		}
		// One connection per visitor at most is the pool's job; a few more are allowed
		// for a call that gave up on a slow connection on a loaded machine.
		if r.NewConns == 0 || r.NewConns > 4*uint64(cfg.visitors) {
			t.Errorf("%s: %d new upstream connections for %d visitors", r.Adapter, r.NewConns, cfg.visitors)
		}
		if r.CPUPer1k <= 0 || r.AllocsPerPage <= 0 {
			t.Errorf("%s: CPU %v per 1,000 pages, %.0f allocations per page", r.Adapter, r.CPUPer1k, r.AllocsPerPage)
		}
		if !strings.Contains(out.String(), r.line()) {
			t.Errorf("%s: the report lacks the round's line %q", r.Adapter, r.line())
		}
	}
}

// TestFlags checks the command line's validation.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-adapter", "chi"}, {"-visitors", "0"}, {"-rounds", "0"}, {"-duration", "0s"},
		{"-page", "heavy"}, {"-cpuprofile", "x.prof"}, {"-upstream", "-1ms"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	cfg, err := parseFlags([]string{"-adapter", "gin", "-page", "light", "-cpuprofile", "x.prof"}, &bytes.Buffer{})
	if err != nil || len(cfg.adapters) != 1 || cfg.adapters[0] != "gin" || !cfg.light || cfg.visitors != 64 {
		t.Errorf("cfg %+v, err %v", cfg, err)
	}
}
