package core

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

const bannerText = "Summer sale: free shipping on every order this week"

// TestMetadataCachedUntilCacheVersionChanges: metadata is fetched once per id for all
// visitors; an account edit is not seen until Personyze's cache_version grows, and then it is.
func TestMetadataCachedUntilCacheVersionChanges(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	for range 3 {
		if home := w.get(w.browser(), "/"); !strings.Contains(home, bannerText) {
			t.Fatalf("no banner:\n%s", home)
		}
	}
	if got := w.sim.MetadataCounts(); got != (personyzetest.MetadataCounts{Actions: 1, Placeholders: 1, Conditions: 1}) {
		t.Fatalf("three visitors made metadata requests %+v, want one per object", got)
	}
	acc := personyzetest.DemoAccount()
	for i := range acc.Actions {
		if acc.Actions[i].ID == personyzetest.ActionSummerBanner {
			acc.Actions[i].ContentBegin = `<div class="winter"><strong>`
		}
	}
	if err := w.sim.SetAccount(acc); err != nil {
		t.Fatal(err)
	}
	if home := w.get(w.browser(), "/"); !strings.Contains(home, `personyze-banner`) {
		t.Errorf("the cached metadata was dropped without a cache_version change:\n%s", home)
	}
	w.sim.BumpCacheVersion()
	if home := w.get(w.browser(), "/"); !strings.Contains(home, `<div class="winter"><strong>`+bannerText) {
		t.Errorf("after a cache_version bump the page still shows the old content:\n%s", home)
	}
	if got := w.sim.MetadataCounts(); got.Actions != 2 || got.Placeholders != 2 || got.Conditions != 2 {
		t.Errorf("metadata requests after the bump %+v, want each object fetched again once", got)
	}
	if st := w.tr.Stats(); st.MetadataFetches != 6 || st.MetadataFailures != 0 {
		t.Errorf("Stats metadata fetches %d failures %d", st.MetadataFetches, st.MetadataFailures)
	}
}

// TestSlowMetadataKeepsThePageInBudget: with the metadata endpoint slower than the page's
// budget, the page renders in budget without the banner (counted), and a later page has it.
func TestSlowMetadataKeepsThePageInBudget(t *testing.T) {
	// The budget also bounds the tracker call itself (dial included), so it is generous for a
	// loaded machine; the metadata endpoint is slower than the budget by far.
	const budget = time.Second
	w := newWorld(t, personyzetest.Options{}, func(c *Config) { c.Timeout = budget })
	w.sim.SetMetadataFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 3 * time.Second})
	start := time.Now()
	home := w.get(w.browser(), "/")
	took := time.Since(start)
	if strings.Contains(home, bannerText) || !strings.Contains(home, "<li>") {
		t.Errorf("first page: want recommendations without the banner:\n%s", home)
	}
	if took > budget+time.Second { // generous for a loaded machine; the endpoint alone takes 3 s
		t.Errorf("page took %v with a budget of %v", took, budget)
	}
	if st := w.tr.Stats(); st.MetadataIncomplete != 1 || st.Outcomes["ok"] != 1 {
		t.Errorf("Stats incomplete %d outcomes %v", st.MetadataIncomplete, st.Outcomes)
	}
	w.sim.ClearMetadataFault()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.get(w.browser(), "/"), bannerText) {
		if time.Now().After(deadline) {
			t.Fatal("the banner never appeared after the slow metadata arrived")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFailingMetadataNeverBreaksAPage: a failing metadata endpoint leaves pages working
// (recommendations, no banner), is counted and logged once per interval, and is retried
// after a backoff rather than on every page.
func TestFailingMetadataNeverBreaksAPage(t *testing.T) {
	// A clock that does not move: the backoff never ends during the test however slow the
	// machine, and the log limiter's interval never passes.
	clock := personyzetest.NewFakeClock(time.Unix(1_800_000_000, 0))
	w := newWorld(t, personyzetest.Options{Clock: clock}, func(c *Config) { c.Now = clock.Now })
	w.sim.SetMetadataFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: http.StatusInternalServerError})
	for range 5 {
		home := w.get(w.browser(), "/")
		if strings.Contains(home, bannerText) || !strings.Contains(home, "<li>") {
			t.Fatalf("page with failing metadata:\n%s", home)
		}
	}
	st := w.tr.Stats()
	if st.MetadataFailures == 0 || st.MetadataFailures > 3 || st.Outcomes["ok"] != 5 {
		t.Errorf("failures %d (want 1..3: one per object, then backoff), outcomes %v", st.MetadataFailures, st.Outcomes)
	}
	if n := strings.Count(w.logs.String(), "action metadata not loaded"); n == 0 || n > 3 {
		t.Errorf("%d log lines for the failing metadata endpoint:\n%s", n, w.logs.String())
	}
}

// TestConcurrentPagesShareOneMetadataFetch: visitors arriving together while the metadata
// is loading share one request per object.
func TestConcurrentPagesShareOneMetadataFetch(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.sim.SetMetadataFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 300 * time.Millisecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if home := w.get(w.browser(), "/"); !strings.Contains(home, bannerText) {
				t.Errorf("a concurrent page missed the banner")
			}
		})
	}
	wg.Wait()
	if got := w.sim.MetadataCounts(); got != (personyzetest.MetadataCounts{Actions: 1, Placeholders: 1, Conditions: 1}) {
		t.Errorf("8 concurrent pages made metadata requests %+v, want one per object", got)
	}
}
