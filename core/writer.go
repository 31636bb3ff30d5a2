package core

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/felixge/httpsnoop"
)

// Wrap returns w with v.BeforeHeader called right before the header goes out: on the
// first final WriteHeader, Write, WriteString, ReadFrom, Flush or Hijack. Informational
// (1xx) headers pass through without committing the cookie.
//
// The result keeps exactly the optional interfaces of w (http.Flusher, http.Hijacker,
// io.ReaderFrom, http.Pusher) and unwraps for http.ResponseController, so streaming and
// websockets keep working. Adapters whose framework has no pre-header hook use it; an
// inactive Visit returns w itself.
func (v *Visit) Wrap(w http.ResponseWriter) http.ResponseWriter {
	if v.t == nil {
		return w
	}
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
