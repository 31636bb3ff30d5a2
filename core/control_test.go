package core_test

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// controlWorld is a simulator and a Tracker talking to it, closed at the test's end.
func controlWorld(t *testing.T, mut func(*core.Config)) (*personyzetest.Server, *core.Tracker) {
	t.Helper()
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	t.Cleanup(sim.Close)
	cfg := core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), SessionKeys: [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))},
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	if mut != nil {
		mut(&cfg)
	}
	tr, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tr.Close(ctx) // a test may have closed it already
	})
	return sim, tr
}

// navigate is a browser's page request for path, carrying cookies.
func navigate(path string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
	r.Header.Set("Accept", "text/html")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// serveVisit drives one request the way an adapter does, with h as the handler.
func serveVisit(tr *core.Tracker, r *http.Request, h func(v *core.Visit, w http.ResponseWriter)) *http.Response {
	rec := httptest.NewRecorder()
	ex := tr.Begin(rec, r)
	func() {
		defer ex.End()
		h(ex.Visit(), ex.Wrap(rec))
	}()
	return rec.Result()
}

func writePage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<p>page</p>"))
}

func TestVisitControlsReachTheCall(t *testing.T) {
	sim, tr := controlWorld(t, nil)
	resp := serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) { writePage(w) })
	cookies := resp.Cookies()
	first := sim.Requests()[0]

	// Sign-in: the user key, a route's document name and a new session.
	serveVisit(tr, navigate("/login", cookies...), func(v *core.Visit, w http.ResponseWriter) {
		for _, err := range []error{v.SetUserKey("bob"), v.SetDocumentName("sign-in"), v.StartNewSession()} {
			if err != nil {
				t.Errorf("before the call: %v", err)
			}
		}
		writePage(w)
	})
	login := sim.Requests()[1]
	// The anonymous visitor's session is not the user's: the call carries none.
	if login.UserID == first.UserID || !login.NewSession || login.SessionID != nil {
		t.Errorf("sign-in call: user %d (anonymous %d) new_session %v session %v", login.UserID, first.UserID, login.NewSession, login.SessionID)
	}
	if doc := login.Commands[len(login.Commands)-1].Document(); doc != "sign-in" {
		t.Errorf("document %q, want sign-in", doc)
	}
	// Another device of the same user has the same user_id, and asks for no new session.
	serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.SetUserKey("bob")
		writePage(w)
	})
	if other := sim.Requests()[2]; other.UserID != login.UserID {
		t.Errorf("same user key, user_id %d and %d", login.UserID, other.UserID)
	}
	// "" is the cookie's anonymous visitor again (this cookie is the anonymous page's, so
	// its session is theirs: no new session).
	serveVisit(tr, navigate("/", cookies...), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.SetUserKey("")
		writePage(w)
	})
	if out := sim.Requests()[3]; out.UserID != first.UserID || out.NewSession {
		t.Errorf("signed out: user %d (want %d), new_session %v", out.UserID, first.UserID, out.NewSession)
	}
}

func TestVisitControlsTooLate(t *testing.T) {
	_, tr := controlWorld(t, nil)
	serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.Items() // the call is made now
		for name, err := range map[string]error{
			"SetUserKey": v.SetUserKey("bob"), "SetDocumentName": v.SetDocumentName("x"),
			"StartNewSession": v.StartNewSession(), "Skip": v.Skip(),
		} {
			if !errors.Is(err, core.ErrTooLate) || !strings.Contains(err.Error(), name) {
				t.Errorf("%s after the call: %v, want ErrTooLate naming it", name, err)
			}
		}
		if err := v.Forget(); err != nil {
			t.Errorf("Forget before the header: %v", err)
		}
		writePage(w)
		if err := v.Forget(); !errors.Is(err, core.ErrTooLate) {
			t.Errorf("Forget after the header: %v, want ErrTooLate", err)
		}
		if err := v.SetConsent(true); err != nil {
			t.Errorf("SetConsent(true) on a tracked visit: %v", err)
		}
	})
	serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		if err := v.SetDocumentName(""); !errors.Is(err, core.ErrEmptyID) {
			t.Errorf("empty document name: %v", err)
		}
	})
	// Without the middleware every control is a harmless no-op.
	v := core.FromContext(t.Context())
	for _, err := range []error{v.SetUserKey("a"), v.SetDocumentName("a"), v.SetConsent(true), v.SetConsent(false), v.Skip(), v.StartNewSession(), v.Forget()} {
		if err != nil {
			t.Errorf("inactive Visit: %v", err)
		}
	}
}

func TestSkipAndForget(t *testing.T) {
	sim, tr := controlWorld(t, nil)
	resp := serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		if err := v.Skip(); err != nil {
			t.Fatal(err)
		}
		_ = v.Track(core.ProductViewed("p1"))
		if v.Active() || v.Kind() != core.KindIgnore || len(v.Items()) != 0 {
			t.Errorf("skipped visit: active %v kind %v", v.Active(), v.Kind())
		}
		writePage(w)
	})
	if len(resp.Cookies()) != 0 || resp.Header.Get("Vary") != "" {
		t.Errorf("skipped visit set %v / Vary %q", resp.Cookies(), resp.Header.Get("Vary"))
	}
	resp = serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) { writePage(w) })
	own := resp.Cookies()
	env := &http.Cookie{Name: core.EnvCookieName, Value: "tz=1&s=800x600"}
	resp = serveVisit(tr, navigate("/", append(own, env)...), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.Track(core.ProductViewed("p1"))
		if err := v.Forget(); err != nil {
			t.Fatal(err)
		}
		writePage(w)
		_ = v.Track(core.ProductViewed("p2")) // after Forget: dropped
	})
	closeTracker(t, tr)
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("%d calls, want only the plain page's", n)
	}
	deleted := map[string]bool{}
	for _, c := range resp.Cookies() {
		deleted[c.Name] = c.MaxAge < 0
	}
	if !deleted["personyze"] || !deleted[core.EnvCookieName] || resp.Header.Get("Cache-Control") != "private" {
		t.Errorf("Forget: cookies %v, Cache-Control %q", resp.Header.Values("Set-Cookie"), resp.Header.Get("Cache-Control"))
	}
}

func TestSetConsentGrantsATrackedVisit(t *testing.T) {
	sim, tr := controlWorld(t, func(c *core.Config) { c.Consent = func(*http.Request) bool { return false } })
	resp := serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		if v.Active() {
			t.Error("active without consent")
		}
		if err := v.SetConsent(true); err != nil || !v.Active() || v.Kind() != core.KindPage {
			t.Errorf("SetConsent(true): %v, active %v kind %v", err, v.Active(), v.Kind())
		}
		writePage(w)
	})
	if len(resp.Cookies()) != 1 || len(sim.Requests()) != 1 {
		t.Errorf("granted visit: cookies %v, %d calls", resp.Cookies(), len(sim.Requests()))
	}
	// Without consent and without our cookies, nothing at all is set.
	resp = serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) { writePage(w) })
	if len(resp.Cookies()) != 0 || resp.Header.Get("Cache-Control") != "" {
		t.Errorf("no consent: %v", resp.Header)
	}
}

func TestCacheHeaders(t *testing.T) {
	for _, leave := range []bool{false, true} {
		_, tr := controlWorld(t, func(c *core.Config) { c.LeaveCacheHeaders = leave })
		page := func(v *core.Visit, w http.ResponseWriter) {
			w.Header().Set("Cache-Control", "public, max-age=60")
			writePage(w)
		}
		reading := func(v *core.Visit, w http.ResponseWriter) { _ = v.Items(); page(v, w) }
		first := serveVisit(tr, navigate("/"), page)
		cookies := first.Cookies()
		plain := serveVisit(tr, navigate("/", cookies...), page)
		read := serveVisit(tr, navigate("/", cookies...), reading)
		for _, c := range []struct {
			name    string
			resp    *http.Response
			private bool
		}{{"first visit (cookie)", first, !leave}, {"returning, no recommendations read", plain, false}, {"returning, recommendations read", read, !leave}} {
			cc, vary := c.resp.Header.Get("Cache-Control"), c.resp.Header.Get("Vary")
			want := "public, max-age=60"
			if c.private {
				want = "private, max-age=60"
			}
			if cc != want || (vary == "Cookie") != c.private {
				t.Errorf("leave %v, %s: Cache-Control %q Vary %q, want %q", leave, c.name, cc, vary, want)
			}
		}
		if len(plain.Cookies()) != 0 {
			t.Errorf("unchanged session rewritten: %v", plain.Header.Values("Set-Cookie"))
		}
	}
}

func TestFuncMapWithoutTracker(t *testing.T) {
	const page = `<h1>{{.Title}}</h1>{{range .Personyze.Items}}<a href="{{personyzeLink .}}">x</a>{{end}}{{personyzeScript .Nonce}}{{personyzeScript .Personyze}}{{shout .Title}}<footer>`
	tpl := template.Must(template.New("p").Funcs(core.FuncMap(template.FuncMap{"shout": strings.ToUpper})).Parse(page))
	var b strings.Builder
	// A map without Nonce, a Visit without middleware: every helper renders nothing.
	if err := tpl.Execute(&b, map[string]any{"Title": "Home", "Personyze": core.FromContext(t.Context())}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "<h1>Home</h1>HOME<footer>" {
		t.Errorf("rendered %q", got)
	}
	// The app's function wins on a name clash.
	m := core.FuncMap(template.FuncMap{"personyzeLink": strings.ToUpper})
	if f, ok := m["personyzeLink"].(func(string) string); !ok || f("a") != "A" {
		t.Error("app's personyzeLink did not replace the library's")
	}
}

// With the application's own SessionStore, Forget removes only this library's values: the
// app's sign-in in the same session survives.
func TestForgetKeepsTheAppsSession(t *testing.T) {
	store := sessions.NewCookieStore([]byte(strings.Repeat("k", 32)))
	_, tr := controlWorld(t, func(c *core.Config) { c.SessionStore = store; c.SessionName = "app" })
	resp := serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		if err := v.CloseAction(7, 2); err != nil { // every kind of value the library keeps
			t.Fatal(err)
		}
		writePage(w)
	})
	r := navigate("/", resp.Cookies()...)
	s, err := store.Get(r, "app")
	if err != nil || len(s.Values) == 0 {
		t.Fatalf("no library values in the app's session: %v %v", s.Values, err)
	}
	s.Values["user"] = "alice" // the app's own sign-in
	rec := httptest.NewRecorder()
	if err := store.Save(r, rec, s); err != nil {
		t.Fatal(err)
	}
	resp = serveVisit(tr, navigate("/", rec.Result().Cookies()...), func(v *core.Visit, w http.ResponseWriter) {
		if err := v.Forget(); err != nil {
			t.Fatal(err)
		}
		writePage(w)
	})
	after, err := store.Get(navigate("/", resp.Cookies()...), "app")
	if err != nil || len(after.Values) != 1 || after.Values["user"] != "alice" {
		t.Errorf("after Forget the app's session holds %v (%v), want only user=alice", after.Values, err)
	}
}

// TestWithdrawnConsentDropsHeldStatuses: the "executed" statuses of the visitor's last page
// wait for their next call; a visitor who then withdraws consent makes no further call, and
// what was held for them must not go out later (after the hold or at Close) either.
func TestWithdrawnConsentDropsHeldStatuses(t *testing.T) {
	sim, tr := controlWorld(t, nil)
	resp := serveVisit(tr, navigate("/"), func(v *core.Visit, w http.ResponseWriter) {
		if len(v.Items()) == 0 {
			t.Fatal("the simulator recommended nothing: no status to hold")
		}
		writePage(w)
	})
	if n := tr.Stats().HeldReports; n != 1 {
		t.Fatalf("%d visitors with held statuses after a page that showed recommendations, want 1", n)
	}
	serveVisit(tr, navigate("/privacy", resp.Cookies()...), func(v *core.Visit, w http.ResponseWriter) {
		if err := v.SetConsent(false); err != nil {
			t.Fatal(err)
		}
		writePage(w)
	})
	if n := tr.Stats().HeldReports; n != 0 {
		t.Errorf("%d visitors with held statuses after the withdrawal, want 0", n)
	}
	closeTracker(t, tr)
	for i, req := range sim.Requests()[1:] {
		t.Errorf("call %d after the withdrawal: %v", i+2, req.Commands)
	}
}
