// Package nethttp adapts the Personyze middleware to net/http: any router or framework
// built on http.Handler (http.ServeMux, chi, gorilla/mux) can use it.
package nethttp

import (
	"net/http"

	"github.com/gopersonyze/personyze/core"
)

// Middleware returns net/http middleware that gives every request a *core.Visit (read it
// with core.FromContext(r.Context())) and makes the page's Personyze call before the
// response header is written.
//
// The response writer handed to the handler keeps exactly the optional interfaces of the
// one it wraps (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher) and unwraps for
// http.ResponseController, so streaming and websockets keep working.
func Middleware(tr *core.Tracker) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, r := tr.Begin(w, r)
			if !v.Active() {
				next.ServeHTTP(w, r)
				return
			}
			defer v.End()
			next.ServeHTTP(v.Wrap(w), r)
		})
	}
}
