package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// The HeldReportStore side of mapStore: a list per key, as Redis keeps it.
func (s *mapStore) PushHeld(_ context.Context, key string, entry []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failHeld {
		return errors.New("store down")
	}
	if s.lists == nil {
		s.lists = map[string][][]byte{}
	}
	s.lists[key] = append(s.lists[key], entry)
	return nil
}

func (s *mapStore) TakeHeld(_ context.Context, key string) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failHeld {
		return nil, errors.New("store down")
	}
	es := s.lists[key]
	delete(s.lists, key)
	return es, nil
}

func (s *mapStore) RemoveHeld(_ context.Context, key string, entry []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failHeld {
		return false, errors.New("store down")
	}
	for i, e := range s.lists[key] {
		if bytes.Equal(e, entry) {
			s.lists[key] = append(s.lists[key][:i:i], s.lists[key][i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

var _ HeldReportStore = (*mapStore)(nil)

// heldSite serves a page that tracks a view and renders its recommendations (each action
// with items is reported "executed", held for the visitor's next call), behind tr.
func heldSite(t *testing.T, tr *Tracker) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ex := tr.Begin(rw, r)
		defer ex.End()
		v := ex.Visit()
		_ = v.Track(ProductViewed("p1"))
		v.Items()
		v.ActionItems(personyzetest.ActionPopular)
		rw.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(ex.Wrap(rw), v.Outcome().String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// executedCounts returns how many "executed" statuses the simulator received per action
// for user, and how many of them rode on call i.
func executedCounts(sim *personyzetest.Server, user uint32, call int) (per map[int64]int, onCall int) {
	per = map[int64]int{}
	for _, s := range sim.ActionStatuses(user) {
		if s.Status == "executed" {
			per[s.ActionID]++
		}
	}
	reqs := sim.Requests()
	if call < len(reqs) {
		for _, c := range reqs[call].Commands {
			if c.Name == "Action Status" {
				onCall++
			}
		}
	}
	return per, onCall
}

// TestHeldStatusesRideOnAnotherInstance: a page on instance A renders recommendations, so
// it holds their "executed" statuses; the visitor's next page lands on instance B. With a
// store the statuses ride on B's call, once, and A's expiry sends none again; with the
// in-process memory B's call carries none and A sends them on their own when they expire.
func TestHeldStatusesRideOnAnotherInstance(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "no store", true: "store"}[shared], func(t *testing.T) {
			sim := personyzetest.NewServer(personyzetest.Options{})
			t.Cleanup(sim.Close)
			store, vs := sharedStore(shared)
			fast := func(c *Config) { c.Timeout = 2 * time.Second }
			a, b := storeTracker(t, sim, vs, fast), storeTracker(t, sim, vs, fast)
			a.reports.Wait, b.reports.Wait = 200*time.Millisecond, 200*time.Millisecond
			siteA, siteB := heldSite(t, a), heldSite(t, b)
			jar, _ := cookiejar.New(nil) // cookies ignore the port: one visitor on both sites
			c := &http.Client{Jar: jar}
			storeGet(t, c, siteA.URL)
			if shared {
				waitUntil(t, func() bool { return len(store.heldKeys()) > 0 })
			}
			storeGet(t, c, siteB.URL)
			user := sim.Requests()[0].UserID
			// A's expiry has passed and its statuses (if it still had them) went out.
			waitUntil(t, func() bool { return a.reports.Len() == 0 && heldPending(a) == 0 && a.Stats().Pending == 0 })
			per, onB := executedCounts(sim, user, 1)
			t.Logf("executed statuses riding on B's call: %d; per action: %v", onB, per)
			if len(per) == 0 {
				t.Fatal("the page reported no executed status")
			}
			for id, n := range per {
				if n != 1 {
					t.Errorf("action %d: executed sent %d times, want once", id, n)
				}
			}
			want := map[bool]int{false: 0, true: len(per)}[shared]
			if onB != want {
				t.Errorf("%d statuses rode on B's call, want %d", onB, want)
			}
			if n := a.Stats().StoreFallbacks + b.Stats().StoreFallbacks; n != 0 {
				t.Errorf("StoreFallbacks = %d, want 0", n)
			}
		})
	}
}

// heldPending returns how many pages' statuses tr holds in the store.
func heldPending(tr *Tracker) int { return tr.held.len() }

func (s *mapStore) heldKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ks []string
	for k, l := range s.lists {
		if len(l) > 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// TestHeldStatusesStoreDown: a store that fails every held operation loses no status and
// sends none twice: the page holds its statuses in its own memory (counted), from which
// they ride on the visitor's next call on that instance.
func TestHeldStatusesStoreDown(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	t.Cleanup(sim.Close)
	store := &mapStore{failHeld: true}
	tr := storeTracker(t, sim, store, func(c *Config) { c.Timeout = 2 * time.Second })
	site := heldSite(t, tr)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	storeGet(t, c, site.URL)
	waitUntil(t, func() bool { return tr.reports.Len() == 1 }) // the push failed: held here
	time.Sleep(storeRetry)                                     // past the pause after the failure
	storeGet(t, c, site.URL)
	per, onSecond := executedCounts(sim, sim.Requests()[0].UserID, 1)
	if len(per) == 0 || onSecond != len(per) {
		t.Errorf("%d statuses rode on the second call, want %d", onSecond, len(per))
	}
	for id, n := range per {
		if n != 1 {
			t.Errorf("action %d: executed sent %d times, want once", id, n)
		}
	}
	if tr.Stats().StoreFallbacks == 0 {
		t.Error("StoreFallbacks = 0 with a store that failed")
	}
}

// TestHeldStatusesFromTwoTabsKeepTheRule: two pages (two tabs, no call between them) held
// "executed" of one action in the store; the visitor's next call, on another instance,
// takes both. The SDKs' duplicate rule would drop the second in one call, so the earlier
// page's go in a call of their own and the later page's ride: none lost, none dropped.
func TestHeldStatusesFromTwoTabsKeepTheRule(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	t.Cleanup(sim.Close)
	store := &mapStore{}
	fast := func(c *Config) { c.Timeout = 2 * time.Second }
	a, b := storeTracker(t, sim, store, fast), storeTracker(t, sim, store, fast)
	siteA, siteB := heldSite(t, a), heldSite(t, b)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	storeGet(t, c, siteA.URL)
	waitUntil(t, func() bool { return heldPending(a) == 1 })
	first := sim.Requests()[0]
	// The second tab's page showed action 102 again.
	a.holdReports(&wire.Request{UserID: first.UserID, Commands: []wire.Command{ActionStatus(personyzetest.ActionPopular, statusExecuted, "").w}}, true)
	waitUntil(t, func() bool { return heldPending(a) == 2 })
	storeGet(t, c, siteB.URL)
	waitUntil(t, func() bool { return a.Stats().Pending == 0 && b.Stats().Pending == 0 })
	per, _ := executedCounts(sim, first.UserID, 1)
	if per[personyzetest.ActionPopular] != 2 {
		t.Errorf("action %d executed %d times for two pages, want 2 (%v)", personyzetest.ActionPopular, per[personyzetest.ActionPopular], per)
	}
	for i, r := range sim.Requests() {
		seen := map[string]bool{}
		for _, cmd := range r.Commands {
			if cmd.Name == "Navigate" {
				clear(seen)
			}
			if cmd.Name == "Action Status" && len(cmd.Args) >= 2 {
				k := fmt.Sprint(cmd.Args[0], cmd.Args[1])
				if seen[k] {
					t.Errorf("call %d repeats %s: %v", i, k, r.Commands)
				}
				seen[k] = true
			}
		}
	}
	if n := len(sim.Requests()); n != 3 {
		t.Errorf("%d calls, want the two pages' and one for the earlier tab's statuses", n)
	}
}

// TestHeldReportsCountsTheStore: Stats.HeldReports counts the pages whose statuses this
// instance keeps in the store until a call takes them or they expire.
func TestHeldReportsCountsTheStore(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	t.Cleanup(sim.Close)
	store := &mapStore{}
	tr := storeTracker(t, sim, store, func(c *Config) { c.Timeout = 2 * time.Second })
	c := &http.Client{}
	c.Jar, _ = cookiejar.New(nil)
	storeGet(t, c, heldSite(t, tr).URL)
	waitUntil(t, func() bool { return tr.Stats().HeldReports == 1 })
	if tr.reports.Len() != 0 {
		t.Errorf("%d visitors held in memory as well as in the store", tr.reports.Len())
	}
}
