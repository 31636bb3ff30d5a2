package nethttp_test

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// shop is a tiny app: a home page listing recommendations, a product page tracking its
// view, a POST that adds to cart and redirects.
func shop(tr func() *core.Tracker) http.Handler {
	mux := http.NewServeMux()
	page := template.Must(template.New("p").Funcs(template.FuncMap{
		"personyzeLink": func(it core.Item) string { return tr().Link(it) },
	}).Parse(`<h1>{{.Title}}</h1><ul>{{range .V.Items}}<li><a href="{{personyzeLink .}}">{{.Title}}</a></li>{{end}}</ul><p id=outcome>{{.V.Outcome}}</p>`))
	render := func(w http.ResponseWriter, r *http.Request, title string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Title": title, "V": core.FromContext(r.Context())})
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { render(w, r, "Home") })
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed(r.PathValue("id")))
		render(w, r, "Product "+r.PathValue("id"))
	})
	mux.HandleFunc("POST /cart/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductAddedToCart(r.PathValue("id")))
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /silent", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		render(w, r, "Late")
		_ = v.Track(core.ArticleViewed("after-flush")) // after the page call
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		// Writes and flushes before the template reads recommendations.
		_, _ = io.WriteString(w, "<html><body>")
		http.NewResponseController(w).Flush()
		render(w, r, "Stream")
	})
	mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "no hijack: "+err.Error(), 500)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = buf.Flush()
	})
	mux.HandleFunc("GET /static/app.css", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "body{}") })
	return mux
}

func newShop(t *testing.T, mut func(*core.Config)) *env {
	var e *env
	e = newEnv(t, shop(func() *core.Tracker { return e.tr }), mut)
	return e
}

func TestFirstVisitSendsNullSessionAndSetsCookie(t *testing.T) {
	e := newShop(t, nil)
	c := e.browser()
	resp, body := e.get(c, "/")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	call := e.lastCall()
	if call.SessionID != nil {
		t.Errorf("first call sent session_id %q, want null", *call.SessionID)
	}
	if !call.NewSession {
		t.Error("first call did not ask for a new session")
	}
	if got := names(call); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("commands %v, want [Navigate]", got)
	}
	if call.Languages != "en, es" || call.DeviceType != "regular" || call.UserID == 0 {
		t.Errorf("facts: languages %q device %q user %d", call.Languages, call.DeviceType, call.UserID)
	}
	if !strings.Contains(body, "<p id=outcome>ok</p>") {
		t.Errorf("outcome not ok in page: %s", body)
	}
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "personyze" {
			ck = c
		}
	}
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

func TestNextPageSendsStoredSessionAndFollowsRotation(t *testing.T) {
	clock := personyzetest.NewFakeClock(time.Now())
	var e *env
	e = newEnvWith(t, shop(func() *core.Tracker { return e.tr }), personyzetest.Options{Seed: 1, Clock: clock},
		func(c *core.Config) { c.Now = clock.Now })

	c := e.browser()
	e.get(c, "/")
	first := e.lastCall().ResponseSessionID
	if first == "" {
		t.Fatal("simulator returned no session id")
	}
	e.get(c, "/products/p1")
	second := e.lastCall()
	if second.SessionID == nil || *second.SessionID != first {
		t.Fatalf("second page sent %v, want %q", second.SessionID, first)
	}
	if second.NewSession {
		t.Error("second page asked for a new session")
	}
	if second.UserID != e.sim.Requests()[0].UserID {
		t.Error("user_id changed between pages")
	}

	clock.Advance(91 * time.Minute) // the 90-minute rule
	e.get(c, "/")
	third := e.lastCall()
	if !third.NewSession {
		t.Error("after 91 minutes the page did not ask for a new session")
	}
	rotated := third.ResponseSessionID
	if rotated == first {
		t.Fatal("simulator did not rotate the session")
	}
	e.get(c, "/")
	fourth := e.lastCall()
	if fourth.SessionID == nil || *fourth.SessionID != rotated {
		t.Fatalf("after rotation sent %v, want %q", fourth.SessionID, rotated)
	}
	if n := strings.Count(fourth.PastSessions, ",") + 1; fourth.PastSessions == "" || n != 2 {
		t.Errorf("past_sessions %q, want two start times", fourth.PastSessions)
	}
}

func TestProductViewTravelsWithNavigate(t *testing.T) {
	e := newShop(t, nil)
	e.get(e.browser(), "/products/p3")
	if got, want := names(e.lastCall()), []string{"Product Viewed", "Navigate"}; !slices.Equal(got, want) {
		t.Fatalf("one call with %v, want %v", got, want)
	}
	if n := len(e.sim.Requests()); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	if doc := e.lastCall().Commands[1].Document(); doc != "/products/p3" {
		t.Errorf("document %q", doc)
	}
}

func TestPostEventsWithoutNavigateAndRedirect(t *testing.T) {
	e := newShop(t, nil)
	c := e.browser()
	resp, _ := e.do(c, http.MethodPost, "/cart/p2")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := names(e.lastCall()); !slices.Equal(got, []string{"Product Added to cart"}) {
		t.Fatalf("POST sent %v", got)
	}
	if len(resp.Cookies()) == 0 {
		t.Error("redirect after POST did not set the session cookie")
	}
}

func TestHandlerWritingNothingStillRecordsPageView(t *testing.T) {
	e := newShop(t, nil)
	resp, _ := e.get(e.browser(), "/silent")
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		t.Fatalf("status %d cookies %v", resp.StatusCode, resp.Cookies())
	}
	if got := names(e.lastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Fatalf("sent %v", got)
	}
}

func TestStreamingTemplateGetsRecommendationsAndCookie(t *testing.T) {
	e := newShop(t, nil)
	c := e.browser()
	e.get(c, "/products/p1") // something to recommend from
	resp, body := e.get(c, "/stream")
	if !strings.Contains(body, "<li><a href=") {
		t.Errorf("streamed page has no recommendations: %s", body)
	}
	if resp.Header.Get("Vary") != "Cookie" {
		t.Error("streamed response lost the headers set before the first byte")
	}
	sent := e.lastCall()
	if sent.SessionID == nil {
		t.Error("second page without session id: the first page's cookie was lost")
	}
}

func TestEventsAfterFlushArriveLaterAndCloseDeliversThem(t *testing.T) {
	e := newShop(t, nil)
	c := e.browser()
	e.get(c, "/late")
	if err := e.tr.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	reqs := e.sim.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d calls, want page call + late call", len(reqs))
	}
	if got := names(reqs[1]); !slices.Equal(got, []string{"Article Viewed"}) {
		t.Errorf("late call sent %v", got)
	}
	if reqs[1].SessionID == nil || *reqs[1].SessionID != reqs[0].ResponseSessionID {
		t.Error("late call did not carry the page's session id")
	}
}

func TestConcurrentVisitorsNeverShareSessions(t *testing.T) {
	e := newShop(t, nil)
	const visitors, pages = 40, 5
	var wg sync.WaitGroup
	for i := range visitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.browser()
			for p := range pages {
				e.get(c, fmt.Sprintf("/products/p%d", (i+p)%12+1))
			}
		}()
	}
	wg.Wait()
	bySession := map[string]uint32{}
	perUser := map[uint32]int{}
	for _, r := range e.sim.Requests() {
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
		if got := len(e.sim.RequestsFor(u)); got != pages {
			t.Errorf("RequestsFor(%d) = %d", u, got)
		}
	}
	for u := range perUser {
		for i, r := range e.sim.RequestsFor(u) {
			if (r.SessionID == nil) != (i == 0) {
				t.Errorf("user %d call %d: session id %v (only the first call may lack one)", u, i, r.SessionID)
			}
		}
	}
}

func TestFaultsNeverBreakThePage(t *testing.T) {
	const budget = 150 * time.Millisecond
	faults := []personyzetest.Fault{
		{Kind: personyzetest.FaultLatency, Latency: 2 * time.Second},
		{Kind: personyzetest.FaultHang},
		{Kind: personyzetest.FaultStatus, Status: 500, Message: "Internal error"},
		{Kind: personyzetest.FaultStatus, Status: 503, RetryAfter: time.Second},
		{Kind: personyzetest.FaultStatus, Status: 429},
		{Kind: personyzetest.FaultStatus, Status: 401},
		{Kind: personyzetest.FaultGarbage},
		{Kind: personyzetest.FaultTruncated},
		{Kind: personyzetest.FaultHuge},
		{Kind: personyzetest.FaultReset},
		{Kind: personyzetest.FaultEmpty},
	}
	want := map[personyzetest.FaultKind]core.Outcome{
		personyzetest.FaultLatency: core.OutcomeTimeout, personyzetest.FaultHang: core.OutcomeTimeout,
		personyzetest.FaultGarbage: core.OutcomeBadResponse, personyzetest.FaultTruncated: core.OutcomeBadResponse,
		personyzetest.FaultHuge: core.OutcomeBadResponse, personyzetest.FaultReset: core.OutcomeNetworkError,
		personyzetest.FaultEmpty: core.OutcomeBadResponse,
	}
	statusWant := map[int]core.Outcome{500: core.OutcomeServerError, 503: core.OutcomeUnavailable, 429: core.OutcomeRateLimited, 401: core.OutcomeUnauthorized}
	for _, f := range faults {
		name := f.Kind.String()
		if f.Status != 0 {
			name += fmt.Sprint(f.Status)
		}
		t.Run(name, func(t *testing.T) {
			e := newShop(t, func(c *core.Config) { c.Timeout = budget; c.BreakerFailures = 100 })
			c := e.browser()
			e.get(c, "/static/app.css") // warm the connection: time the page, not the dial
			e.sim.SetFault(f)
			start := time.Now()
			resp, body := e.get(c, "/")
			took := time.Since(start)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if took > budget+50*time.Millisecond {
				t.Errorf("page took %v, budget %v", took, budget)
			}
			o := want[f.Kind]
			if f.Kind == personyzetest.FaultStatus {
				o = statusWant[f.Status]
			}
			if !strings.Contains(body, "<p id=outcome>"+o.String()+"</p>") {
				t.Errorf("page outcome: want %s in %s", o, body)
			}
			if len(resp.Cookies()) == 0 {
				t.Error("no cookie on a failed call's page")
			}
		})
	}
}

func TestFlushAndHijackSurvive(t *testing.T) {
	e := newShop(t, nil)
	// Hijack through the wrapper.
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.app.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n", chromeUA)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hijacked" {
		t.Fatalf("hijack body %q", b)
	}
	// The page call was still made (Hijack commits like a header).
	if got := names(e.lastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("hijacked page sent %v", got)
	}
}

func TestStaticAndBotsAreNotTracked(t *testing.T) {
	e := newShop(t, nil)
	c := e.browser()
	e.get(c, "/static/app.css")
	resp, _ := e.get(c, "/", "User-Agent", "curl/8.5.0")
	if len(e.sim.Requests()) != 0 {
		t.Fatalf("static asset or bot made %d calls", len(e.sim.Requests()))
	}
	if len(resp.Cookies()) != 0 {
		t.Error("bot got a cookie")
	}
}

func TestConsentAndGPC(t *testing.T) {
	e := newShop(t, func(c *core.Config) {
		c.Consent = func(r *http.Request) bool { return r.Header.Get("X-Consent") == "yes" }
		c.HonorGPC = true
	})
	c := e.browser()
	resp, _ := e.get(c, "/products/p1")
	resp2, _ := e.get(c, "/products/p1", "X-Consent", "yes", "Sec-GPC", "1")
	if len(e.sim.Requests()) != 0 || len(resp.Cookies())+len(resp2.Cookies()) != 0 {
		t.Fatal("call or cookie without consent")
	}
	e.get(c, "/products/p1", "X-Consent", "yes")
	if len(e.sim.Requests()) != 1 {
		t.Fatal("no call with consent")
	}
}

func TestAttributedViewFromRecommendationLink(t *testing.T) {
	e := newShop(t, nil)
	other := e.browser()
	e.get(other, "/products/p1")
	e.get(other, "/products/p2") // p1 and p2 viewed together
	c := e.browser()
	e.get(c, "/products/p1")
	_, body := e.get(c, "/products/p1")
	i := strings.Index(body, `<a href="`)
	if i < 0 {
		t.Fatalf("no recommendation link in %s", body)
	}
	href := body[i+len(`<a href="`):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	if !strings.Contains(href, "pz=") {
		t.Fatalf("link %q has no attribution", href)
	}
	e.get(c, href)
	pv := e.lastCall().Commands[0]
	if pv.Name != "Product Viewed" || pv.ActionID() == 0 {
		t.Fatalf("followed link sent %v %v", pv.Name, pv.Args)
	}
}

func TestTamperedCookieGivesFreshVisitor(t *testing.T) {
	e := newShop(t, nil)
	for _, val := range []string{"garbage", strings.Repeat("A", 5000), "MTcwMDAwMDAwMHxhYmN8ZGVm"} {
		resp, _ := e.get(e.browser(), "/", "Cookie", "personyze="+val)
		if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
			t.Errorf("cookie %.20q: status %d cookies %d", val, resp.StatusCode, len(resp.Cookies()))
		}
		if e.lastCall().SessionID != nil {
			t.Error("tampered cookie's visitor sent a session id")
		}
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	e := newShop(t, func(c *core.Config) {
		c.Timeout = 100 * time.Millisecond
		c.BreakerFailures = 3
		c.BreakerCooldown = 300 * time.Millisecond
	})
	e.sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHang})
	c := e.browser()
	for range 3 {
		e.get(c, "/")
	}
	start := time.Now()
	_, body := e.get(c, "/")
	if took := time.Since(start); took > 80*time.Millisecond {
		t.Errorf("page with open breaker took %v", took)
	}
	if !strings.Contains(body, ">breaker_open<") {
		t.Errorf("outcome: %s", body)
	}
	e.sim.ClearFault()
	time.Sleep(350 * time.Millisecond) // cooldown of the breaker: real time by design
	_, body = e.get(c, "/")
	if !strings.Contains(body, ">ok<") {
		t.Errorf("after recovery: %s", body)
	}
}
