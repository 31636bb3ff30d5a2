package shop

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRedisURL: PERSONYZE_REDIS_URL puts the tracker's visitor store and delivery queue on
// Redis (without contacting it at start-up); a malformed one is refused with a message
// naming the variable.
func TestRedisURL(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	s, err := New(Env{RedisURL: "redis://127.0.0.1:1/0"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Tracker.Config()
	if cfg.VisitorStore == nil || cfg.DurableQueue == nil {
		t.Errorf("VisitorStore %v, DurableQueue %v: want both on Redis", cfg.VisitorStore, cfg.DurableQueue)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Close(ctx)

	if _, err := New(Env{RedisURL: "localhost:6379"}, quiet); err == nil || !strings.Contains(err.Error(), "PERSONYZE_REDIS_URL") {
		t.Errorf("malformed URL: error %v, want one naming PERSONYZE_REDIS_URL", err)
	}
	s, err = New(Env{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if s.Tracker.Config().VisitorStore != nil {
		t.Error("a VisitorStore without PERSONYZE_REDIS_URL")
	}
	_ = s.Close(ctx)
}
