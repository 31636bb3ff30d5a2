package personyzeredis_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzeredis"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// testKeys are the session keys every instance of a cluster shares, as production requires.
var testKeys = [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("e", 32))}

// countingStore wraps a Store and counts the writes that completed, by key kind ("s"
// session, "r" result): tests wait for them instead of sleeping. It embeds the Store, so
// it is a core.HeldReportStore as the Store is.
type countingStore struct {
	*personyzeredis.Store
	sessions, results atomic.Int64
}

func (c *countingStore) Set(ctx context.Context, key string, value []byte) error {
	err := c.Store.Set(ctx, key, value)
	if err == nil {
		switch key[0] {
		case 's':
			c.sessions.Add(1)
		case 'r':
			c.results.Add(1)
		}
	}
	return err
}

// cluster is three instances of one application (each a real Tracker behind the nethttp
// adapter, on an httptest server) behind a round-robin reverse proxy, with one simulator.
type cluster struct {
	t        testing.TB
	sim      *personyzetest.Server
	trackers []*core.Tracker
	stores   []*countingStore // nil without Redis
	servers  []*httptest.Server
	proxy    *httptest.Server
}

// clusterOptions shape a cluster.
type clusterOptions struct {
	redis     *redisServer // nil: each instance has only its own memory
	durable   bool         // the durable queue as well as the visitor store
	configure func(*core.Config)
}

// modeOptions are the cluster options of a test's mode: "redis" starts a Redis that the
// instances share, "in-process" leaves each instance with its own memory.
func modeOptions(t testing.TB, mode string, configure func(*core.Config)) clusterOptions {
	o := clusterOptions{configure: configure}
	if mode == "redis" {
		o.redis = startRedis(t)
	}
	return o
}

func newCluster(t testing.TB, sim *personyzetest.Server, o clusterOptions) *cluster {
	t.Helper()
	c := &cluster{t: t, sim: sim}
	var backends []*url.URL
	for i := range 3 {
		cfg := core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), SessionKeys: testKeys,
			Timeout: 60 * time.Millisecond, Logger: discardLogger()}
		if o.redis != nil {
			rs, err := personyzeredis.New(o.redis.client(t), personyzeredis.Options{
				Consumer: fmt.Sprintf("instance-%d", i), ClaimAfter: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			cs := &countingStore{Store: rs}
			c.stores = append(c.stores, cs)
			cfg.VisitorStore = cs
			if o.durable {
				cfg.DurableQueue = rs
			}
		}
		if o.configure != nil {
			o.configure(&cfg)
		}
		tr, err := core.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(nethttp.Middleware(tr)(shopMux()))
		c.trackers = append(c.trackers, tr)
		c.servers = append(c.servers, srv)
		u, _ := url.Parse(srv.URL)
		backends = append(backends, u)
		t.Cleanup(func() {
			srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = tr.Close(ctx)
		})
	}
	var next atomic.Uint64
	c.proxy = httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backends[(next.Add(1)-1)%uint64(len(backends))])
		r.Out.Host = r.In.Host
	}})
	t.Cleanup(c.proxy.Close)
	return c
}

// shopMux is the application every instance runs: a product page that tracks its view and
// shows its recommendations, and event-only cart and checkout requests that answer with
// the visitor's campaigns after the event.
func shopMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /product/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed(r.PathValue("id")))
		items := v.Items()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p>items=%d stale=%t outcome=%s campaigns=%s</p>", len(items), v.Stale(), v.Outcome(),
			strings.Join(v.Campaigns(), "|"))
	})
	mux.HandleFunc("POST /cart/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductAddedToCart(r.PathValue("id")))
		fmt.Fprintf(w, "campaigns=%s", strings.Join(v.Campaigns(), "|"))
	})
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductsPurchased())
		fmt.Fprintf(w, "campaigns=%s", strings.Join(v.Campaigns(), "|"))
	})
	return mux
}

// generousBudget gives pages that must get their answer a budget a loaded machine under
// -race keeps (the outage's failures come at once: a 503).
func generousBudget(cfg *core.Config) { cfg.Timeout = 5 * time.Second }

// visitor is one browser: its own cookie jar.
type visitor struct {
	t      testing.TB
	client *http.Client
}

func newVisitor(t testing.TB) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// page navigates to base+path as a browser does and returns the body.
func (v *visitor) page(base, path string) string {
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("User-Agent", adaptertest.ChromeUA)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	return v.do(req)
}

// post sends an event-only POST (a form or fetch) and returns the body.
func (v *visitor) post(base, path string) string {
	req, _ := http.NewRequest(http.MethodPost, base+path, nil)
	req.Header.Set("User-Agent", adaptertest.ChromeUA)
	return v.do(req)
}

func (v *visitor) do(req *http.Request) string {
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		v.t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return string(b)
}

// settle waits until no instance has a call running or a request queued, and, with
// Redis, until every late answer's session id (one per timed-out page) is in the store.
func (c *cluster) settle() {
	c.t.Helper()
	waitFor(c.t, 20*time.Second, "calls settled", func() bool {
		var timeouts, shared int64
		for i, tr := range c.trackers {
			st := tr.Stats()
			if st.Pending > 0 {
				return false
			}
			timeouts += int64(st.Outcomes["timeout"])
			if c.stores != nil {
				shared += c.stores[i].sessions.Load()
			}
		}
		return c.stores == nil || shared >= timeouts
	})
}

// waitFor polls cond every 10ms until it holds, failing the test after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sessionSplits counts, over the visitors the simulator saw, the sessions beyond one each:
// a visit that Personyze split because a request carried no (or an old) session id.
func sessionSplits(sim *personyzetest.Server) (visitors, splits int) {
	seen := map[uint32]bool{}
	for _, r := range sim.Requests() {
		if !seen[r.UserID] {
			seen[r.UserID] = true
			splits += sim.Visitor(r.UserID).Sessions - 1
		}
	}
	return len(seen), splits
}

// TestSessionSplitsAcrossInstances: three instances round robin, Personyze answering after
// every page's budget (the call times out and its answer arrives later). Each instance
// only knows the session ids of the answers it got, so a visitor's next page on another
// instance carries no or an older session id, and Personyze starts a new session: with
// the in-process memory the visits are split; with Redis the cookie's mark sends the next
// page to the store for the late answer's session id, and no visit is split.
func TestSessionSplitsAcrossInstances(t *testing.T) {
	const visitors, pages = 7, 6 // 7 pages a round: each visitor moves to the next instance
	results := map[string]int{}
	for _, mode := range []string{"in-process", "redis"} {
		t.Run(mode, func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			// Every page times out: the breaker must not stop pages from waiting.
			c := newCluster(t, sim, modeOptions(t, mode, func(cfg *core.Config) { cfg.BreakerFailures = 1 << 20 }))
			sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 250 * time.Millisecond})
			vs := make([]*visitor, visitors)
			for i := range vs {
				vs[i] = newVisitor(t)
			}
			for p := range pages {
				for i, v := range vs { // one after another: the round robin is exact
					v.page(c.proxy.URL, fmt.Sprintf("/product/p%d-%d", i, p))
				}
				c.settle() // the visitors read the page before they click: the late answers are in
			}
			n, splits := sessionSplits(sim)
			if n != visitors {
				t.Fatalf("simulator saw %d visitors, want %d", n, visitors)
			}
			var timeouts uint64
			for _, tr := range c.trackers {
				timeouts += tr.Stats().Outcomes["timeout"]
			}
			t.Logf("SPLITS|%s|visitors %d|pages %d|timed-out pages %d|session splits %d", mode, visitors, visitors*pages, timeouts, splits)
			results[mode] = splits
			if mode == "redis" && splits != 0 {
				t.Errorf("%d session splits with the Redis store, want 0", splits)
			}
		})
	}
	if n, ok := results["in-process"]; ok && n == 0 {
		t.Errorf("no session split with the in-process store: the scenario does not show the problem")
	}
}

// TestStaleFromAnyInstance: a visitor's last recommendations come from one instance; during
// an outage their next pages land on the others. With Redis every instance serves them
// stale; with the in-process memory only the instance that saw them can.
func TestStaleFromAnyInstance(t *testing.T) {
	const visitors = 6
	for _, mode := range []string{"in-process", "redis"} {
		t.Run(mode, func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			c := newCluster(t, sim, modeOptions(t, mode, generousBudget))
			base := c.servers[0].URL // every visitor's good page is on instance 0
			vs := make([]*visitor, visitors)
			for i := range vs {
				vs[i] = newVisitor(t)
				if body := vs[i].page(base, fmt.Sprintf("/product/p%d", i)); !strings.Contains(body, "outcome=ok") || strings.Contains(body, "items=0") {
					t.Fatalf("good page: %s", body)
				}
			}
			if c.stores != nil {
				waitFor(t, 10*time.Second, "results in the store", func() bool { return c.stores[0].results.Load() >= visitors })
			}
			sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 503})
			t.Cleanup(sim.ClearFault) // before the instances close: they deliver what they hold
			stale, pages := 0, 0
			for _, v := range vs {
				for _, srv := range c.servers[1:] {
					body := v.page(srv.URL, "/product/x")
					pages++
					if strings.Contains(body, "stale=true") && !strings.Contains(body, "items=0") {
						stale++
					}
				}
			}
			t.Logf("STALE|%s|outage pages on the other instances %d|served stale recommendations %d", mode, pages, stale)
			switch {
			case mode == "redis" && stale != pages:
				t.Errorf("%d of %d outage pages on other instances served stale recommendations, want all", stale, pages)
			case mode == "in-process" && stale != 0:
				t.Errorf("%d outage pages served stale recommendations another instance got", stale)
			}
		})
	}
}

// TestMergeAcrossInstances: a product page on one instance, then "add to cart" (an
// event-only request) on another, then checkout on the third. Each event-only answer is
// merged into the visitor's last result, as the SDKs do: after the cart, the page's
// campaigns plus "Cart reminder"; after checkout, the page's campaigns without it. With
// the in-process memory the other instances have no last result to merge into.
func TestMergeAcrossInstances(t *testing.T) {
	const visitors = 4
	for _, mode := range []string{"in-process", "redis"} {
		t.Run(mode, func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			c := newCluster(t, sim, modeOptions(t, mode, generousBudget))
			correct := 0
			for i := range visitors {
				v := newVisitor(t)
				page := v.page(c.servers[0].URL, fmt.Sprintf("/product/p%d", i))
				if !strings.Contains(page, "Product recommendations") {
					t.Fatalf("page without its campaign: %s", page)
				}
				if c.stores != nil {
					waitFor(t, 10*time.Second, "result in the store", func() bool { return c.stores[0].results.Load() > int64(i) })
				}
				cart := v.post(c.servers[1].URL, fmt.Sprintf("/cart/p%d", i))
				if c.stores != nil {
					waitFor(t, 10*time.Second, "merged result in the store", func() bool { return c.stores[1].results.Load() > int64(i) })
				}
				done := v.post(c.servers[2].URL, "/checkout")
				okCart := strings.Contains(cart, "Product recommendations") && strings.Contains(cart, "Cart reminder")
				okDone := strings.Contains(done, "Product recommendations") && !strings.Contains(done, "Cart reminder")
				if okCart && okDone {
					correct++
				}
				if mode == "redis" && !(okCart && okDone) {
					t.Errorf("visitor %d: after cart %q, after checkout %q", i, cart, done)
				}
			}
			t.Logf("MERGE|%s|visitors %d|correct merges (cart and checkout) %d", mode, visitors, correct)
			if mode == "in-process" && correct != 0 {
				t.Errorf("%d merges correct without a shared store: the scenario does not show the problem", correct)
			}
		})
	}
}
