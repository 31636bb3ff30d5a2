package shop

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeredis"
)

// useRedis puts the tracker's visitor store and delivery queue on the Redis of
// PERSONYZE_REDIS_URL, so that several instances of the shop behind a load balancer share
// them; an empty url leaves cfg as it is. Redis is not contacted here: one that is down
// only means each instance uses its own memory until it is up.
func (s *Shop) useRedis(url string, cfg *core.Config) error {
	if url == "" {
		return nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("shop: PERSONYZE_REDIS_URL: %w (want redis://[user:password@]host:port/db)", err)
	}
	opt.ContextTimeoutEnabled = true // a page's budget bounds its Redis read
	c := redis.NewClient(opt)
	rs, err := personyzeredis.New(c, personyzeredis.Options{})
	if err != nil {
		_ = c.Close()
		return fmt.Errorf("shop: %w", err)
	}
	cfg.VisitorStore, cfg.DurableQueue = rs, rs
	s.redis = c
	s.Logger.Info("personyze: visitor store and delivery queue on Redis", "addr", opt.Addr)
	return nil
}

// closeRedis closes the Redis client, after the tracker has delivered what it could.
func (s *Shop) closeRedis() {
	if s.redis != nil {
		_ = s.redis.Close()
	}
}
