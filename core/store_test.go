package core

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// mapStore is a VisitorStore in a map, shared by the Trackers of a test as Redis would be;
// block makes Get wait for its context instead (a store that never answers).
type mapStore struct {
	mu    sync.Mutex
	m     map[string][]byte
	block bool
	gets  int
	// lists are the held statuses (heldshare_test.go); failHeld fails their operations.
	lists    map[string][][]byte
	failHeld bool
}

func (s *mapStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	s.gets++
	block := s.block
	v := s.m[key]
	s.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return v, nil
}

func (s *mapStore) Set(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = value
	return nil
}

func (s *mapStore) has(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// storeSite serves a page that tracks a view and reads its recommendations, behind tr.
func storeSite(t *testing.T, tr *Tracker) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ex := tr.Begin(rw, r)
		defer ex.End()
		v := ex.Visit()
		_ = v.Track(ProductViewed("p1"))
		_ = v.Actions() // the call, before the header
		rw.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(ex.Wrap(rw), v.Outcome().String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// storeKeys are the session keys the Trackers of a test share, as instances must.
var storeKeys = [][]byte{[]byte(strings.Repeat("k", 64)), []byte(strings.Repeat("e", 32))}

func storeTracker(t *testing.T, sim *personyzetest.Server, store VisitorStore, adjust ...func(*Config)) *Tracker {
	cfg := Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), SessionKeys: storeKeys, Timeout: 30 * time.Millisecond,
		BreakerFailures: 1000, VisitorStore: store, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range adjust {
		f(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return tr
}

func storeGet(t *testing.T, c *http.Client, url string) string {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("User-Agent", fuzzUA)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestVisitorStoreCarriesLateSession: a visitor's page on one instance times out, its
// answer (a new session) arrives later; their next page lands on another instance. Without
// a store that instance has no session id for them and Personyze starts a second session;
// with one, the cookie's late mark makes it read the store and carry the answer's session.
func TestVisitorStoreCarriesLateSession(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "no store", true: "store"}[shared], func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 150 * time.Millisecond})
			store, vs := sharedStore(shared)
			a, b := storeTracker(t, sim, vs), storeTracker(t, sim, vs)
			siteA, siteB := storeSite(t, a), storeSite(t, b)
			jar, _ := cookiejar.New(nil) // cookies ignore the port: one visitor on both sites
			c := &http.Client{Jar: jar}
			if got := storeGet(t, c, siteA.URL); got != "timeout" {
				t.Fatalf("first page: outcome %s, want timeout", got)
			}
			waitUntil(t, func() bool { return a.Stats().Pending == 0 })
			if store != nil {
				waitUntil(t, func() bool { return store.has("s:") })
			}
			storeGet(t, c, siteB.URL)
			waitUntil(t, func() bool { return b.Stats().Pending == 0 })
			wantSessions(t, sim, map[bool]int{false: 2, true: 1}[shared])
		})
	}
}

// sharedStore returns, when shared, a mapStore and the same as the VisitorStore of a test's
// Trackers; otherwise nil and a nil VisitorStore (not an interface holding a nil pointer).
func sharedStore(shared bool) (*mapStore, VisitorStore) {
	if !shared {
		return nil, nil
	}
	s := &mapStore{}
	return s, s
}

// wantSessions checks how many Personyze sessions the first recorded visitor has.
func wantSessions(t *testing.T, sim *personyzetest.Server, want int) {
	t.Helper()
	reqs := sim.Requests()
	if got := sim.Visitor(reqs[0].UserID).Sessions; got != want {
		t.Errorf("Personyze started %d sessions for the visitor, want %d", got, want)
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
	}
}

// TestVisitorStoreThatNeverAnswers: the store's read holds a page at most StoreTimeout,
// whatever the store does with its context; the fallback is counted; and for a second
// after a failure pages do not ask the store at all.
func TestVisitorStoreThatNeverAnswers(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	t.Cleanup(sim.Close)
	store := &mapStore{}
	tr := storeTracker(t, sim, store)
	site := storeSite(t, tr)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 100 * time.Millisecond, Count: 1})
	if got := storeGet(t, c, site.URL); got != "timeout" { // the cookie is marked late
		t.Fatalf("first page: outcome %s, want timeout", got)
	}
	store.mu.Lock()
	store.block = true
	store.mu.Unlock()
	start := time.Now()
	storeGet(t, c, site.URL)
	if d := time.Since(start); d > tr.cfg.Timeout+tr.cfg.StoreTimeout+time.Second {
		t.Errorf("page took %v with a store that never answers", d)
	}
	if n := tr.Stats().StoreFallbacks; n == 0 {
		t.Error("StoreFallbacks = 0 after a read that ran out of its budget")
	}
	store.mu.Lock()
	gets := store.gets
	store.mu.Unlock()
	if tr.shared.downUntil.Load() <= time.Now().UnixNano() {
		t.Skip("the machine was too slow to see the second's pause")
	}
	before := tr.Stats().StoreFallbacks
	if _, ok := tr.shared.get(context.Background(), "s:1"); ok {
		t.Error("a read within the pause went to the store")
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.gets != gets || tr.Stats().StoreFallbacks != before+1 {
		t.Errorf("within the pause: %d reads reached the store, fallbacks %d -> %d", store.gets-gets, before, tr.Stats().StoreFallbacks)
	}
}

// TestStoreTimeoutNegative: a negative budget fails at New with the field and the fix.
func TestStoreTimeoutNegative(t *testing.T) {
	_, err := New(Config{APIKey: strings.Repeat("a", 40), Development: true, StoreTimeout: -time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "StoreTimeout" || !strings.Contains(err.Error(), "20ms") {
		t.Errorf("err = %v, want a ConfigError for StoreTimeout naming the default", err)
	}
}

// TestVisitorStoreCarriesStreamedSession: a new visitor's first page streams its region, so
// Personyze's session id arrives after the cookie went out; their next page lands on another
// instance. With a store, the streamed page's cookie is marked late and the answer's session
// id shared, so Personyze keeps one session; without one it starts a second.
func TestVisitorStoreCarriesStreamedSession(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "no store", true: "store"}[shared], func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 150 * time.Millisecond})
			store, vs := sharedStore(shared)
			// The region's inline wait ends well before the call's Timeout, so the region is
			// deferred (streamed) rather than given up on with the call.
			a := storeTracker(t, sim, vs, func(c *Config) { c.Timeout, c.InlineWait = time.Second, 20*time.Millisecond })
			b := storeTracker(t, sim, vs)
			tpl := a.Templates(template.Must(template.New("").Funcs(a.FuncMap()).Parse(streamPage)))
			siteA := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				ex := a.Begin(rw, r)
				defer ex.End()
				w, r := ex.Wrap(rw), ex.Request()
				v := FromContext(r.Context())
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_ = tpl.ExecuteTemplate(w, "page", map[string]any{"Personyze": v})
			}))
			t.Cleanup(siteA.Close)
			siteB := storeSite(t, b)
			jar, _ := cookiejar.New(nil) // cookies ignore the port: one visitor on both sites
			c := &http.Client{Jar: jar}
			if page := storeGet(t, c, siteA.URL); !strings.Contains(page, "<template for=") {
				t.Fatalf("first page did not stream its region: %s", page)
			}
			if store != nil {
				waitUntil(t, func() bool { return store.has("s:") })
			}
			storeGet(t, c, siteB.URL)
			waitUntil(t, func() bool { return a.Stats().Pending == 0 && b.Stats().Pending == 0 })
			wantSessions(t, sim, map[bool]int{false: 2, true: 1}[shared])
		})
	}
}
