package nethttp_test

import (
	"html/template"
	"net/http"
	"testing"

	"github.com/klauspost/compress/gzhttp"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// TestRegionStreamedThroughGzhttp: behind klauspost/compress gzhttp, installed outside the
// Personyze middleware as usual, the shell still goes out before Personyze answers and the
// region follows in the same compressed response.
func TestRegionStreamedThroughGzhttp(t *testing.T) {
	adaptertest.RegionStreamed(t, adaptertest.Adapter{Name: "nethttp-gzhttp", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		tpl := tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))
		mux := http.NewServeMux()
		mux.HandleFunc("GET /region", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = tpl.ExecuteTemplate(w, adaptertest.RegionTemplate, adaptertest.PageData("Region", core.FromContext(r.Context())))
		})
		return gzhttp.GzipHandler(nethttp.Middleware(tr)(mux))
	}}, adaptertest.StreamOptions{Gzip: true})
}
