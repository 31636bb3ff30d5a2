package personyzeredis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core/personyzeredis"
)

// TestNewOptions: bad options fail at New with a message saying how to fix them.
func TestNewOptions(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	tests := []struct {
		name string
		o    personyzeredis.Options
		want string // "" for no error
	}{
		{"zero", personyzeredis.Options{}, ""},
		{"negative TTL", personyzeredis.Options{TTL: -time.Second}, "TTL"},
		{"claim too soon", personyzeredis.Options{ClaimAfter: time.Second}, "ClaimAfter"},
		{"negative MaxLen", personyzeredis.Options{MaxLen: -1}, "MaxLen"},
	}
	for _, tt := range tests {
		_, err := personyzeredis.New(c, tt.o)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one naming %q", tt.name, err, tt.want)
		}
	}
	if _, err := personyzeredis.New(nil, personyzeredis.Options{}); err == nil {
		t.Error("nil client accepted")
	}
}

// TestStoreOnRedis: the visitor values (absent is nil, values expire), and the queue's
// life cycle between two consumers: added, claimed by one, not by the other while renewed,
// claimed by the other once idle, gone once acknowledged; and a stream deleted under the
// Store (FLUSHALL) is created again.
func TestStoreOnRedis(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	ctx := context.Background()
	opts := personyzeredis.Options{Prefix: "t:", TTL: time.Hour, ClaimAfter: 3 * time.Second}
	opts.Consumer = "a"
	a, err := personyzeredis.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Consumer = "b"
	b, _ := personyzeredis.New(c, opts)

	if v, err := a.Get(ctx, "s:1"); v != nil || err != nil {
		t.Errorf("absent key: %q, %v", v, err)
	}
	if err := a.Set(ctx, "s:1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Get(ctx, "s:1"); string(v) != "x" {
		t.Errorf("Get = %q", v)
	}
	if ttl := c.TTL(ctx, "t:s:1").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL %v, want up to an hour", ttl)
	}

	if err := a.Add(ctx, [][]byte{[]byte("e1"), []byte("e2")}); err != nil {
		t.Fatal(err)
	}
	got, err := a.Claim(ctx, 10)
	if err != nil || len(got) != 2 || string(got[0].Data) != "e1" {
		t.Fatalf("a claims %v, %v", got, err)
	}
	if more, _ := b.Claim(ctx, 10); len(more) != 0 {
		t.Errorf("b claims %v held by a", more)
	}
	ids := []string{got[0].ID, got[1].ID}
	if err := a.Renew(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if err := a.Ack(ctx, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if n := c.XLen(ctx, "t:queue").Val(); n != 1 {
		t.Errorf("%d entries after one acknowledgement, want 1", n)
	}
	// a stops renewing: after ClaimAfter, b takes the rest.
	deadline := time.Now().Add(10 * time.Second)
	var taken []string
	for len(taken) == 0 && time.Now().Before(deadline) {
		es, err := b.Claim(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			taken = append(taken, string(e.Data))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(taken) != 1 || taken[0] != "e2" {
		t.Errorf("b claimed %v, want [e2]", taken)
	}

	c.FlushAll(ctx)
	if _, err := a.Claim(ctx, 1); err == nil {
		t.Log("the group was created again at once")
	}
	if err := a.Add(ctx, [][]byte{[]byte("e3")}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		es, err := a.Claim(ctx, 1)
		if err == nil && len(es) == 1 && string(es[0].Data) == "e3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after FLUSHALL: %v, %v", es, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
