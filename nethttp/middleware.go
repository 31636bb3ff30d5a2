// Package nethttp adapts the Personyze middleware to net/http: any router or framework
// built on http.Handler (http.ServeMux, chi, gorilla/mux) can use it.
package nethttp

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/felixge/httpsnoop"
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
			next.ServeHTTP(Wrap(w, v), r)
		})
	}
}

// Wrap returns w with v.BeforeHeader called right before the header goes out: on the
// first final WriteHeader, Write, WriteString, ReadFrom, Flush or Hijack. Informational
// (1xx) headers pass through without committing the cookie.
func Wrap(w http.ResponseWriter, v *core.Visit) http.ResponseWriter {
	return httpsnoop.Wrap(w, httpsnoop.Hooks{
		WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
			return func(code int) {
				if code >= 200 || code == http.StatusSwitchingProtocols {
					v.BeforeHeader()
				}
				next(code)
			}
		},
		Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
			return func(b []byte) (int, error) { v.BeforeHeader(); return next(b) }
		},
		WriteString: func(next httpsnoop.WriteStringFunc) httpsnoop.WriteStringFunc {
			return func(s string) (int, error) { v.BeforeHeader(); return next(s) }
		},
		ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
			return func(src io.Reader) (int64, error) { v.BeforeHeader(); return next(src) }
		},
		Flush: func(next httpsnoop.FlushFunc) httpsnoop.FlushFunc {
			return func() { v.BeforeHeader(); next() }
		},
		FlushError: func(next httpsnoop.FlushErrorFunc) httpsnoop.FlushErrorFunc {
			return func() error { v.BeforeHeader(); return next() }
		},
		Hijack: func(next httpsnoop.HijackFunc) httpsnoop.HijackFunc {
			return func() (net.Conn, *bufio.ReadWriter, error) { v.BeforeHeader(); return next() }
		},
	})
}
