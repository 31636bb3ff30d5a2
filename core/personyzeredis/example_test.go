package personyzeredis_test

import (
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeredis"
)

// Every instance of the application creates its Tracker the same way: the same session
// keys, and one Redis for the visitor store and the delivery queue.
func Example() {
	keys, err := core.SessionKeysFromEnv("PERSONYZE_SESSION_KEYS")
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379",
		ContextTimeoutEnabled: true}) // a page's budget bounds its Redis read and the connection
	rs, err := personyzeredis.New(rdb, personyzeredis.Options{
		Prefix:     "shop:", // one per application sharing the Redis
		ClaimAfter: 30 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: os.Getenv("PERSONYZE_API_KEY"), SessionKeys: keys,
		VisitorStore: rs, DurableQueue: rs})
	if err != nil {
		log.Fatal(err)
	}
	_ = tr // nethttp.Middleware(tr), ginadapter.Middleware(tr), ...
}
