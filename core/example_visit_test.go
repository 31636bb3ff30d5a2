package core_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// ExampleNew configures a Tracker. Real deployments pass the API key and two stable secret
// session keys; here the simulator stands in for Personyze.
func ExampleNew() {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()

	tr, err := core.New(core.Config{
		APIKey:      sim.APIKey(),
		BaseURL:     sim.URL(),
		SessionKeys: [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("e", 32))},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close(context.Background()) // delivers events still queued
	fmt.Println(tr.Config().Timeout, tr.Config().SessionName)
	// Output: 300ms personyze
}

// ExampleNew_badConfig shows that configuration errors say how to fix them.
func ExampleNew_badConfig() {
	_, err := core.New(core.Config{APIKey: strings.Repeat("A", 40), BaseURL: "http://personyze.example/rest/", Development: true})
	fmt.Println(err != nil)
	// Output: true
}

// ExampleTracker_Begin is what every adapter does, shown without a framework: Begin, then
// BeforeHeader right before the header goes out, End after the handler.
func ExampleTracker_Begin() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, _ := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	defer tr.Close(context.Background())

	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/products/p1", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page

	ex := tr.Begin(w, r)
	v := core.FromContext(ex.Request().Context()) // what the handler sees: ex.Visit()
	_ = v.Track(core.ProductViewed("p1"))         // in the handler
	ex.BeforeHeader(http.StatusOK)                // the adapter's writer wrapper
	io.WriteString(w, "page")
	ex.End() // deferred by the adapter

	sent := sim.Requests()[0]
	fmt.Println(v.Outcome(), sent.DeviceType, sent.Commands[0].Name, sent.Commands[1].Name)
	fmt.Println(w.Header().Get("Cache-Control"), len(w.Result().Cookies()))
	// Output:
	// ok phone Product Viewed Navigate
	// private 1
}

// ExampleExchange_Served: the script that personyzeScript loads from the same origin is
// answered by Begin itself; the adapter returns without calling the handler.
func ExampleExchange_Served() {
	tr, _ := core.New(core.Config{APIKey: strings.Repeat("A", 40), Development: true,
		Logger: slog.New(slog.DiscardHandler)})
	defer tr.Close(context.Background())

	page := template.Must(template.New("page").Funcs(tr.FuncMap()).Parse(`{{personyzeScript}}`))
	var b strings.Builder
	_ = page.Execute(&b, nil)
	src := strings.TrimPrefix(strings.TrimSuffix(b.String(), `" async></script>`), `<script src="`)

	w := httptest.NewRecorder()
	ex := tr.Begin(w, httptest.NewRequest("GET", src, nil))
	if ex.Served() {
		fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
		return // an adapter returns here
	}
	// Output: 200 text/javascript; charset=utf-8 public, max-age=31536000, immutable
}

// ExampleFromContext shows that handlers never need a nil check: outside the middleware the
// Visit is inactive and does nothing.
func ExampleFromContext() {
	v := core.FromContext(context.Background())
	fmt.Println(v.Active(), v.Track(core.ProductViewed("p1")), len(v.Items()), v.Outcome())
	// Output: false <nil> 0 skipped
}

// ExampleTracker_FuncMap renders recommendations with the attributed link helper.
func ExampleTracker_FuncMap() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, _ := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	defer tr.Close(context.Background())

	page := template.Must(template.New("page").Funcs(tr.FuncMap()).Parse(
		`{{range .Items}}<a href="{{personyzeLink .}}">{{.Title}}</a>{{"\n"}}{{end}}`))
	h := func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, core.FromContext(r.Context()))
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	ex := tr.Begin(w, r)
	h(w, ex.Request())
	ex.End()
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	fmt.Fprintln(os.Stdout, len(lines) > 0, strings.Contains(lines[0], "?pz="))
	// Output: true true
}

// ExampleVisit_Start overlaps the page's tracker call with the handler's own work: the call
// goes out at Start, with the events tracked so far, and the first read of the
// recommendations waits only for what is left of it.
func ExampleVisit_Start() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, _ := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	defer tr.Close(context.Background())

	product := func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed("p1"))
		v.Start() // Personyze works while the handler does
		// ... the handler's own work: database queries, the page's data ...
		for _, it := range v.Items() { // waits only for what is left of the call
			fmt.Fprintln(w, it.Title())
		}
		fmt.Println(v.Outcome(), len(sim.Requests()))
	}
	r := httptest.NewRequest("GET", "/products/p1", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	ex := tr.Begin(httptest.NewRecorder(), r)
	product(httptest.NewRecorder(), ex.Request())
	ex.End()
	// Output: ok 1
}

// ExampleVisit_SetStatus renders a 404 page into a buffer before writing it, as apps do to
// turn template errors into a clean 500. The template reads recommendations, which makes
// the page's call before the status is written: SetStatus says it first, so the 404 page
// is not counted as a page view (no Navigate; with nothing tracked, no call at all).
func ExampleVisit_SetStatus() {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	tr, _ := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	defer tr.Close(context.Background())
	page := template.Must(template.New("404").Parse(`<h1>Not found</h1>{{range .Items}}<a href="{{.URL}}">{{.Title}}</a>{{end}}`))

	notFound := func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.SetStatus(http.StatusNotFound) // before the template reads recommendations
		var buf bytes.Buffer
		if err := page.Execute(&buf, v); err != nil {
			http.Error(w, "page could not be rendered", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		buf.WriteTo(w)
	}
	r := httptest.NewRequest("GET", "/no/such/page", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	w := httptest.NewRecorder()
	ex := tr.Begin(w, r) // what the adapter does
	notFound(ex.Wrap(w), ex.Request())
	ex.End()
	fmt.Println(w.Code, ex.Visit().Kind(), ex.Visit().Reason(), len(sim.Requests()))
	// Output: 404 event response 404 0
}
