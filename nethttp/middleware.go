// Package nethttp adapts the Personyze middleware to net/http: any router or framework
// built on http.Handler (http.ServeMux, chi, gorilla/mux) can use it.
package nethttp

import (
	"net/http"

	"github.com/gopersonyze/personyze/core"
)

// Options configure MiddlewareWithOptions. The zero value is what Middleware uses.
type Options struct {
	// Skipper, when it returns true, passes the request on without a Visit (handlers then
	// see an inactive one). Nil skips nothing.
	//
	// Usually not needed: which requests are tracked is core's decision
	// (core.Config.Classify, core.IgnorePaths) and applies to every adapter.
	Skipper func(r *http.Request) bool
}

// Middleware returns net/http middleware that gives every request a *core.Visit (read it
// with core.FromContext(r.Context())) and makes the page's Personyze call before the
// response header is written. It is MiddlewareWithOptions with the zero Options.
func Middleware(tr *core.Tracker) func(http.Handler) http.Handler {
	return MiddlewareWithOptions(tr, Options{})
}

// MiddlewareWithOptions is Middleware with Options.
//
// The response writer handed to the handler keeps exactly the optional interfaces of the
// one it wraps (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher) and unwraps for
// http.ResponseController, so streaming and websockets keep working.
func MiddlewareWithOptions(tr *core.Tracker, o Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.Skipper != nil && o.Skipper(r) {
				next.ServeHTTP(w, r)
				return
			}
			ex := tr.Begin(w, r)
			if ex.Served() { // the script of personyzeScript
				return
			}
			if !ex.Active() {
				next.ServeHTTP(w, ex.Request())
				return
			}
			defer ex.End()
			next.ServeHTTP(ex.Wrap(w), ex.Request())
		})
	}
}
