package personyzeredis_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeredis"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// Environment of the instance process TestKilledInstance starts (TestInstanceProcess).
const (
	envInstance = "PERSONYZE_TEST_INSTANCE" // set: this process is the instance
	envSimURL   = "PERSONYZE_TEST_SIM_URL"
	envSimKey   = "PERSONYZE_TEST_SIM_KEY"
	envRedis    = "PERSONYZE_TEST_REDIS" // address, or empty for the in-memory queue
)

// instanceConfig is the configuration of every instance of TestKilledInstance: the
// breaker opens after 3 failures and probes again after a second, and retries are many
// and quick, so that requests wait for the outage to end rather than run out of retries.
func instanceConfig(t testing.TB, simURL, simKey, redisAddr, name string) core.Config {
	cfg := core.Config{APIKey: simKey, BaseURL: simURL, SessionKeys: testKeys, Logger: discardLogger(),
		Timeout: 100 * time.Millisecond, BreakerFailures: 3, BreakerCooldown: time.Second,
		MaxRetries: 50, RetryBackoff: 20 * time.Millisecond}
	if redisAddr != "" {
		c := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = c.Close() })
		rs, err := personyzeredis.New(c, personyzeredis.Options{Consumer: name, ClaimAfter: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cfg.VisitorStore, cfg.DurableQueue = rs, rs
	}
	return cfg
}

// instanceLife bounds the instance process: it exits by itself even if nobody kills it.
const instanceLife = 2 * time.Minute

// TestInstanceProcess is not a test: it is the instance process TestKilledInstance starts
// and kills (the test binary run again with envInstance set). It serves the shop on a free
// loopback port, prints "LISTEN <addr>", and serves its Stats at /_stats.
func TestInstanceProcess(t *testing.T) {
	if os.Getenv(envInstance) == "" {
		t.Skip("the instance process of TestKilledInstance")
	}
	tr, err := core.New(instanceConfig(t, os.Getenv(envSimURL), os.Getenv(envSimKey), os.Getenv(envRedis), "killed-instance"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", nethttp.Middleware(tr)(shopMux()))
	mux.HandleFunc("/_stats", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(tr.Stats()) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", l.Addr())
	srv := &http.Server{Handler: mux}
	time.AfterFunc(instanceLife, func() { _ = srv.Close() })
	_ = srv.Serve(l)
}

// startInstance runs TestInstanceProcess in a child process and returns its base URL.
func startInstance(t *testing.T, sim *personyzetest.Server, redisAddr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInstanceProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envInstance+"=1", envSimURL+"="+sim.URL(), envSimKey+"="+sim.APIKey(), envRedis+"="+redisAddr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("the instance process did not start")
		return nil, ""
	}
}

// instanceStats reads the instance process's Stats.
func instanceStats(t *testing.T, base string) core.Stats {
	resp, err := http.Get(base + "/_stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st core.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// viewed counts the "Product Viewed" commands the simulator processed (not those it
// answered with a fault) for item ids with prefix, and how many distinct ids they name.
func viewed(sim *personyzetest.Server, prefix string) (commands, distinct int) {
	seen := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.ResponseSessionID == "" {
			continue // refused (the outage): not delivered
		}
		for _, c := range r.Commands {
			if c.Name == "Product Viewed" && strings.HasPrefix(c.ItemID(), prefix) {
				commands++
				seen[c.ItemID()] = true
			}
		}
	}
	return commands, len(seen)
}

// TestKilledInstance: Personyze is down, three instances serve pages whose views queue
// for background delivery, and one instance (a real child process) is killed with SIGKILL.
// With the in-memory queue its queued views are lost; with the Redis queue the other two
// instances claim them and deliver them all once Personyze is back.
func TestKilledInstance(t *testing.T) {
	if os.Getenv(envInstance) != "" {
		t.Skip("inside the instance process")
	}
	const perInstance = 12
	for _, mode := range []string{"in-memory", "redis"} {
		t.Run(mode, func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			var rs *redisServer
			addr := ""
			if mode == "redis" {
				rs = startRedis(t)
				addr = rs.Addr
			}
			killed, killedURL := startInstance(t, sim, addr)
			sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 503})
			for i := range perInstance {
				newVisitor(t).page(killedURL, fmt.Sprintf("/product/i0-%d", i)) // a new visitor each
			}
			// Everything is queued on the killed instance: claimed by it from the stream,
			// or in its memory.
			held := int64(0)
			if rs != nil {
				c := rs.client(t)
				waitFor(t, 20*time.Second, "the killed instance's claimed entries", func() bool {
					p, err := c.XPending(context.Background(), "personyze:queue", "delivery").Result()
					held = 0
					if err == nil {
						held = p.Consumers["killed-instance"]
					}
					return held >= perInstance
				})
			} else {
				waitFor(t, 20*time.Second, "the killed instance's queue", func() bool {
					held = instanceStats(t, killedURL).Pending
					return held >= perInstance
				})
			}
			if err := killed.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			_ = killed.Wait()

			// Two instances live on, serving their own pages during the outage.
			bases := []string{killedURL}
			for i := range 2 {
				tr, err := core.New(instanceConfig(t, sim.URL(), sim.APIKey(), addr, fmt.Sprintf("survivor-%d", i)))
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(nethttp.Middleware(tr)(shopMux()))
				bases = append(bases, srv.URL)
				t.Cleanup(func() {
					srv.Close()
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					_ = tr.Close(ctx)
				})
			}
			for i := range perInstance {
				for n, base := range bases[1:] {
					newVisitor(t).page(base, fmt.Sprintf("/product/i%d-%d", n+1, i))
				}
			}
			sim.ClearFault()
			start := time.Now()

			// The survivors deliver their own views in any case; the killed instance's
			// come only from the durable queue.
			waitFor(t, 60*time.Second, "the survivors' views", func() bool {
				_, a := viewed(sim, "i1-")
				_, b := viewed(sim, "i2-")
				return a == perInstance && b == perInstance
			})
			if mode == "redis" {
				waitFor(t, 60*time.Second, "the killed instance's views", func() bool {
					_, n := viewed(sim, "i0-")
					return n == perInstance
				})
			}
			cmds, got := viewed(sim, "i0-")
			t.Logf("KILL|%s|views queued on the killed instance %d (held by it at SIGKILL %d)|delivered by the others after the outage %d in %v|sent twice %d",
				mode, perInstance, held, got, time.Since(start).Round(100*time.Millisecond), cmds-got)
			if mode == "in-memory" && got != 0 {
				t.Errorf("%d views of the killed instance delivered without a durable queue: the scenario does not kill it in time", got)
			}
		})
	}
}
