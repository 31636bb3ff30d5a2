package readme

import (
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzeotel"
	"github.com/gopersonyze/personyze/core/personyzeprom"
	"github.com/gopersonyze/personyze/nethttp"
)

func events(v *core.Visit, id string) {
	// readme:begin events
	v.Track(core.ProductViewed(id))                   // also ProductAddedToCart, ProductLiked, ...
	v.Track(core.ProductsPurchased())                 // also ProductsUnliked, ProductsRemovedFromCart
	v.Track(core.ArticleViewed(id))                   // also ArticleLiked, ArticleCommented, ArticleGoal, ...
	v.Track(core.UserProfile("email", "a@b.example")) // one field per command
	// readme:end
}

// readme:begin overlap
func product(w http.ResponseWriter, r *http.Request) {
	v := core.FromContext(r.Context())
	_ = v.Track(core.ProductViewed(r.PathValue("id")))
	v.Start()                         // Personyze works while the handler does
	time.Sleep(20 * time.Millisecond) // the handler's own work: queries, page data
	for _, it := range v.Items() {    // waits only for what is left of the call
		fmt.Fprintln(w, it.Title())
	}
}

// readme:end

// readme:begin startearly
// startEarly starts the page's call as the request arrives, for routes whose handlers
// track nothing of their own: the call overlaps all of the handler's work.
func startEarly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		core.FromContext(r.Context()).Start()
		next.ServeHTTP(w, r)
	})
}

// mux.Handle("GET /{$}", startEarly(home)), inside nethttp.Middleware(tr)
// readme:end

func metricsAndTraces(key string, keys [][]byte, mux *http.ServeMux) http.Handler {
	// readme:begin metrics
	metrics := personyzeprom.NewCollector()                     // Prometheus
	otelHook, err := personyzeotel.New(personyzeotel.Options{}) // OpenTelemetry, global providers
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: key, SessionKeys: keys,
		OnCall: func(ci core.CallInfo) { metrics.OnCall(ci); otelHook.OnCall(ci) }})
	if err != nil {
		log.Fatal(err)
	}
	metrics.Watch(tr) // exports tr.Stats() too
	prometheus.MustRegister(metrics)
	if _, err := otelHook.Watch(tr); err != nil {
		log.Fatal(err)
	}
	handler := otelhttp.NewHandler(nethttp.Middleware(tr)(mux), "shop") // or otelgin / otelecho
	// readme:end
	return handler
}

// user is an application's signed-in user.
type user struct{ ID, Email string }

// currentUser and checkPassword stand for an application's own authentication.
func currentUser(*http.Request) (user, bool) { return user{}, false }
func checkPassword(*http.Request) user       { return user{ID: "42", Email: "a@b.example"} }

// readme:begin auth
// withUser is your auth middleware, installed inside (after) the Personyze one.
func withUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := currentUser(r); ok {
			core.FromContext(r.Context()).SetUserKey(u.ID) // before the page's call
		}
		next.ServeHTTP(w, r)
	})
}

func signIn(w http.ResponseWriter, r *http.Request) {
	u := checkPassword(r)
	v := core.FromContext(r.Context())
	v.SetUserKey(u.ID)                          // a new user: a new Personyze session
	v.Track(core.UserProfile("email", u.Email)) // the call that starts it
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func withdrawConsent(w http.ResponseWriter, r *http.Request) {
	core.FromContext(r.Context()).SetConsent(false) // deletes our cookies, sends nothing
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// readme:end

// readme:begin close
func closeBanner(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.FormValue("action"), 10, 64)
	v := core.FromContext(r.Context())
	if err := v.CloseAction(id, 2); err != nil { // hidden this session and the next
		log.Print(err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// readme:end
