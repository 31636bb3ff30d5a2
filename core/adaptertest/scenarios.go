package adaptertest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// firstVisit: the first page sends session_id null with new_session, the visitor facts,
// and sets an HttpOnly, SameSite=Lax, Path=/ cookie with the personalization headers.
func firstVisit(t *testing.T, a Adapter) {
	e := shop(t, a)
	resp, body := e.Get(e.Browser(), "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	call := e.LastCall()
	if call.SessionID != nil {
		t.Errorf("first call sent session_id %q, want null", *call.SessionID)
	}
	if !call.NewSession {
		t.Error("first call did not ask for a new session")
	}
	if got := Names(call); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("commands %v, want [Navigate]", got)
	}
	if call.Languages != "en, es" || call.DeviceType != "regular" || call.UserID == 0 {
		t.Errorf("facts: languages %q device %q user %d", call.Languages, call.DeviceType, call.UserID)
	}
	if !outcomeIn(body, core.OutcomeOK) {
		t.Errorf("outcome not ok in page: %s", body)
	}
	ck := sessionCookie(resp)
	if ck == nil {
		t.Fatal("no personyze cookie set")
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Errorf("cookie flags: %+v", ck)
	}
	if v := resp.Header.Values("Vary"); !slices.Contains(v, "Cookie") {
		t.Errorf("Vary = %v", v)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

// sessionChain: later pages send the stored session id, keep the user id, start a new
// session after 90 idle minutes and then send the rotated id with two past sessions.
func sessionChain(t *testing.T, a Adapter) {
	clock := personyzetest.NewFakeClock(time.Now())
	e := shopWith(t, a, personyzetest.Options{Seed: 1, Clock: clock}, func(c *core.Config) { c.Now = clock.Now })
	c := e.Browser()
	e.Get(c, "/")
	first := e.LastCall().ResponseSessionID
	if first == "" {
		t.Fatal("simulator returned no session id")
	}
	e.Get(c, "/products/p1")
	second := e.LastCall()
	if second.SessionID == nil || *second.SessionID != first {
		t.Fatalf("second page sent %v, want %q", second.SessionID, first)
	}
	if second.NewSession {
		t.Error("second page asked for a new session")
	}
	if second.UserID != e.Sim.Requests()[0].UserID {
		t.Error("user_id changed between pages")
	}
	clock.Advance(91 * time.Minute)
	e.Get(c, "/")
	third := e.LastCall()
	if !third.NewSession {
		t.Error("after 91 minutes the page did not ask for a new session")
	}
	rotated := third.ResponseSessionID
	if rotated == first {
		t.Fatal("simulator did not rotate the session")
	}
	e.Get(c, "/")
	fourth := e.LastCall()
	if fourth.SessionID == nil || *fourth.SessionID != rotated {
		t.Fatalf("after rotation sent %v, want %q", fourth.SessionID, rotated)
	}
	if n := strings.Count(fourth.PastSessions, ",") + 1; fourth.PastSessions == "" || n != 2 {
		t.Errorf("past_sessions %q, want two start times", fourth.PastSessions)
	}
}

// eventsInPageCall: a product page's Product Viewed travels in the page's one call, before
// its Navigate.
func eventsInPageCall(t *testing.T, a Adapter) {
	e := shop(t, a)
	e.Get(e.Browser(), "/products/p3")
	if got, want := Names(e.LastCall()), []string{"Product Viewed", "Navigate"}; !slices.Equal(got, want) {
		t.Fatalf("one call with %v, want %v", got, want)
	}
	if n := len(e.Sim.Requests()); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	if doc := e.LastCall().Commands[1].Document(); doc != "/products/p3" {
		t.Errorf("document %q", doc)
	}
}

// recommendationsInHTML: the template renders recommended items with attributed links,
// and following one attaches the action id to the next page's product view.
func recommendationsInHTML(t *testing.T, a Adapter) {
	e := shop(t, a)
	other := e.Browser()
	e.Get(other, "/products/p1")
	e.Get(other, "/products/p2") // p1 and p2 viewed together
	c := e.Browser()
	e.Get(c, "/products/p1")
	_, body := e.Get(c, "/products/p1")
	i := strings.Index(body, `<li><a href="`)
	if i < 0 {
		t.Fatalf("no recommendation in the page: %s", body)
	}
	href := body[i+len(`<li><a href="`):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	if !strings.Contains(href, "pz=") {
		t.Fatalf("link %q has no attribution", href)
	}
	e.Get(c, href)
	call := e.LastCall()
	pv := slices.IndexFunc(call.Commands, func(c personyzetest.Command) bool { return c.Name == "Product Viewed" })
	if pv < 0 || call.Commands[pv].ActionID() == 0 {
		t.Fatalf("followed link sent %v", call.Commands)
	}
	// The previous page's impression of the action comes first, then the click it caused,
	// as things happened (checkStatusOrder holds every call to the SDKs' order).
	aid := strconv.FormatInt(call.Commands[pv].ActionID(), 10)
	status := func(s string) int {
		return slices.IndexFunc(call.Commands, func(c personyzetest.Command) bool {
			return c.Name == "Action Status" && len(c.Args) == 3 && c.Args[0] == aid && c.Args[1] == s
		})
	}
	if shown, click := status("executed"), status("product"); shown < 0 || click < 0 || shown > click {
		t.Errorf("followed link's call %v: want the previous page's executed of action %s before its product click", call.Commands, aid)
	}
}

// redirectAfterPost: a POST sends its events without Navigate, redirects with 303 and
// sets the cookie on the redirect.
func redirectAfterPost(t *testing.T, a Adapter) {
	e := shop(t, a)
	resp, _ := e.Do(e.Browser(), http.MethodPost, "/cart/p2")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cart" {
		t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Product Added to cart"}) {
		t.Fatalf("POST sent %v", got)
	}
	if sessionCookie(resp) == nil {
		t.Error("redirect after POST did not set the session cookie")
	}
}

// handlerError: the framework's error path keeps its status; an error response is not a
// page view (no Navigate), but the event tracked before the error is sent in the page's
// call and the cookie is set.
func handlerError(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	resp, _ := e.Get(c, "/fail")
	if resp.StatusCode != ErrorStatus {
		t.Fatalf("status %d, want %d", resp.StatusCode, ErrorStatus)
	}
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Product Viewed"}) {
		t.Fatalf("error page sent %v, want [Product Viewed] without Navigate", got)
	}
	if n := len(e.Sim.Requests()); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	if sessionCookie(resp) == nil {
		t.Fatal("error page did not set the session cookie")
	}
	e.Get(c, "/")
	if e.LastCall().SessionID == nil {
		t.Error("the page after the error page sent no session id")
	}
}

// noBody: a handler that writes nothing still records the page view and sets the cookie.
func noBody(t *testing.T, a Adapter) {
	e := shop(t, a)
	resp, body := e.Get(e.Browser(), "/silent")
	if resp.StatusCode != http.StatusOK || sessionCookie(resp) == nil || body != "" {
		t.Fatalf("status %d cookie %v body %q", resp.StatusCode, sessionCookie(resp), body)
	}
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Fatalf("sent %v", got)
	}
}

// lateEvents: events tracked after the page's call go out after the handler, with the
// page's session id, and Close delivers them.
func lateEvents(t *testing.T, a Adapter) {
	e := shop(t, a)
	e.Get(e.Browser(), "/late")
	e.CloseTracker()
	reqs := e.Sim.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d calls, want page call + late call", len(reqs))
	}
	if got := eventNames(reqs[1]); !slices.Equal(got, []string{"Article Viewed"}) {
		t.Errorf("late call sent %v", got)
	}
	if reqs[1].SessionID == nil || *reqs[1].SessionID != reqs[0].ResponseSessionID {
		t.Error("late call did not carry the page's session id")
	}
}

// streaming: a page that flushes before its template reads recommendations still gets
// them, keeps the headers set before the first byte, and its cookie reaches the browser.
func streaming(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	e.Get(c, "/products/p1") // something to recommend from
	resp, body := e.Get(c, "/stream")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, StreamPrefix) {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if !strings.Contains(body, "<li><a href=") || !outcomeIn(body, core.OutcomeOK) {
		t.Errorf("streamed page has no recommendations: %s", body)
	}
	if e.LastCall().SessionID == nil {
		t.Error("streamed page sent no session id: the first page's cookie was lost")
	}
	s := e.Browser()
	resp, _ = e.Get(s, "/stream") // a first visit that streams
	if sessionCookie(resp) == nil {
		t.Error("streamed first visit set no cookie")
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Cookie") {
		t.Error("streamed response lost the headers set before the first byte")
	}
}

// flushFirst: flushing before any byte sends the header, so the Visit must commit at the
// flush: the cookie and headers go out with it and the page still gets recommendations.
func flushFirst(t *testing.T, a Adapter) {
	e := shop(t, a)
	resp, body := e.Get(e.Browser(), "/flush-first")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Flushed</h1>") || !outcomeIn(body, core.OutcomeOK) {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if sessionCookie(resp) == nil || !slices.Contains(resp.Header.Values("Vary"), "Cookie") {
		t.Errorf("flushed header lacks the cookie or Vary: %v", resp.Header)
	}
}

// hijack: hijacking works through the adapter, and the page's call is still made.
func hijack(t *testing.T, a Adapter) {
	e := shop(t, a)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.App.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\nAccept: text/html\r\nSec-Fetch-Mode: navigate\r\n\r\n", ChromeUA)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hijacked" {
		t.Fatalf("hijack body %q", b)
	}
	e.CloseTracker()
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("hijacked page sent %v", got)
	}
}

// skipped: static assets and bots make no call and get no cookie.
func skipped(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	resp, body := e.Get(c, "/static/app.css")
	if resp.StatusCode != http.StatusOK || body != "body{}" || sessionCookie(resp) != nil {
		t.Errorf("static: status %d body %q cookie %v", resp.StatusCode, body, sessionCookie(resp))
	}
	for _, ua := range []string{"curl/8.5.0", "Googlebot/2.1 (+http://www.google.com/bot.html)", ""} {
		resp, body := e.Get(c, "/products/p1", "User-Agent", ua)
		if resp.StatusCode != http.StatusOK || sessionCookie(resp) != nil {
			t.Errorf("bot %q: status %d cookie %v", ua, resp.StatusCode, sessionCookie(resp))
		}
		if !outcomeIn(body, core.OutcomeSkipped) {
			t.Errorf("bot %q: outcome not skipped: %s", ua, body)
		}
	}
	e.CloseTracker()
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("static asset or bots made %d calls", n)
	}
}

// faults: every fault of the simulator gives a 200 page within the budget + 50 ms, with
// the outcome named in the page and the cookie set.
func faults(t *testing.T, a Adapter) {
	const budget = 150 * time.Millisecond
	cases := []struct {
		fault personyzetest.Fault
		want  core.Outcome
	}{
		{personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: 2 * time.Second}, core.OutcomeTimeout},
		{personyzetest.Fault{Kind: personyzetest.FaultHang}, core.OutcomeTimeout},
		{personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 500, Message: "Internal error"}, core.OutcomeServerError},
		{personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 503, RetryAfter: time.Second}, core.OutcomeUnavailable},
		{personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 429}, core.OutcomeRateLimited},
		{personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 401}, core.OutcomeUnauthorized},
		{personyzetest.Fault{Kind: personyzetest.FaultGarbage}, core.OutcomeBadResponse},
		{personyzetest.Fault{Kind: personyzetest.FaultTruncated}, core.OutcomeBadResponse},
		{personyzetest.Fault{Kind: personyzetest.FaultHuge}, core.OutcomeBadResponse},
		{personyzetest.Fault{Kind: personyzetest.FaultReset}, core.OutcomeNetworkError},
		{personyzetest.Fault{Kind: personyzetest.FaultEmpty}, core.OutcomeBadResponse},
	}
	for _, tc := range cases {
		name := tc.fault.Kind.String()
		if tc.fault.Status != 0 {
			name += fmt.Sprint(tc.fault.Status)
		}
		t.Run(name, func(t *testing.T) {
			// Nobody waits for the background retries of a fault scenario.
			e := newEnv(t, a, personyzetest.Options{Seed: 1}, 200*time.Millisecond, func(c *core.Config) {
				c.Timeout = budget
				c.BreakerFailures = 100
				// FaultHuge's 8 MiB stays far over a 64 KiB limit, which is read well within
				// the budget even on a loaded machine (1 MiB under -race was not always).
				c.MaxResponseBytes = 64 << 10
			})
			c := e.Browser()
			// Warm up: the browser's keep-alive connection, the tracker's connection to the
			// simulator and the app's first-request work, so the page is timed, not a dial.
			// The first page also pays one-time costs, so allow a few tries.
			for try := 1; ; try++ {
				_, body := e.Get(c, "/")
				if outcomeIn(body, core.OutcomeOK) {
					break
				}
				if try == 5 {
					t.Fatalf("warm-up page never within budget (machine overloaded?): %s", body)
				}
			}
			e.Sim.SetFault(tc.fault)
			start := time.Now()
			resp, body := e.Get(c, "/products/p1")
			took := time.Since(start)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if took > budget+50*time.Millisecond {
				t.Errorf("page took %v, budget %v", took, budget)
			}
			if !outcomeIn(body, tc.want) {
				t.Errorf("page outcome: want %s in %s", tc.want, body)
			}
			if !strings.Contains(body, "<h1>Product p1</h1>") {
				t.Errorf("page not rendered: %s", body)
			}
			// One table row per fault and adapter: go test -v -run Conformance/.*/Faults | grep ROW
			t.Logf("ROW|%s|%s|%d|%v|%s", a.Name, name, resp.StatusCode, took.Round(time.Millisecond), tc.want)
		})
	}
	t.Run("CookieOnFailedFirstVisit", func(t *testing.T) {
		e := newEnv(t, a, personyzetest.Options{Seed: 1}, 200*time.Millisecond, func(c *core.Config) { c.Timeout = budget })
		e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 503})
		resp, body := e.Get(e.Browser(), "/")
		if resp.StatusCode != http.StatusOK || sessionCookie(resp) == nil || !outcomeIn(body, core.OutcomeUnavailable) {
			t.Errorf("status %d cookie %v body %s", resp.StatusCode, sessionCookie(resp), body)
		}
	})
}

// concurrent: 40 visitors x 5 pages at once never see each other's session.
func concurrent(t *testing.T, a Adapter) {
	e := shop(t, a)
	const visitors, pages = 40, 5
	var wg sync.WaitGroup
	for i := range visitors {
		wg.Go(func() {
			c := e.Browser()
			for p := range pages {
				e.Get(c, fmt.Sprintf("/products/p%d", (i+p)%12+1))
			}
		})
	}
	wg.Wait()
	e.CloseTracker()
	bySession := map[string]uint32{}
	perUser := map[uint32]int{}
	for _, r := range e.Sim.Requests() {
		if len(eventNames(r)) == 0 {
			continue // the statuses of a visitor's last page, sent when nothing else took them
		}
		perUser[r.UserID]++
		if r.SessionID == nil {
			continue
		}
		if u, ok := bySession[*r.SessionID]; ok && u != r.UserID {
			t.Fatalf("session %q sent for users %d and %d", *r.SessionID, u, r.UserID)
		}
		bySession[*r.SessionID] = r.UserID
	}
	if len(perUser) != visitors {
		t.Fatalf("%d distinct user ids, want %d", len(perUser), visitors)
	}
	for u, n := range perUser {
		if n != pages {
			t.Errorf("user %d made %d calls, want %d", u, n, pages)
		}
		for i, r := range slices.DeleteFunc(e.Sim.RequestsFor(u), func(r personyzetest.Request) bool { return len(eventNames(r)) == 0 }) {
			if (r.SessionID == nil) != (i == 0) {
				t.Errorf("user %d call %d: session id %v (only the first call may lack one); tracker stats %+v",
					u, i, r.SessionID, e.Tracker.Stats())
			}
			if got := eventNames(r); len(got) != 2 || got[0] != "Product Viewed" {
				t.Errorf("user %d call %d sent %v", u, i, got)
			}
		}
	}
}

// eventNames lists a recorded request's command names without the "Action Status" reports
// the library adds on its own (a page's "executed" statuses ride on the visitor's next
// call, or on the call of events tracked after the page's call).
func eventNames(r personyzetest.Request) []string {
	return slices.DeleteFunc(Names(r), func(n string) bool { return n == "Action Status" })
}
