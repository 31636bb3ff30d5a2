package nethttp_test

import (
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
	tpl := template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob))
	render := func(w http.ResponseWriter, r *http.Request, title string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = tpl.ExecuteTemplate(w, adaptertest.PageTemplate, adaptertest.PageData(title, core.FromContext(r.Context())))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { render(w, r, "Home") })
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
	return nethttp.Middleware(tr)(mux)
}
