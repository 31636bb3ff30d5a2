package personyzeredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core/personyzeredis"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestHeldStatusesAcrossInstances: three instances round robin; a visitor's product page on
// instance A renders recommendations, so A holds their "executed" statuses for the
// visitor's next call, which lands on B. With the in-process memory B knows nothing of them:
// B's call carries none and A sends them on their own when they expire (here: at Close, as
// the 15 s timer would), one call more. With Redis the cookie's mark makes B take them from
// the visitor's list: they ride on B's call, and A's expiry finds them gone and sends
// nothing. Either way each status reaches Personyze exactly once.
func TestHeldStatusesAcrossInstances(t *testing.T) {
	rode := map[string]int{}
	for _, mode := range []string{"in-process", "redis"} {
		t.Run(mode, func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			o := modeOptions(t, mode, generousBudget)
			var rdb *redis.Client
			ctx := context.Background()
			if o.redis != nil {
				rdb = o.redis.client(t)
			}
			c := newCluster(t, sim, o)
			v := newVisitor(t)
			v.page(c.proxy.URL, "/product/p1") // instance A
			if rdb != nil {
				waitFor(t, 10*time.Second, "A's statuses in Redis", func() bool {
					return len(rdb.Keys(ctx, "personyze:h:*").Val()) > 0
				})
			}
			v.page(c.proxy.URL, "/product/p2") // instance B
			c.settle()
			reqs := sim.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d calls before the statuses expired, want the two pages'", len(reqs))
			}
			shown := map[int64]int{}
			for _, s := range sim.ActionStatuses(reqs[0].UserID) {
				if s.Status == "executed" {
					shown[s.ActionID]++
				}
			}
			for _, cmd := range reqs[1].Commands {
				if cmd.Name == "Action Status" {
					rode[mode]++
				}
			}
			// Every instance's statuses expire: Close sends what each still holds.
			for _, tr := range c.trackers {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_ = tr.Close(cctx)
				cancel()
			}
			executed := map[int64]int{}
			for _, s := range sim.ActionStatuses(reqs[0].UserID) {
				if s.Status == "executed" {
					executed[s.ActionID]++
				}
			}
			t.Logf("%s: %d statuses rode on B's call (%v before expiry); %d calls in all; executed per action after expiry: %v",
				mode, rode[mode], shown, len(sim.Requests()), executed)
			if len(executed) == 0 {
				t.Fatal("the pages reported no executed status")
			}
			for id, n := range executed {
				if n != 2 { // once for each page
					t.Errorf("action %d: executed sent %d times for two pages, want 2", id, n)
				}
			}
			want := map[string]int{"in-process": 0, "redis": len(executed)}[mode]
			if rode[mode] != want {
				t.Errorf("%d statuses rode on B's call, want %d", rode[mode], want)
			}
			if rdb != nil {
				if keys := rdb.Keys(ctx, "personyze:h:*").Val(); len(keys) != 0 {
					t.Errorf("held lists left in Redis after every instance closed: %v", keys)
				}
				for i, tr := range c.trackers {
					if n := tr.Stats().StoreFallbacks; n != 0 {
						t.Errorf("instance %d: StoreFallbacks = %d, want 0", i, n)
					}
				}
			}
		})
	}
	t.Logf("statuses of A's page riding on B's call: in-process %d, redis %d", rode["in-process"], rode["redis"])
}

// TestHeldListOnRedis: entries pushed by two Stores come back in order from one take,
// which empties the list; an entry taken is not removed again, one still there is, once.
func TestHeldListOnRedis(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	ctx := context.Background()
	a, b := newStore(t, c), newStore(t, c)
	for _, e := range []string{"e1", "e2"} {
		if err := a.PushHeld(ctx, "h:1", []byte(e)); err != nil {
			t.Fatal(err)
		}
	}
	if ttl := c.TTL(ctx, "t:h:1").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL %v, want up to an hour", ttl)
	}
	got, err := b.TakeHeld(ctx, "h:1")
	if err != nil || len(got) != 2 || string(got[0]) != "e1" || string(got[1]) != "e2" {
		t.Fatalf("take = %q, %v", got, err)
	}
	if again, err := a.TakeHeld(ctx, "h:1"); err != nil || len(again) != 0 {
		t.Errorf("second take = %q, %v, want nothing", again, err)
	}
	if removed, err := a.RemoveHeld(ctx, "h:1", []byte("e1")); err != nil || removed {
		t.Errorf("removing a taken entry = %v, %v, want false", removed, err)
	}
	_ = a.PushHeld(ctx, "h:1", []byte("e3"))
	_ = a.PushHeld(ctx, "h:1", []byte("e4"))
	if removed, err := a.RemoveHeld(ctx, "h:1", []byte("e3")); err != nil || !removed {
		t.Errorf("removing an entry still there = %v, %v, want true", removed, err)
	}
	if removed, _ := a.RemoveHeld(ctx, "h:1", []byte("e3")); removed {
		t.Error("an entry removed twice")
	}
	if got, _ := b.TakeHeld(ctx, "h:1"); len(got) != 1 || string(got[0]) != "e4" {
		t.Errorf("take after the removal = %q, want [e4]", got)
	}
}

// newStore returns a Store on c with the prefix "t:" and an hour's TTL.
func newStore(t *testing.T, c *redis.Client) *personyzeredis.Store {
	t.Helper()
	s, err := personyzeredis.New(c, personyzeredis.Options{Prefix: "t:", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
