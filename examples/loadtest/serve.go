package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/examples/shop"
)

// Environment of the server process. The load program starts itself again with
// serveEnv set to the adapter's name; the rest is the shop's own contract (ADDR,
// PERSONYZE_API_KEY, PERSONYZE_API_URL, see shop.Env).
const (
	serveEnv      = "PERSONYZE_LOADTEST_SERVE"
	cpuProfileEnv = "PERSONYZE_LOADTEST_CPUPROFILE"
	pageEnv       = "PERSONYZE_LOADTEST_PAGE"
	eventEnv      = "PERSONYZE_LOADTEST_EVENT"
)

// serverStats is what the server process reports on its control address: its own
// resource use and the tracker's counters, read between rounds.
type serverStats struct {
	CPU             time.Duration     // user + system CPU time of the process so far
	Allocs          uint64            // heap objects allocated so far
	Calls           uint64            // page-blocking tracker calls started
	Pending         int64             // tracker requests not yet delivered or dropped
	Outcomes        map[string]uint64 // Visits by outcome
	Dropped         map[string]uint64 // commands given up on, by reason
	Deferred        uint64            // background sends that waited for the open breaker
	QueueDepth      int               // requests in the delivery queue now
	Breaker         string            // breaker state now
	BreakerOpenings uint64            // transitions of the breaker to open, from the log
	HeapInUse       uint64            // bytes of live heap objects, after a collection when asked (?gc)
	RSS             uint64            // resident memory in bytes; 0 where not measured
}

// serveMain is the server process: the demo shop behind adapter, with the tracker
// talking to the load program's simulator. It prints "ready <shop> <control>" on
// stdout once it listens and stops (delivering what the tracker holds) when stdin
// is closed, so it never outlives the load program.
func serveMain(adapter string) int {
	var openings atomic.Uint64
	logger := slog.New(&breakerCounter{Handler: slog.NewTextHandler(os.Stderr,
		&slog.HandlerOptions{Level: slog.LevelWarn}), openings: &openings})
	if err := serve(adapter, logger, &openings); err != nil {
		logger.Error("loadtest server", "err", err)
		return 1
	}
	return 0
}

func serve(adapter string, logger *slog.Logger, openings *atomic.Uint64) error {
	newHandler, ok := adapters[adapter]
	if !ok && adapter != naiveName {
		return fmt.Errorf("unknown adapter %q", adapter)
	}
	env := shop.EnvFromOS()
	if env.APIKey == "" && adapter == naiveName {
		return errors.New("PERSONYZE_API_KEY is empty: the naive baseline needs the load program's simulator")
	}
	s, err := shop.New(env, logger)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), shop.CloseTimeout)
		defer cancel()
		_ = s.Close(ctx)
	}()
	if path := os.Getenv(cpuProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var h http.Handler
	if adapter == naiveName {
		n, err := newNaiveTracker(env)
		if err != nil {
			return err
		}
		h = n.handler()
	} else {
		h = newHandler(s, pageOptions{light: os.Getenv(pageEnv) == "light", event: os.Getenv(eventEnv) == "1"})
	}

	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctlSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("gc") {
			runtime.GC()
			runtime.GC() // objects with finalizers go in the second
		}
		st := s.Tracker.Stats()
		out := serverStats{CPU: processCPU(), Allocs: heapAllocs(), Calls: st.Calls, Pending: st.Pending,
			Outcomes: st.Outcomes, Dropped: st.Dropped, Deferred: st.Deferred,
			QueueDepth: st.QueueDepth, Breaker: st.Breaker,
			BreakerOpenings: openings.Load(), HeapInUse: heapInUse(), RSS: processRSS()}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ctlSrv.Serve(ctl) }()
	defer ctlSrv.Close()

	ctx, stop := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // the load program closes it when done
		stop()
	}()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, env.Addr, h, ready) }()
	select {
	case addr := <-ready:
		fmt.Printf("ready %s %s\n", addr, ctl.Addr())
	case err := <-errc:
		return err
	}
	return <-errc
}

// heapAllocs returns the number of heap objects allocated since the process started.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// heapInUse returns the bytes of live heap objects (and of dead ones not yet swept).
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// breakerCounter counts the tracker's log lines announcing that its circuit breaker
// opened; Stats shows only the breaker's state at the moment it is read.
type breakerCounter struct {
	slog.Handler
	openings *atomic.Uint64
}

// Handle counts a breaker opening and passes the record on.
func (b *breakerCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "personyze: circuit breaker state changed" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "to" && a.Value.String() == "open" {
				b.openings.Add(1)
			}
			return true
		})
	}
	return b.Handler.Handle(ctx, r)
}

// WithAttrs keeps the counting when the logger gains attributes.
func (b *breakerCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &breakerCounter{Handler: b.Handler.WithAttrs(as), openings: b.openings}
}

// WithGroup keeps the counting when the logger gains a group.
func (b *breakerCounter) WithGroup(name string) slog.Handler {
	return &breakerCounter{Handler: b.Handler.WithGroup(name), openings: b.openings}
}
