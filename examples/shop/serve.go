package shop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Run is what each example's main does: build the shop from env (starting the simulator
// when there is no API key), serve the handler newHandler wires until ctx is done, then
// deliver the Personyze events still queued (for at most CloseTimeout, never hanging).
func Run(ctx context.Context, env Env, ready chan<- string, newHandler func(*Shop) http.Handler) error {
	s, err := New(env, slog.Default())
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
		defer cancel()
		if err := s.Close(cctx); err != nil {
			slog.Warn("personyze: not every event was delivered", "err", err)
		}
	}()
	return s.Serve(ctx, env.Addr, newHandler(s), ready)
}

// CloseTimeout bounds how long Run waits for queued Personyze events at shutdown.
const CloseTimeout = 5 * time.Second

// ShutdownTimeout bounds how long Serve waits for in-flight requests after
// ctx is done.
const ShutdownTimeout = 10 * time.Second

// Serve listens on addr and serves h until ctx is done (SIGINT/SIGTERM in
// the examples), then shuts the server down gracefully. When ready is not
// nil it receives the address actually listened on (useful with port 0).
// Serve returns nil after a clean shutdown.
func (s *Shop) Serve(ctx context.Context, addr string, h http.Handler, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("shop: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.Logger.Info("demo shop listening", "url", "http://"+ln.Addr().String()+"/")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("shop: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shop: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shop: serve: %w", err)
	}
	s.Logger.Info("demo shop stopped")
	return nil
}
