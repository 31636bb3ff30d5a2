package shop

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// staticFS holds the stylesheet and pictures served under /static/.
//
//go:embed static
var staticFS embed.FS

// templateFS holds the html/template pages.
//
//go:embed templates/*.html
var templateFS embed.FS

// StaticPrefix is the path under which StaticHandler serves its files.
const StaticPrefix = "/static/"

// StaticHandler serves the embedded assets for request paths starting with
// StaticPrefix. Mount it outside the Personyze middleware (or rely on the
// middleware's default classifier): assets are never page views.
func StaticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		// fs.Sub fails only for an invalid literal path, a programming error.
		panic(err)
	}
	files := http.StripPrefix(strings.TrimSuffix(StaticPrefix, "/"), http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The assets are embedded, so they change only with a new build.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
