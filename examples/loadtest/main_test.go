package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/examples/shop"
)

// TestMain lets the test binary be the server process too, as the program is.
func TestMain(m *testing.M) {
	if adapter := os.Getenv(serveEnv); adapter != "" {
		os.Exit(serveMain(adapter))
	}
	os.Exit(m.Run())
}

// runArgs runs the load program with args and returns its configuration, results and
// report (logged).
func runArgs(t *testing.T, args ...string) (config, []result, string) {
	t.Helper()
	cfg, err := parseFlags(args, os.Stderr)
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
	return cfg, results, out.String()
}

// TestSmoke runs the load program briefly against every adapter, so it never rots: every
// page is answered, every page view reaches the simulator, the visitors keep their
// sessions and connections are reused.
func TestSmoke(t *testing.T) {
	cfg, results, out := runArgs(t, "-visitors", "4", "-think", "5ms", "-duration", "1s", "-rounds", "1", "-drain", "10s")
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
		if !strings.Contains(out, r.line()) {
			t.Errorf("%s: the report lacks the round's line %q", r.Adapter, r.line())
		}
	}
}

// TestJunkEmbedded runs the soak's load briefly: junk visitors against a shop with its own
// simulator. Every request is answered (a 404 for the missing pages), and the server's
// memory is read after every round.
func TestJunkEmbedded(t *testing.T) {
	_, results, out := runArgs(t, "-adapter", "gin", "-junk", "-embedded", "-visitors", "4", "-think", "5ms",
		"-duration", "1s", "-rounds", "2", "-drain", "10s")
	if len(results) != 2 {
		t.Fatalf("%d results, want 2 rounds", len(results))
	}
	for _, r := range results {
		if r.Pages == 0 || r.Errors != 0 || r.Reached != -1 || r.HeapInUse == 0 {
			t.Errorf("round %d: %+v; want pages, no errors, reached -1 and the heap measured", r.Round, r)
		}
		if runtime.GOOS == "linux" && r.RSS < r.HeapInUse {
			t.Errorf("round %d: rss %d below the heap %d", r.Round, r.RSS, r.HeapInUse)
		}
	}
	if !strings.Contains(out, "(junk)") || !strings.Contains(out, "the shop's own simulator") {
		t.Errorf("the report does not say the load is junk against the embedded simulator:\n%s", out)
	}
}

// TestBaselineBeside runs both baselines beside an adapter on the light page: all serve
// every page, and the plain one makes no tracker calls.
func TestBaselineBeside(t *testing.T) {
	_, results, out := runArgs(t, "-adapter", "plain,naive,nethttp", "-page", "light", "-visitors", "2", "-duration", "1s",
		"-rounds", "1", "-drain", "10s")
	if len(results) != 3 || results[0].Adapter != plainName || results[1].Adapter != naiveName || results[2].Adapter != "nethttp" {
		t.Fatalf("results %+v, want plain, naive, nethttp", results)
	}
	plain, naive, lib := results[0], results[1], results[2]
	if naive.Pages == 0 || naive.Errors != 0 || naive.Reached < 1 {
		t.Errorf("naive: %+v, want every page to reach the simulator", naive)
	}
	if plain.Pages == 0 || plain.Errors != 0 || plain.NewConns != 0 || plain.Reached != -1 {
		t.Errorf("baseline: %+v, want pages, no tracker connections, reached -1", plain)
	}
	if lib.Pages == 0 || lib.Errors != 0 || lib.Reached < 1 {
		t.Errorf("nethttp: %+v, want every page to reach the simulator", lib)
	}
	if !strings.Contains(out, plain.line()) || !strings.Contains(plain.line(), "    -") {
		t.Errorf("the report lacks the baseline's line %q (with - for reached)", plain.line())
	}
}

// TestEventAfterPage: with -event every page's event reaches the simulator in the
// background, slowed by -event-upstream, and the report shows their rate and the queue.
func TestEventAfterPage(t *testing.T) {
	_, results, _ := runArgs(t, "-adapter", "nethttp", "-page", "light", "-event", "-event-upstream", "50ms",
		"-visitors", "4", "-think", "20ms", "-duration", "1s", "-rounds", "1", "-drain", "10s")
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	if r := results[0]; r.Pages == 0 || r.Errors != 0 || r.Background <= 0 || r.QueueFull != 0 {
		t.Errorf("%+v: want pages, events delivered in the background, nothing dropped", r)
	}
}

// TestLightPages checks that the light page prints ten recommendations with and without
// the library, so the baselines do the same template work.
func TestLightPages(t *testing.T) {
	up, err := newUpstream(0, 0) // ten items per action, as in the load
	if err != nil {
		t.Fatal(err)
	}
	defer up.close()
	s, err := shop.New(shop.Env{APIKey: up.sim.APIKey(), APIURL: up.url, SessionKeys: sessionKeys}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	naive, err := newNaiveTracker(shop.Env{APIKey: up.sim.APIKey(), APIURL: up.url, SessionKeys: sessionKeys})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{plainName, naiveName, "nethttp"} {
		h := naive.handler()
		if name != naiveName {
			h = adapters[name](s, pageOptions{light: true})
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/products/"+s.Catalog.Products()[0].ID, nil)
		req.Header.Set("User-Agent", chromeUA)
		req.Header.Set("Accept", "text/html")
		h.ServeHTTP(rec, req)
		if n := strings.Count(rec.Body.String(), "<li>"); rec.Code != http.StatusOK || n != 10 {
			t.Errorf("%s: status %d, %d items, want 200 and 10:\n%s", name, rec.Code, n, rec.Body)
		}
	}
}

// TestRegions runs -regions briefly with a slow Personyze: streamed, a page's first byte
// comes before the answer and its last after it; with -render blocking, both after.
func TestRegions(t *testing.T) {
	const upstream = 150 * time.Millisecond
	for _, render := range []string{"stream", "blocking"} {
		t.Run(render, func(t *testing.T) {
			_, results, out := runArgs(t, "-adapter", "nethttp", "-regions", "-render", render, "-upstream", upstream.String(),
				"-visitors", "2", "-think", "5ms", "-duration", "1s", "-rounds", "1")
			r := results[0]
			if r.Pages == 0 || r.Errors != 0 || !strings.Contains(out, r.regionsLine(config{upstream: upstream, blocking: render == "blocking"})) {
				t.Fatalf("%d pages, %d failed; report:\n%s", r.Pages, r.Errors, out)
			}
			if r.Last50 < upstream {
				t.Errorf("last byte p50 %v before the answer (%v)", r.Last50, upstream)
			}
			if streamed := r.TTFB50 < upstream; streamed != (render == "stream") {
				t.Errorf("first byte p50 %v with Personyze at %v and render %s", r.TTFB50, upstream, render)
			}
		})
	}
}

// TestFlags checks the command line's validation.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-adapter", "chi"}, {"-visitors", "0"}, {"-rounds", "0"}, {"-duration", "0s"},
		{"-page", "heavy"}, {"-cpuprofile", "x.prof"}, {"-upstream", "-1ms"}, {"-upstream", "5ms", "-event-upstream", "1ms"}, {"-think", "-1s"}, {"-adapter", "nethttp,chi"}, {"-adapter", ""}, {"-adapter", "naive"},
		{"-idle", "-1s"}, {"-adapter", "naive", "-page", "light", "-embedded"}, {"-render", "inline"},
		{"-redis", "localhost:6379"}, {"-redis", "http://localhost:6379"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	cfg, err := parseFlags([]string{"-adapter", "gin", "-page", "light", "-cpuprofile", "x.prof", "-think", "50ms"}, &bytes.Buffer{})
	if err != nil || len(cfg.adapters) != 1 || cfg.adapters[0] != "gin" || !cfg.light || cfg.visitors != 64 || cfg.think != 50*time.Millisecond {
		t.Errorf("cfg %+v, err %v", cfg, err)
	}
	cfg, err = parseFlags([]string{"-adapter", "plain,all"}, &bytes.Buffer{})
	if want := append([]string{plainName}, adapterNames...); err != nil || !slices.Equal(cfg.adapters, want) {
		t.Errorf("-adapter plain,all: %v, err %v; want %v", cfg.adapters, err, want)
	}
	if cfg, err := parseFlags([]string{"-redis", "redis://127.0.0.1:6379/0"}, &bytes.Buffer{}); err != nil || cfg.redisURL != "redis://127.0.0.1:6379/0" {
		t.Errorf("-redis: cfg.redisURL %q, err %v", cfg.redisURL, err)
	}
	if _, err := parseFlags([]string{"-h"}, &bytes.Buffer{}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err %v, want flag.ErrHelp (main exits 0)", err)
	}
}
