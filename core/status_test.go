package core

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/session"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

func TestDuplicateStatusRule(t *testing.T) {
	st := func(id int64, s string) Command { return ActionStatus(id, s, "") }
	nav := Navigate("/")
	tests := []struct {
		name   string
		queued []Command
		c      Command
		dup    bool
	}{
		{"empty queue", nil, st(1, "executed"), false},
		{"same id and status", []Command{st(1, "target")}, st(1, "target"), true},
		{"executed after any status", []Command{st(1, "target")}, st(1, "executed"), true},
		{"other status after executed", []Command{st(1, "executed")}, st(1, "target"), false},
		{"other action", []Command{st(2, "executed")}, st(1, "executed"), false},
		{"a Navigate ends the scan", []Command{st(1, "executed"), nav}, st(1, "executed"), false},
		{"scan passes events", []Command{st(1, "close"), ProductViewed("p")}, st(1, "close"), true},
		{"dont-show is not a 4-element report", []Command{actionDontShow(1)}, st(1, "executed"), false},
		{"not a status", []Command{st(1, "executed")}, ProductViewed("p"), false},
	}
	for _, tt := range tests {
		if got := duplicateStatus(tt.queued, tt.c); got != tt.dup {
			t.Errorf("%s: duplicate = %v, want %v", tt.name, got, tt.dup)
		}
	}
}

// TestExecutedRidesOnTheNextCall: what a page rendered is reported "executed" once per
// action however often the template reads it, in the visitor's next call (before its
// Navigate), so a visit of n pages costs n calls plus one for the last page's statuses.
func TestExecutedRidesOnTheNextCall(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.mux.HandleFunc("GET /twice", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		v.Items()
		v.Items()
		v.ActionItems(personyzetest.ActionPopular)
		v.Placeholder("home-banner")
		v.Placeholder("home-banner")
	})
	c := w.browser()
	const pages = 5
	for range pages {
		w.get(c, "/twice")
	}
	reqs := w.sim.Requests()
	if len(reqs) != pages {
		t.Fatalf("%d calls for %d pages, want one each (statuses ride along)", len(reqs), pages)
	}
	user := reqs[0].UserID
	for i, r := range reqs {
		names := commandNames(r)
		if names[len(names)-1] != "Navigate" {
			t.Errorf("call %d: %v does not end with its Navigate", i, names)
		}
		want := 0
		if i > 0 {
			want = 3 // popular products, articles, the banner: once each
		}
		if n := strings.Count(strings.Join(names, ","), "Action Status"); n != want {
			t.Errorf("call %d carries %d statuses, want %d: %v", i, n, want, r.Commands)
		}
	}
	if st := w.tr.Stats(); st.HeldReports != 1 {
		t.Errorf("HeldReports = %d, want the last page's", st.HeldReports)
	}
	w.close() // sends what is held
	reqs = w.sim.Requests()
	if len(reqs) != pages+1 || slices.ContainsFunc(commandNames(reqs[pages]), func(n string) bool { return n != "Action Status" }) {
		t.Fatalf("after Close: %d calls, last %v", len(reqs), commandNames(reqs[len(reqs)-1]))
	}
	executed := map[int64]int{}
	for _, s := range w.sim.ActionStatuses(user) {
		if s.Status != "executed" {
			t.Errorf("unexpected status %+v", s)
		}
		executed[s.ActionID]++
	}
	for _, id := range []int64{personyzetest.ActionPopular, personyzetest.ActionArticles, personyzetest.ActionSummerBanner} {
		if executed[id] != pages {
			t.Errorf("action %d executed %d times, want once per page (%d)", id, executed[id], pages)
		}
	}
}

func commandNames(r personyzetest.Request) []string {
	out := make([]string, len(r.Commands))
	for i, c := range r.Commands {
		out[i] = c.Name
	}
	return out
}

// TestClicksAreReported: following a recommendation link reports "product" with the item's
// id beside the action_id suffix on every product command of that page; following the
// banner's call to action reports "target"; both in the page's own call.
func TestClicksAreReported(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.mux.HandleFunc("POST /buy", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		_ = v.Track(ProductAddedToCart("p3"), ProductsPurchased())
	})
	c := w.browser()
	home := w.get(c, "/")
	i := strings.Index(home, `href="/?pz=t301"`)
	if i < 0 {
		t.Fatalf("no attributed call to action:\n%s", home)
	}
	w.get(c, "/?pz=t301")
	call := w.last()
	if got := commandNames(call); !slices.Contains(got, "Action Status") || got[len(got)-1] != "Navigate" {
		t.Fatalf("target page sent %v", got)
	}
	w.get(c, "/products/p3?pz=102")
	call = w.last()
	var pv, click personyzetest.Command
	for _, cmd := range call.Commands {
		switch {
		case cmd.Name == "Product Viewed":
			pv = cmd
		case cmd.Name == "Action Status" && len(cmd.Args) == 3 && cmd.Args[1] == "product":
			click = cmd
		}
	}
	if pv.ActionID() != 102 || click.Name == "" || click.Args[2] != "p3" {
		t.Fatalf("recommendation click sent %v", call.Commands)
	}
	w.do(c, http.MethodPost, "/buy?pz=102")
	for _, cmd := range w.last().Commands {
		if cmd.Name != "Action Status" && cmd.ActionID() != 102 {
			t.Errorf("%s on a page reached through action 102 lacks its action_id: %v", cmd.Name, cmd.Args)
		}
	}
	user := call.UserID
	var got []string
	for _, s := range w.statuses(user) {
		if !strings.Contains(s, "executed") {
			got = append(got, s)
		}
	}
	if want := []string{"301 target ", "102 product p3"}; !slices.Equal(got, want) {
		t.Errorf("click statuses %q, want %q", got, want)
	}
}

// TestCloseForTwoSessionsThenBack: a visitor closes the banner for 2 sessions: it is gone
// (and Personyze told "dont-show") for the rest of this session and the next, and back in
// the one after.
func TestCloseForTwoSessionsThenBack(t *testing.T) {
	clock := personyzetest.NewFakeClock(time.Unix(1_800_000_000, 0))
	w := newWorld(t, personyzetest.Options{Clock: clock}, func(c *Config) { c.Now = clock.Now })
	var closeErr error
	var mu sync.Mutex
	w.mux.HandleFunc("POST /close", func(rw http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
		mu.Lock()
		closeErr = FromContext(r.Context()).CloseAction(id, 2)
		mu.Unlock()
		http.Redirect(rw, r, "/", http.StatusSeeOther)
	})
	c := w.browser()
	banner := func() bool { return strings.Contains(w.get(c, "/"), bannerText) }
	if !banner() {
		t.Fatal("no banner before closing")
	}
	w.do(c, http.MethodPost, "/close?id=301")
	mu.Lock()
	if closeErr != nil {
		t.Fatal(closeErr)
	}
	mu.Unlock()
	user := w.last().UserID
	steps := []struct {
		advance time.Duration
		shown   bool
	}{
		{0, false},                // same session
		{91 * time.Minute, false}, // next session (1 left)
		{91 * time.Minute, true},  // the one after: back
		{time.Minute, true},       // and stays
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := banner(); got != s.shown {
			t.Fatalf("step %d: banner shown %v, want %v", i, got, s.shown)
		}
	}
	w.close()
	var got []string
	for _, s := range w.statuses(user) {
		if !strings.Contains(s, "executed") {
			got = append(got, s)
		}
	}
	if want := []string{"301 close 2", "301 dont-show ", "301 dont-show "}; !slices.Equal(got, want) {
		t.Errorf("statuses %q, want %q", got, want)
	}
}

func TestBlockedList(t *testing.T) {
	if got := formatBlocked(parseBlocked("5:2,x,7:0,8:-1,9:1000,:3,10:1")); got != "5:2,9:100,10:1" {
		t.Errorf("parse/format = %q", got)
	}
	var many []blockedAction
	for i := range 40 {
		many = append(many, blockedAction{int64(i + 1), 1})
	}
	if n := len(parseBlocked(formatBlocked(many))); n != maxBlocked {
		t.Errorf("kept %d closed actions, want %d", n, maxBlocked)
	}
	v := &Visit{state: session.State{Blocked: "5:2,6:1"}}
	v.countDownBlocked()
	if v.state.Blocked != "5:1" {
		t.Errorf("after one session %q", v.state.Blocked)
	}
	v.countDownBlocked()
	if v.state.Blocked != "" {
		t.Errorf("after two sessions %q", v.state.Blocked)
	}
}

// TestMergeAndDismissAfterEventOnlyCalls: an event-only POST adds the campaign and action
// Personyze starts (the page's result stays), a later one dismisses them, and the next page
// view replaces the result again.
func TestMergeAndDismissAfterEventOnlyCalls(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	var mu sync.Mutex
	seen := map[string][]string{}
	record := func(name string, v *Visit) {
		var ids []string
		for _, a := range v.Actions() {
			ids = append(ids, strconv.FormatInt(a.ID, 10))
		}
		mu.Lock()
		seen[name] = append(slices.Clone(v.Campaigns()), ids...)
		mu.Unlock()
	}
	w.mux.HandleFunc("POST /cart/{id}", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		_ = v.Track(ProductAddedToCart(r.PathValue("id")))
		record("add", v)
	})
	w.mux.HandleFunc("POST /checkout", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		_ = v.Track(ProductsPurchased())
		record("buy", v)
	})
	c := w.browser()
	w.get(c, "/")
	w.do(c, http.MethodPost, "/cart/p2")
	w.do(c, http.MethodPost, "/checkout")
	mu.Lock()
	defer mu.Unlock()
	add, buy := seen["add"], seen["buy"]
	for _, want := range []string{"Summer sale", "Cart reminder", "301", "303", "102"} {
		if !slices.Contains(add, want) {
			t.Errorf("after adding to the cart: %q lacks %q", add, want)
		}
	}
	for _, want := range []string{"Summer sale", "301", "102"} {
		if !slices.Contains(buy, want) {
			t.Errorf("after the purchase: %q lacks %q", buy, want)
		}
	}
	if slices.Contains(buy, "Cart reminder") || slices.Contains(buy, "303") {
		t.Errorf("after the purchase the dismissed campaign is still there: %q", buy)
	}
}

func TestMergeIsBounded(t *testing.T) {
	var prev, next result
	for i := range 2 * maxMerged {
		next.actions = append(next.actions, &Action{ID: int64(i + 1)})
		next.campaigns = append(next.campaigns, campaign{id: int64(i + 1)})
	}
	prev.actions = []*Action{{ID: 1, Data: map[string]string{"old": "1"}}}
	got := merge(prev, next, []int64{2}, []int64{3})
	if len(got.actions) > maxMerged || len(got.campaigns) > maxMerged {
		t.Errorf("merged %d actions %d campaigns", len(got.actions), len(got.campaigns))
	}
	if got.actions[0].Data["old"] != "1" {
		t.Error("an action already present lost its data")
	}
	if slices.ContainsFunc(got.actions, func(a *Action) bool { return a.ID == 2 }) ||
		slices.ContainsFunc(got.campaigns, func(c campaign) bool { return c.id == 3 }) {
		t.Error("dismissed ids kept")
	}
}

// TestForcedNewSession: StartNewSession at logout (a request that makes no call) makes the
// visitor's next call ask for a new session, once.
func TestForcedNewSession(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.mux.HandleFunc("POST /logout", func(rw http.ResponseWriter, r *http.Request) {
		if err := FromContext(r.Context()).StartNewSession(); err != nil {
			t.Error(err)
		}
		http.Redirect(rw, r, "/", http.StatusSeeOther)
	})
	c := w.browser()
	w.get(c, "/")
	first := w.last()
	w.get(c, "/")
	if w.last().NewSession {
		t.Fatal("second page asked for a new session")
	}
	w.do(c, http.MethodPost, "/logout")
	if n := len(w.sim.Requests()); n != 2 {
		t.Fatalf("logout made a call (%d calls)", n)
	}
	w.get(c, "/")
	after := w.last()
	if !after.NewSession || after.ResponseSessionID == first.ResponseSessionID {
		t.Fatalf("after logout: new_session %v, session %q (was %q)", after.NewSession, after.ResponseSessionID, first.ResponseSessionID)
	}
	w.get(c, "/")
	if last := w.last(); last.NewSession || *last.SessionID != after.ResponseSessionID {
		t.Errorf("the page after: new_session %v, session %v", last.NewSession, last.SessionID)
	}
}

// TestClosedActionStaysClosedWhenStale: while Personyze fails, the visitor's last good
// recommendations are shown, but never an action the visitor has closed since.
func TestClosedActionStaysClosedWhenStale(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.mux.HandleFunc("POST /close", func(rw http.ResponseWriter, r *http.Request) {
		if err := FromContext(r.Context()).CloseAction(301, 2); err != nil {
			t.Error(err)
		}
		http.Redirect(rw, r, "/", http.StatusSeeOther)
	})
	c := w.browser()
	if !strings.Contains(w.get(c, "/"), bannerText) {
		t.Fatal("no banner before closing")
	}
	w.sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: http.StatusInternalServerError})
	w.do(c, http.MethodPost, "/close?id=301")
	page := w.get(c, "/")
	if !strings.Contains(page, "<li>") {
		t.Fatalf("want the stale recommendations while Personyze fails:\n%s", page)
	}
	if strings.Contains(page, bannerText) {
		t.Errorf("the closed banner is back on a stale page:\n%s", page)
	}
}
