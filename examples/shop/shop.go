package shop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// Shop is one demo shop: its catalog, its shoppers' carts, its templates and
// its Personyze tracker. The examples differ only in how they route requests
// to its methods (see routes.go).
type Shop struct {
	Catalog   *Catalog
	Store     *Store
	Pages     *Renderer
	Tracker   *core.Tracker
	Logger    *slog.Logger
	Simulator *personyzetest.Server // nil when a real API key is used
	// Inspector is the library's live inspector (core.Tracker.Inspector), which the
	// examples mount at InspectorPath and the footer links to; nil when a real API key is
	// used: it shows what visitors do, and the demo has no sign-in for staff to put in
	// front of it.
	Inspector http.Handler
	redis     io.Closer // the Redis client of PERSONYZE_REDIS_URL, or nil
}

// InspectorPath is where the examples mount the Inspector.
const InspectorPath = "/debug/personyze/"

// New builds the shop from env. With an API key it is configured for production
// (Development off, session keys from PERSONYZE_SESSION_KEYS); without one it starts
// the personyzetest simulator in-process over the shop's catalog (see
// simulator.go), so the demo works offline. Either way it checks once that
// Personyze answers and accepts the key, and logs the result. Call Close when done.
func New(env Env, logger *slog.Logger) (*Shop, error) {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Shop{Catalog: NewCatalog(), Store: NewStore(0), Logger: logger}
	var cfg core.Config
	if env.APIKey != "" {
		// Production: stable keys from the environment, so visitors keep their
		// cookie across restarts and instances; core.New says how to make them
		// when they are missing or malformed.
		keys, err := core.ParseSessionKeys(env.SessionKeys)
		if err != nil {
			return nil, fmt.Errorf("shop: PERSONYZE_SESSION_KEYS: %w", err)
		}
		cfg = core.Config{APIKey: env.APIKey, BaseURL: env.APIURL, SessionKeys: keys}
	} else {
		s.Simulator, cfg = startSimulator(s.Catalog, logger)
	}
	cfg.Logger = logger
	if env.NoStreaming {
		cfg.StreamBudget = -1
	}
	if err := s.useRedis(env.RedisURL, &cfg); err != nil {
		s.closeSimulator()
		return nil, err
	}
	tr, err := core.New(cfg)
	if err != nil {
		s.closeSimulator()
		s.closeRedis()
		return nil, fmt.Errorf("shop: personyze: %w", err)
	}
	s.Tracker = tr
	if s.Simulator != nil {
		s.Inspector = tr.Inspector(core.InspectorOptions{})
	}
	ping(tr, logger)
	if s.Pages, err = NewRenderer(tr); err != nil {
		return nil, errors.Join(err, s.Close(context.Background()))
	}
	return s, nil
}

// PingTimeout bounds the start-up check of Personyze.
const PingTimeout = 5 * time.Second

// ping checks at start-up that Personyze answers and accepts the key, and
// logs the result. A failure does not stop the shop: pages render without
// recommendations until Personyze answers.
func ping(tr *core.Tracker, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), PingTimeout)
	defer cancel()
	switch err := tr.Ping(ctx); {
	case err == nil:
		logger.Info("personyze: reachable, API key accepted", "base_url", tr.Config().BaseURL)
	case errors.Is(err, core.ErrUnauthorized):
		logger.Error("personyze: API key refused; pages render without recommendations", "err", err)
	default:
		logger.Warn("personyze: start-up check failed; pages render without recommendations until it answers", "err", err)
	}
}

// Close delivers the events the tracker still has queued (until ctx is done)
// and stops the simulator. Call it after the HTTP server has shut down, so
// no handler tracks anything afterwards.
func (s *Shop) Close(ctx context.Context) error {
	var err error
	if s.Tracker != nil {
		err = s.Tracker.Close(ctx)
	}
	s.closeSimulator()
	s.closeRedis()
	return err
}

func (s *Shop) closeSimulator() {
	if s.Simulator != nil {
		s.Simulator.Close()
	}
}
