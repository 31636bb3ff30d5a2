package core_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core"
)

func ExampleProductViewed() {
	cmd := core.ProductViewed("SKU-1").WithAction(10) // reached through recommendation action 10
	b, _ := cmd.MarshalJSON()
	fmt.Println(string(b))
	// Output: ["Product Viewed","SKU-1","action_id",10]
}

func ExampleNavigate() {
	b, _ := core.Navigate("/products/red chair").MarshalJSON()
	fmt.Println(string(b))
	// Output: ["Navigate","urn:personyze:doc:%2Fproducts%2Fred%20chair"]
}

func ExampleAction_Decode() {
	// A stand-in for Personyze on 127.0.0.1 that recommends one product.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"session_id":"1700000000 abc","actions":[{"id":10,"data":{"data":`+
			`"{\"internal_id\":\"SKU-2\",\"price\":49.9}"}}]}`)
	}))
	defer srv.Close()
	tr, _ := core.New(core.Config{APIKey: "8C03F1C7FF861065B3D063CD6A4DD0F8E8008FE9", BaseURL: srv.URL + "/rest/",
		Development: true, Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	defer tr.Close(context.Background())

	h := nethttpLike(tr, func(w http.ResponseWriter, r *http.Request) {
		type product struct {
			ID    string  `json:"internal_id"`
			Price float64 `json:"price"`
		}
		var ps []product
		for _, a := range core.FromContext(r.Context()).Actions() {
			if err := a.Decode(&ps); err != nil {
				fmt.Println(err)
				return
			}
		}
		fmt.Printf("%+v\n", ps)
	})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output: [{ID:SKU-2 Price:49.9}]
}

// nethttpLike is what the nethttp adapter does, written out so that core's examples do not
// import an adapter.
func nethttpLike(tr *core.Tracker, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := tr.Begin(w, r)
		defer ex.End()
		h(ex.Wrap(w), ex.Request())
	})
}

func ExampleNew_badKey() {
	_, err := core.New(core.Config{APIKey: "too-short", Development: true})
	fmt.Println(err)
	// Output: personyze: Config.APIKey: has 9 characters, a Personyze API key has 40; copy the key from the "Full-featured API" section of Personyze Settings → Integrations
}
func ExampleClassifiers() {
	classify := core.Classifiers(core.DefaultClassifier, core.IgnorePaths("/admin", "/healthz"))
	human := core.Device{Type: "regular"}
	browser := func(method, target, mode string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		r.Header.Set("Sec-Fetch-Mode", mode) // "navigate" for a page, "cors" for fetch()
		return r
	}
	for _, r := range []*http.Request{
		browser("GET", "/products/42", "navigate"),
		browser("GET", "/api/stock", "cors"),
		browser("GET", "/static/site.css", "no-cors"),
		browser("POST", "/cart", "navigate"),
		browser("GET", "/admin/orders", "navigate"),
	} {
		kind, reason := classify(r, human)
		fmt.Println(r.Method, r.URL.Path, "→", kind, reason)
	}
	kind, reason := classify(httptest.NewRequest("GET", "/", nil), core.Device{Bot: true, BotReason: "curl"})
	fmt.Println("curl →", kind, reason)
	// Output:
	// GET /products/42 → page page view
	// GET /api/stock → event fetch
	// GET /static/site.css → ignore static asset
	// POST /cart → event method POST
	// GET /admin/orders → ignore ignored path
	// curl → ignore bot: curl
}

// A template parsed without a Tracker, as in an application's template tests: every
// Personyze helper renders nothing, the application's own functions work.
func ExampleFuncMap() {
	tpl := template.Must(template.New("page").Funcs(core.FuncMap(template.FuncMap{"upper": strings.ToUpper})).Parse(
		`<h1>{{upper .Title}}</h1>{{range .Personyze.Items}}<a href="{{personyzeLink .}}">{{.Title}}</a>{{end}}{{personyzeScript .Personyze}}`))
	_ = tpl.Execute(os.Stdout, map[string]any{"Title": "home", "Personyze": core.FromContext(context.Background())})
	// Output: <h1>HOME</h1>
}

// An auth middleware installed after (inside) the Personyze one tells Personyze who the
// signed-in user is, before the page's call is made.
func ExampleVisit_SetUserKey() {
	userOf := func(r *http.Request) string { return r.Header.Get("X-User") } // your session lookup
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u := userOf(r); u != "" {
				if err := core.FromContext(r.Context()).SetUserKey(u); err != nil {
					log.Print(err) // errors.Is(err, core.ErrTooLate): the page's call was made already
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	_ = auth // nethttp.Middleware(tr)(auth(mux))
}
