package readme

import (
	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeredis"
)

// instances is the README's "Running several instances" snippet.
func instances(key string, keys [][]byte) (*core.Tracker, error) {
	// readme:begin instances
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
	rs, err := personyzeredis.New(rdb, personyzeredis.Options{})
	if err != nil {
		return nil, err
	}
	tr, err := core.New(core.Config{APIKey: key, SessionKeys: keys, VisitorStore: rs, DurableQueue: rs})
	// readme:end
	return tr, err
}
