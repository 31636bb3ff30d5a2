package core_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// exampleWorld is the simulator and a Tracker on it, for the examples that run a handler.
func exampleWorld() (*personyzetest.Server, *core.Tracker) {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true,
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	return sim, tr
}

// browserPost is a form a browser submits to target, carrying cookies.
func browserPost(target string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(""))
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// The handler of an HTML action's close button reports the dismissal; with sessions > 0
// the action is also hidden from the visitor for that many Personyze sessions.
func ExampleVisit_CloseAction() {
	sim, tr := exampleWorld()
	defer sim.Close()

	closeBanner := func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.FormValue("action"), 10, 64)
		v := core.FromContext(r.Context())
		if err := v.CloseAction(id, 2); err != nil { // hidden this session and the next
			log.Print(err)
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}

	w := httptest.NewRecorder()
	nethttpLike(tr, closeBanner).ServeHTTP(w, browserPost("/close?action=101"))
	_ = tr.Close(context.Background())
	sent := sim.Requests()[0].Commands[0]
	fmt.Println(w.Code, sent.Name, sent.Args, len(w.Result().Cookies())) // the cookie remembers it
	// Output: 303 Action Status [101 close 2] 1
}

// A sign-in handler identifies the visitor: a new identity starts a new Personyze session
// by itself (so do sign-out and another user), and the profile event travels in the call
// that starts it. On later requests the auth middleware calls SetUserKey (see the
// SetUserKey example).
func ExampleVisit_SetUserKey_signIn() {
	sim, tr := exampleWorld()
	defer sim.Close()

	signIn := func(w http.ResponseWriter, r *http.Request) {
		userID, email := "42", "a@b.example" // your password check
		v := core.FromContext(r.Context())
		_ = v.SetUserKey(userID) // a new user: a new Personyze session
		_ = v.Track(core.UserProfile("email", email))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}

	nethttpLike(tr, signIn).ServeHTTP(httptest.NewRecorder(), browserPost("/sign-in"))
	_ = tr.Close(context.Background())
	sent := sim.Requests()[0]
	fmt.Println(sent.NewSession, sent.Commands[0].Name, sent.Commands[0].Args)
	// Output: true User Profile [email a@b.example]
}

// StartNewSession is for the occasions the library cannot see: here a kiosk hands the
// device to the next customer, whose first page starts a session of its own.
func ExampleVisit_StartNewSession() {
	sim, tr := exampleWorld()
	defer sim.Close()
	page := func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Items()
	}
	nextCustomer := func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.StartNewSession()
		_ = v.Items()
	}

	first := httptest.NewRecorder()
	nethttpLike(tr, page).ServeHTTP(first, navigate("/"))
	nethttpLike(tr, nextCustomer).ServeHTTP(httptest.NewRecorder(), navigate("/", first.Result().Cookies()...))
	_ = tr.Close(context.Background())
	for _, req := range sim.Requests()[:2] { // the two pages (held statuses follow)
		fmt.Println(req.NewSession)
	}
	// Output:
	// true
	// true
}

// A visitor who withdraws consent: SetConsent(false) deletes this library's cookies with
// the response and sends nothing for the request.
func ExampleVisit_SetConsent() {
	sim, tr := exampleWorld()
	defer sim.Close()
	page := func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Items()
	}
	withdrawConsent := func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).SetConsent(false) // deletes our cookies, sends nothing
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}

	first := httptest.NewRecorder()
	nethttpLike(tr, page).ServeHTTP(first, navigate("/"))
	w := httptest.NewRecorder()
	nethttpLike(tr, withdrawConsent).ServeHTTP(w, browserPost("/consent/withdraw", first.Result().Cookies()...))
	fmt.Println(len(sim.Requests()), "call: the first page's") // none for the withdrawal
	for _, c := range w.Result().Cookies() {
		fmt.Println("deleted:", c.Name, c.MaxAge < 0)
	}
	_ = tr.Close(context.Background())
	// Output:
	// 1 call: the first page's
	// deleted: pz_env true
	// deleted: personyze true
}

// startEarly starts the page's call as the request arrives, for routes whose handlers
// track nothing of their own (a home or category page): the call overlaps all of the
// handler's work. Install it inside the Personyze middleware, on those routes:
// mux.Handle("GET /{$}", startEarly(home)) behind nethttp.Middleware(tr).
func ExampleVisit_Start_middleware() {
	sim, tr := exampleWorld()
	defer sim.Close()

	startEarly := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			core.FromContext(r.Context()).Start()
			next.ServeHTTP(w, r)
		})
	}
	home := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ... the handler's own work: queries, the page's data ...
		v := core.FromContext(r.Context())
		fmt.Fprintln(w, len(v.Items()), "recommendations") // waits only for what is left
		fmt.Println(v.Outcome())
	})

	nethttpLike(tr, startEarly(home).ServeHTTP).ServeHTTP(httptest.NewRecorder(), navigate("/"))
	fmt.Println(sim.Requests()[0].Commands[0].Name)
	_ = tr.Close(context.Background())
	// Output:
	// ok
	// Navigate
}
