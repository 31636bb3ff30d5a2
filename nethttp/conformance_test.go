package nethttp_test

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// TestConformance runs the shared adapter suite against the net/http adapter.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{Name: "nethttp", New: conformanceApp})
}

// conformanceApp is the suite's shop written the way a net/http user would write it.
func conformanceApp(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
	tpl := tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))
	render := func(w http.ResponseWriter, r *http.Request, title string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = tpl.ExecuteTemplate(w, adaptertest.PageTemplate, adaptertest.PageData(title, core.FromContext(r.Context())))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { render(w, r, "Home") })
	mux.HandleFunc("GET /region", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = tpl.ExecuteTemplate(w, adaptertest.RegionTemplate, adaptertest.PageData("Region", core.FromContext(r.Context())))
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed(r.PathValue("id")))
		render(w, r, "Product "+r.PathValue("id"))
	})
	mux.HandleFunc("POST /cart/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductAddedToCart(r.PathValue("id")))
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed("gone"))
		http.Error(w, "gone", adaptertest.ErrorStatus)
	})
	mux.HandleFunc("GET /silent", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		render(w, r, "Late")
		_ = core.FromContext(r.Context()).Track(core.ArticleViewed("after-flush"))
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, adaptertest.StreamPrefix)
		_ = http.NewResponseController(w).Flush()
		render(w, r, "Stream")
	})
	mux.HandleFunc("GET /flush-first", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = http.NewResponseController(w).Flush()
		render(w, r, "Flushed")
	})
	mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "no hijack: "+err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(adaptertest.HijackResponse)
		_ = buf.Flush()
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir(routes.StaticDir))))
	mux.HandleFunc("GET /api/stock", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"stock":3}`)
	})
	mux.HandleFunc("GET /old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusFound) })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	auth := func(next http.Handler) http.Handler { // the app's auth middleware, after the adapter's
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = core.FromContext(r.Context()).SetUserKey(adaptertest.AuthUser)
			next.ServeHTTP(w, r)
		})
	}
	mux.Handle("GET /account", auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { render(w, r, "Account") })))
	mux.HandleFunc("POST /consent/withdraw", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).SetConsent(false)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /csp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", adaptertest.CSPHeader)
		render(w, r, "CSP")
	})
	buffered := func(w http.ResponseWriter, r *http.Request, status int, title string) {
		v := core.FromContext(r.Context())
		_ = v.SetStatus(status) // before the template reads recommendations
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, adaptertest.PageTemplate, adaptertest.PageData(title, v)); err != nil {
			http.Error(w, "page could not be rendered", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = buf.WriteTo(w)
	}
	mux.HandleFunc("GET /missing-page", func(w http.ResponseWriter, r *http.Request) {
		buffered(w, r, http.StatusNotFound, "Not found")
	})
	mux.HandleFunc("GET /error-page", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed("broken"))
		buffered(w, r, http.StatusInternalServerError, "Error")
	})
	return nethttp.Middleware(tr)(mux)
}
