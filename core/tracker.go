package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
	"github.com/sony/gobreaker/v2"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/inspect"
	"github.com/gopersonyze/personyze/core/internal/meta"
	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/internal/visitor"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Tracker is the per-application Personyze middleware engine: it holds the client, the
// cookie session store, the circuit breaker and the background delivery queue. Create one
// with New at start-up, share it among all requests (it is safe for concurrent use), and
// call Close at shutdown.
type Tracker struct {
	cfg      Config
	client   *wire.Client
	log      *slog.Logger
	store    sessions.Store
	detector *visitor.Detector
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
	// openUntil is when the open breaker lets its next probe through (unix nanoseconds):
	// background delivery waits for it.
	openUntil atomic.Int64
	queue     *delivery.Queue
	stale     *staleCache
	latest    *latestSessions
	logs      *logLimiter
	counters  counters
	meta      *meta.Cache       // the account's action, placeholder and condition metadata
	reports   *delivery.Held    // automatic action statuses waiting for the visitor's next call
	shared    *sharedVisitors   // Config.VisitorStore, or nil
	held      *sharedHeld       // Config.VisitorStore when it is a HeldReportStore, or nil
	durable   *delivery.Durable // Config.DurableQueue, or nil
	env       *envAsset         // the script of personyzeScript, served at Config.EnvScriptPath
	swap      *envAsset         // the script that puts streamed regions in place (stream.go)
	// inspector is the record of the live inspector, nil until Inspector is first called
	// (see inspect.go).
	inspector atomic.Pointer[inspect.Recorder]
}

// New validates cfg and returns a ready Tracker. A configuration error says which field is
// wrong and how to fix it (see ConfigError).
func New(cfg Config) (*Tracker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validateWire(); err != nil {
		return nil, err
	}
	if err := validateSession(cfg); err != nil {
		return nil, err
	}
	if err := validateEnvScriptPath(cfg.EnvScriptPath); err != nil {
		return nil, err
	}
	if err := validateStore(cfg); err != nil {
		return nil, err
	}
	if err := validateDebugLog(cfg); err != nil {
		return nil, err
	}
	if err := cfg.validateStreaming(); err != nil {
		return nil, err
	}
	t := &Tracker{cfg: cfg, log: cfg.Logger, env: newEnvAsset(cfg.EnvScriptPath), swap: newSwapAsset(cfg.StreamScriptPath)}
	t.client = wire.NewClient(wire.Options{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, UserAgent: cfg.UserAgent,
		Timeout: cfg.Timeout, MaxResponseBytes: cfg.MaxResponseBytes, HTTPClient: cfg.HTTPClient, Transport: cfg.Transport,
		Metered: cfg.OnCall != nil})
	var err error
	t.store = cfg.SessionStore
	if t.store == nil {
		if len(cfg.SessionKeys) == 0 {
			t.log.Warn("personyze: Development mode without SessionKeys: visitors get new ids whenever the process restarts")
		}
		if t.store, err = newCookieStore(cfg); err != nil {
			return nil, err
		}
	}
	var parser visitor.Parser
	if cfg.UserAgentParser != nil {
		parser = userAgentParser{cfg.UserAgentParser}
	}
	t.detector = visitor.NewDetector(cfg.UACacheSize, parser)
	t.stale = newStaleCache(cfg.StaleCacheSize)
	t.latest = newLatestSessions(latestSessionsSize)
	t.logs = newLogLimiter(cfg.LogInterval, cfg.Now, func() { t.counters.suppressed.Add(1) })
	t.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "personyze",
		MaxRequests: 1, // one probe in half-open state
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
		},
		// A visitor who leaves is not Personyze failing, nor is a request this library
		// refused to send (makeCall drops unfit commands before the breaker; a split call
		// can still outgrow the limit on a long session id Personyze returned).
		IsExcluded: func(err error) bool {
			return errors.Is(err, context.Canceled) || errors.Is(err, wire.ErrRequestTooBig)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				t.openUntil.Store(time.Now().Add(cfg.BreakerCooldown).UnixNano())
			}
			t.log.Warn("personyze: circuit breaker state changed", slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	if cfg.VisitorStore != nil {
		t.shared = newSharedVisitors(t, cfg.VisitorStore)
		if hs, ok := cfg.VisitorStore.(HeldReportStore); ok {
			t.held = newSharedHeld(t, hs)
		}
	}
	o := delivery.Options{Size: cfg.QueueSize, Workers: deliveryWorkers,
		MaxRetries: cfg.MaxRetries, Backoff: cfg.RetryBackoff, BreakerWait: t.breakerWait,
		Metrics: (*metrics)(t),
		Send: func(ctx context.Context, req *wire.Request, attempt int) error {
			req = t.refresh(req)
			res := t.call(ctx, req, true, attempt)
			if res.resp != nil && res.resp.SessionID != req.SessionID {
				t.shareSession(req.UserID, res.resp.SessionID) // no page will carry it otherwise
			}
			return res.err
		}}
	if cfg.DurableQueue != nil {
		o.Settled = func(ids []string) { t.durable.Settled(ids) }
		o.Handoff = func(req *wire.Request) bool { return t.durable.Handoff(req) }
	}
	t.queue = delivery.New(o)
	if cfg.DurableQueue != nil {
		t.durable = delivery.NewDurable(t.queue, delivery.DurableOptions{Store: durableStore{cfg.DurableQueue},
			Renew: durableRenew, Poll: durablePoll, OnError: t.storeFailed})
		t.durable.Start() // after t.durable is set: the queue's Settled and Handoff use it
	}
	t.meta = t.newMetaCache()
	t.reports = delivery.NewHeld(t.enqueue)
	return t, nil
}

// String describes the Tracker by its redacted configuration. Without it (and Format),
// printing a Tracker with %v would print its fields, the API key among them.
func (t *Tracker) String() string { return "core.Tracker{" + t.cfg.String() + "}" }

// Format implements fmt.Formatter: every verb prints String, never the raw fields.
func (t *Tracker) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// Config returns the effective configuration, defaults filled in. Its String and LogValue
// methods never show the API key.
func (t *Tracker) Config() Config { return t.cfg }

// Close delivers what is still queued for background delivery, and waits for page calls
// still running, at most until ctx ends. Then it gives up on the rest and returns a
// *CloseError saying how many commands were not delivered. Call it once, after the HTTP
// server has stopped serving (http.Server.Shutdown). Pages served after Close stopped
// waiting get OutcomeCanceled and their commands are counted as dropped for shutdown; a
// second Close returns an error at once.
func (t *Tracker) Close(ctx context.Context) error {
	if t.durable != nil {
		t.durable.StopAdding() // what Close flushes is delivered by this instance
	}
	if t.held != nil {
		t.held.close() // before the local statuses: what it sends after closing is held there
	}
	t.reports.Close()
	var err error
	if t.durable != nil {
		err = t.durable.Close(ctx)
	} else {
		err = t.queue.Close(ctx)
	}
	if t.shared != nil {
		t.shared.close(ctx)
	}
	t.meta.Close()
	t.client.CloseIdleConnections()
	return err
}

// enqueue hands req to background delivery: the durable queue when there is one, else
// the in-memory queue.
func (t *Tracker) enqueue(req *wire.Request) {
	if t.durable != nil {
		t.durable.Enqueue(req)
		return
	}
	t.queue.Enqueue(req)
}

// deliveryWorkers bounds the background deliveries in flight: workers start as visitors'
// requests arrive and end when none is left (see delivery.Options.Workers). A background
// call spends its time waiting for Personyze, so throughput is workers divided by its
// latency: 64 keep up with ~40 requests per second when Personyze takes 1.5 s and
// over 1,000 at 50 ms, for a few MB of goroutines and connections at most. It stays
// below the dedicated transport's idle connections per host (256), so every worker's
// connection is reused.
const deliveryWorkers = 64

// latestSessionsSize bounds the visitors whose newest session id is remembered (a few
// hundred kilobytes at most).
const latestSessionsSize = 16384

// refresh returns req carrying the visitor's newest known session id: a request that waited
// in the background must not send an id that a later call of the same visitor has already
// replaced.
func (t *Tracker) refresh(req *wire.Request) *wire.Request {
	sid := t.latest.newer(req.UserID, req.SessionID)
	if sid == "" {
		return req
	}
	r := *req
	r.SessionID = sid
	r.NewSession = session.NeedsNew(sid, t.cfg.Now())
	return &r
}

// breakerWait reports whether the breaker is open and, if so, how long a background send
// should wait: until the cooldown ends, plus a jitter of up to one RetryBackoff so that the
// waiting requests do not all arrive at the recovering service in the same instant.
// Background sends do not count towards the breaker: pages (and their budget) decide when
// Personyze is failing, and a slow background call must not hold the half-open probe.
func (t *Tracker) breakerWait() (time.Duration, bool) {
	if t.breaker.State() != gobreaker.StateOpen {
		return 0, false
	}
	wait := max(time.Until(time.Unix(0, t.openUntil.Load())), time.Millisecond)
	return wait + rand.N(max(t.cfg.RetryBackoff, time.Millisecond)), true
}

// newMetaCache returns the Tracker's metadata cache: fetched with the wire client's GET,
// counted in Stats and logged (rate-limited) like tracker failures when a fetch fails.
func (t *Tracker) newMetaCache() *meta.Cache {
	return meta.New(meta.Options{
		Fetch:   t.client.Get,
		Now:     t.cfg.Now, // the backoff after a failed fetch follows the Tracker's clock
		OnFetch: func(string) { t.counters.metaFetches.Add(1) },
		OnError: func(object string, err error) {
			t.counters.metaFailures.Add(1)
			t.logs.log(t.log, slog.LevelWarn, "metadata:"+object, "personyze: action metadata not loaded; pages render without it until it is",
				slog.String("object", object), slog.String("error", err.Error()))
		},
	})
}
