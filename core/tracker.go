package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/gorilla/sessions"
	"github.com/sony/gobreaker/v2"
)

// Tracker is the per-application Personyze middleware engine: it holds the client, the
// cookie session store, the circuit breaker and the background delivery queue. Create one
// with New at start-up, share it among all requests (it is safe for concurrent use), and
// call Close at shutdown.
type Tracker struct {
	cfg      Config
	client   *Client
	log      *slog.Logger
	store    sessions.Store
	detector *DeviceDetector
	classify Classifier
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
	delivery *delivery
	stale    *staleCache
	logs     *logLimiter
	counters counters
}

// New validates cfg and returns a ready Tracker. A configuration error says which field is
// wrong and how to fix it (see ConfigError).
func New(cfg Config) (*Tracker, error) {
	client, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	cfg = client.Effective()
	if err := validateSession(cfg); err != nil {
		return nil, err
	}
	t := &Tracker{cfg: cfg, client: client, log: cfg.Logger, classify: cfg.Classify}
	t.store = cfg.SessionStore
	if t.store == nil {
		if len(cfg.SessionKeys) == 0 {
			t.log.Warn("personyze: Development mode without SessionKeys: visitors get new ids whenever the process restarts")
		}
		if t.store, err = newCookieStore(cfg); err != nil {
			return nil, err
		}
	}
	t.detector = NewDeviceDetector(cfg.UACacheSize, nil)
	t.stale = newStaleCache(cfg.StaleCacheSize)
	t.logs = newLogLimiter(cfg.LogInterval, cfg.Now, func() { t.counters.suppressed.Add(1) })
	t.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "personyze",
		MaxRequests: 1, // one probe in half-open state
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
		},
		// A visitor who leaves is not Personyze failing.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			t.log.Warn("personyze: circuit breaker state changed", slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	t.delivery = newDelivery(t, cfg.QueueSize)
	return t, nil
}

// String describes the Tracker by its redacted configuration. Without it (and Format),
// printing a Tracker with %v would print its fields, the API key among them.
func (t *Tracker) String() string { return "personyze.Tracker{" + t.cfg.String() + "}" }

// Format implements fmt.Formatter: every verb prints String, never the raw fields.
func (t *Tracker) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// Config returns the effective configuration, defaults filled in. Its String and LogValue
// methods never show the API key.
func (t *Tracker) Config() Config { return t.cfg }

// Close delivers what is still queued for background delivery, waiting at most until ctx
// ends. Then it gives up on the rest and returns a *CloseError saying how many commands
// were not delivered. Call it once, after the HTTP server has stopped serving.
func (t *Tracker) Close(ctx context.Context) error {
	err := t.delivery.close(ctx)
	t.client.CloseIdleConnections()
	return err
}
