package core

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/internal/inspect"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestInspectorRingBounded: the inspector keeps the newest Size requests, newest first.
func TestInspectorRingBounded(t *testing.T) {
	for _, tc := range []struct {
		size, pages, want int
	}{
		{size: 1, pages: 3, want: 1},
		{size: 3, pages: 2, want: 2},
		{size: 3, pages: 3, want: 3},
		{size: 3, pages: 7, want: 3},
		{size: 0, pages: 4, want: 4}, // the default, 100
	} {
		t.Run(fmt.Sprintf("size %d, %d pages", tc.size, tc.pages), func(t *testing.T) {
			w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
			base := inspectorOf(t, w.tr, InspectorOptions{Size: tc.size})
			c := w.browser()
			for i := range tc.pages {
				w.get(c, fmt.Sprintf("/products/p%d", i+1))
			}
			l := getListing(t, base, "")
			wantSize := tc.size
			if wantSize == 0 {
				wantSize = inspect.DefaultSize
			}
			if l.Size != wantSize || len(l.Requests) != tc.want || l.Last != uint64(tc.pages) {
				t.Fatalf("size %d, %d requests, last %d; want %d, %d, %d", l.Size, len(l.Requests), l.Last, wantSize, tc.want, tc.pages)
			}
			for i, e := range l.Requests {
				if want := fmt.Sprintf("/products/p%d", tc.pages-i); e.Path != want {
					t.Errorf("request %d is %s, want %s (newest first)", i, e.Path, want)
				}
			}
		})
	}
}

// TestInspectorShowsThePage: one page view's entry has what the issue asks for.
func TestInspectorShowsThePage(t *testing.T) {
	w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
	base := inspectorOf(t, w.tr, InspectorOptions{})
	c := w.browser()
	w.get(c, "/")                   // a first page: the visitor's cookie, the metadata
	w.get(c, "/products/p1?pz=101") // a followed recommendation
	l := getListing(t, base, "")
	if len(l.Requests) != 2 {
		t.Fatalf("%d requests, want 2", len(l.Requests))
	}
	first, e := l.Requests[1], l.Requests[0]
	if e.Method != "GET" || e.Path != "/products/p1" || e.Kind != "page" || e.Reason != "page view" || e.Outcome != "ok" || e.Status != 200 {
		t.Errorf("entry = %s %s %s %q %s %d", e.Method, e.Path, e.Kind, e.Reason, e.Outcome, e.Status)
	}
	view := commandNamed(e.Sent, "Product Viewed")
	if got := names(e.Sent); view == nil || got[len(got)-1] != "Navigate" {
		t.Fatalf("sent %v, want Product Viewed and Navigate last", got)
	}
	if view.ActionID != 101 || e.Attribution != 101 || view.Args[0] != "p1" {
		t.Errorf("attribution: command %+v, entry %d; want p1 and action 101", view, e.Attribution)
	}
	if st := commandNamed(e.Sent, "Action Status"); st == nil || st.Args[1] != "executed" {
		t.Errorf("sent %v: the first page's executed statuses should ride on this call", e.Sent)
	}
	v := e.Visitor
	if v.UserID == 0 || v.UserID != first.Visitor.UserID || v.SessionID == "" || v.DeviceType == "" || v.OS == "" || !first.Visitor.NewVisitor || v.NewVisitor {
		t.Errorf("visitor = %+v (first page %+v)", v, first.Visitor)
	}
	if len(e.Actions) == 0 || e.Actions[0].Name == "" || e.Actions[0].Type == "" {
		t.Errorf("actions = %+v, want named ones with their type", e.Actions)
	}
	if len(e.Campaigns) == 0 || e.Campaigns[0].Name == "" {
		t.Errorf("campaigns = %+v, want named ones", e.Campaigns)
	}
	if len(first.Cookies) != 1 || first.Cookies[0].Name != "personyze" || !first.Cookies[0].HTTPOnly || first.Cookies[0].SameSite != "Lax" || first.Cookies[0].Path != "/" {
		t.Errorf("first page's cookies = %+v, want the session cookie's name and attributes", first.Cookies)
	}
	if first.Cache.CacheControl != "private" || first.Cache.Vary != "Cookie" {
		t.Errorf("cache headers = %+v", first.Cache)
	}
	if e.Breaker != "closed" || l.Breaker != "closed" || e.Streamed {
		t.Errorf("breaker %q/%q, streamed %t", e.Breaker, l.Breaker, e.Streamed)
	}
	if e.WaitedMS <= 0 || e.Time.IsZero() {
		t.Errorf("waited %v ms at %v", e.WaitedMS, e.Time)
	}
}

// TestInspectorLive: a request served while a browser watches arrives as an event, and one
// that reconnects gets what it missed.
func TestInspectorLive(t *testing.T) {
	w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
	base := inspectorOf(t, w.tr, InspectorOptions{})
	c := w.browser()
	w.get(c, "/") // before the stream: not sent to it
	s := openEvents(t, base, "")
	w.get(c, "/products/p2")
	e := s.next(t)
	if e.Seq != 2 || e.Path != "/products/p2" || e.Outcome != "ok" || commandNamed(e.Sent, "Product Viewed") == nil {
		t.Errorf("event = #%d %s %s %v", e.Seq, e.Path, e.Outcome, names(e.Sent))
	}
	// A reconnecting EventSource sends the last id it saw.
	req, _ := http.NewRequest(http.MethodGet, base+"events", nil)
	req.Header.Set("Last-Event-ID", "0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ids []string
	sc := bufio.NewScanner(resp.Body)
	for len(ids) < 2 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	if strings.Join(ids, ",") != "1,2" {
		t.Errorf("replayed ids %v, want 1,2", ids)
	}
}

// TestInspectorFilterByVisitor: ?visitor= keeps one visitor's requests, in the JSON and the
// events.
func TestInspectorFilterByVisitor(t *testing.T) {
	w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
	base := inspectorOf(t, w.tr, InspectorOptions{})
	alice, bob := w.browser(), w.browser()
	w.get(alice, "/products/a1")
	w.get(bob, "/products/b1")
	l := getListing(t, base, "")
	var aliceID uint32
	for _, e := range l.Requests {
		if e.Path == "/products/a1" {
			aliceID = e.Visitor.UserID
		}
	}
	if aliceID == 0 {
		t.Fatal("alice's request not found")
	}
	q := fmt.Sprintf("?visitor=%d", aliceID)
	s := openEvents(t, base, q)
	w.get(bob, "/products/b2")
	w.get(alice, "/products/a2")
	if e := s.next(t); e.Path != "/products/a2" {
		t.Errorf("filtered stream sent %s, want alice's /products/a2 only", e.Path)
	}
	l = getListing(t, base, q)
	var paths []string
	for _, e := range l.Requests {
		paths = append(paths, e.Path)
	}
	if strings.Join(paths, " ") != "/products/a2 /products/a1" {
		t.Errorf("alice's requests = %v", paths)
	}
	for _, bad := range []string{"?visitor=bob", "?visitor=0", "?visitor=-1", "?since=x"} {
		resp, err := http.Get(base + "requests" + bad)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(b) == 0 {
			t.Errorf("requests%s = %d %q, want 400 saying why", bad, resp.StatusCode, b)
		}
	}
}

// TestInspectorNeverShowsSecrets: neither the API key nor a cookie's value is in anything
// the inspector serves (the page, its files, the JSON, the events), after requests that
// set, renewed and deleted cookies.
func TestInspectorNeverShowsSecrets(t *testing.T) {
	var secrets []string
	w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
	secrets = append(secrets, w.tr.cfg.APIKey)
	w.mux.HandleFunc("GET /forget", func(rw http.ResponseWriter, r *http.Request) {
		_ = FromContext(r.Context()).Forget()
	})
	base := inspectorOf(t, w.tr, InspectorOptions{})
	s := openEvents(t, base, "?since=0")
	c := w.browser()
	send := func(path string, hdr ...string) {
		req, _ := http.NewRequest(http.MethodGet, w.site.URL+path, nil)
		req.Header.Set("User-Agent", fuzzUA)
		req.Header.Set("Accept", "text/html")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			if len(ck.Value) >= 8 {
				secrets = append(secrets, ck.Value)
			}
		}
	}
	send("/")
	send("/products/p1", "Cookie", "pz_env=tz%3D2%26s%3D1234x987")
	secrets = append(secrets, "tz%3D2%26s%3D1234x987")
	send("/forget")
	if len(secrets) < 2 {
		t.Fatalf("no cookie value collected: %q", secrets)
	}
	var events strings.Builder
	for range 3 {
		e := s.next(t)
		b, _ := json.Marshal(e)
		events.Write(b)
	}
	for drained := false; !drained; {
		select {
		case line := <-s.raw:
			events.WriteString(line + "\n")
		default:
			drained = true
		}
	}
	bodies := map[string]string{"events": events.String()}
	for _, p := range []string{"", "script", "style", "requests", "requests?since=0", "nothing"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies["/"+p] = string(b) + fmt.Sprint(resp.Header)
	}
	if !strings.Contains(bodies["/requests"], `"name":"personyze"`) {
		t.Fatalf("the JSON names no cookie: the test checks nothing\n%s", bodies["/requests"])
	}
	for name, body := range bodies {
		for _, secret := range secrets {
			if strings.Contains(body, secret) {
				t.Errorf("%s contains the secret %.12q...", name, secret)
			}
		}
	}
}

// TestInspectorPage: the page, its script and style sheet are served under a strict
// policy, with the script as a same-origin file.
func TestInspectorPage(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	base := inspectorOf(t, w.tr, InspectorOptions{})
	for _, tc := range []struct {
		path, ctype, contains string
		status                int
	}{
		{"", "text/html", `<script src="script" defer></script>`, 200},
		{"script", "text/javascript", "EventSource", 200},
		{"style", "text/css", "details.req", 200},
		{"other", "text/plain", "mount the inspector on a path ending in a slash", 404},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(b), tc.contains) {
			t.Errorf("GET %q = %d %q, want %d %s with %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, tc.contains)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %q policy %q", tc.path, csp)
		}
	}
	if page := readAll(t, base); strings.Contains(page, "<script>") || strings.Contains(page, "<style") || strings.Contains(page, " on") && regexp.MustCompile(` on[a-z]+=`).MatchString(page) {
		t.Error("the page has inline script or style, which a strict policy refuses")
	}
	resp, err := http.Post(base+"requests", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", resp.StatusCode)
	}
}

// TestInspectorReadsWithoutSideEffects: recording a page that read nothing reports no
// action "executed" and makes no response personalised.
func TestInspectorReadsWithoutSideEffects(t *testing.T) {
	for _, mounted := range []bool{false, true} {
		t.Run(fmt.Sprintf("mounted %t", mounted), func(t *testing.T) {
			w := newWorld(t, personyzetest.Options{Seed: 1}, func(c *Config) {
				c.DebugLog = true
				c.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			w.mux.HandleFunc("GET /quiet", func(rw http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(rw, "<p>no recommendations read</p>")
			})
			if mounted {
				inspectorOf(t, w.tr, InspectorOptions{})
			}
			c := w.browser()
			w.get(c, "/quiet")
			w.get(c, "/quiet")
			w.close() // delivers what is held
			for _, r := range w.sim.Requests() {
				for _, cmd := range r.Commands {
					if strings.Contains(fmt.Sprint(cmd), "executed") {
						t.Errorf("a page that read nothing reported %v", cmd)
					}
				}
			}
		})
	}
}

// TestInspectorOwnRequests: mounted inside the middleware, the inspector's requests are
// neither sent to Personyze nor recorded.
func TestInspectorOwnRequests(t *testing.T) {
	w := newWorld(t, personyzetest.Options{Seed: 1}, nil)
	w.mux.Handle("GET /debug/personyze/", http.StripPrefix("/debug/personyze", w.tr.Inspector(InspectorOptions{})))
	c := w.browser()
	w.get(c, "/")
	calls := len(w.sim.Requests())
	for _, p := range []string{"/debug/personyze/", "/debug/personyze/script", "/debug/personyze/requests"} {
		w.get(c, p)
	}
	if n := len(w.sim.Requests()); n != calls {
		t.Errorf("the inspector's pages made %d calls", n-calls)
	}
	var l listing
	if err := json.Unmarshal([]byte(w.get(c, "/debug/personyze/requests")), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Requests) != 1 || l.Requests[0].Path != "/" {
		t.Errorf("recorded %d requests, want only the page /: %+v", len(l.Requests), l.Requests)
	}
}

// TestInspectorIgnoredAndConsent: requests the middleware ignores are recorded once with
// their reason, consent refused included.
func TestInspectorIgnoredAndConsent(t *testing.T) {
	w := newWorld(t, personyzetest.Options{Seed: 1}, func(c *Config) {
		c.Consent = func(r *http.Request) bool { return r.URL.Query().Get("consent") != "no" }
	})
	base := inspectorOf(t, w.tr, InspectorOptions{})
	c := w.browser()
	w.get(c, "/?consent=no")
	req, _ := http.NewRequest(http.MethodGet, w.site.URL+"/", nil)
	req.Header.Set("User-Agent", "curl/8.5.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	l := getListing(t, base, "")
	var got []string
	for _, e := range l.Requests {
		got = append(got, e.Kind+": "+e.Reason+" "+e.Outcome)
	}
	if want := "ignore: bot: curl skipped,ignore: no consent skipped"; strings.Join(got, ",") != want {
		t.Errorf("recorded %q, want %q", got, want)
	}
}

// TestInspectorStopsOnShutdown: an open event stream does not hold http.Server.Shutdown.
func TestInspectorStopsOnShutdown(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	srv := httptest.NewUnstartedServer(w.tr.Inspector(InspectorOptions{}))
	srv.Start()
	defer srv.Close()
	openEvents(t, srv.URL+"/", "")
	ctx, cancel := context.WithTimeout(context.Background(), inspectWait)
	defer cancel()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with an open stream: %v", err)
	}
}
