package core

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/felixge/httpsnoop"
)

// Wrap returns w with BeforeHeader called right before the header goes out: on the first
// final WriteHeader, Write, WriteString, ReadFrom, Flush or Hijack. Informational (1xx)
// headers pass through without committing the cookie.
//
// The result keeps exactly the optional interfaces of w (http.Flusher, http.Hijacker,
// io.ReaderFrom, io.StringWriter, http.Pusher, http.CloseNotifier) and unwraps for
// http.ResponseController, so streaming and websockets keep working. Adapters whose
// framework has no pre-header hook use it; an Exchange that is not Active returns w
// itself.
func (e *Exchange) Wrap(w http.ResponseWriter) http.ResponseWriter {
	if !e.Active() {
		return w
	}
	// The writers of net/http's HTTP/1 and HTTP/2 servers and httptest's recorder get a
	// wrapper of one allocation; any other combination of interfaces (another
	// middleware's wrapper, a framework's writer) goes to httpsnoop, which has a type
	// for each (and costs some fifteen allocations a request).
	hw := hookedWriter{e: e, w: w}
	switch interfacesOf(w) {
	case http1Writer:
		return &h1Writer{hw}
	case http2Writer:
		return &h2Writer{hw}
	case recorderWriter:
		return &recWriter{hw}
	}
	return e.snoop(w)
}

// The optional interfaces of a ResponseWriter that Wrap keeps.
const (
	canFlush = 1 << iota
	canFlushError
	canHijack
	canReadFrom
	canWriteString
	canPush
	canCloseNotify
	canFullDuplex

	// What the writers of net/http's servers and of httptest.ResponseRecorder have.
	http1Writer    = canFlush | canFlushError | canHijack | canReadFrom | canWriteString | canCloseNotify | canFullDuplex
	http2Writer    = canFlush | canFlushError | canWriteString | canPush | canCloseNotify | canFullDuplex
	recorderWriter = canFlush | canWriteString
)

// flushErrorer and fullDuplexer are the unexported interfaces http.ResponseController
// looks for.
type (
	flushErrorer interface{ FlushError() error }
	fullDuplexer interface{ EnableFullDuplex() error }
)

// interfacesOf returns the optional interfaces w has.
func interfacesOf(w http.ResponseWriter) (set uint8) {
	if _, ok := w.(http.Flusher); ok {
		set |= canFlush
	}
	if _, ok := w.(flushErrorer); ok {
		set |= canFlushError
	}
	if _, ok := w.(http.Hijacker); ok {
		set |= canHijack
	}
	if _, ok := w.(io.ReaderFrom); ok {
		set |= canReadFrom
	}
	if _, ok := w.(io.StringWriter); ok {
		set |= canWriteString
	}
	if _, ok := w.(http.Pusher); ok {
		set |= canPush
	}
	if _, ok := w.(http.CloseNotifier); ok { //nolint:staticcheck // kept for old handlers that still use it
		set |= canCloseNotify
	}
	if _, ok := w.(fullDuplexer); ok {
		set |= canFullDuplex
	}
	return set
}

// hookedWriter calls BeforeHeader before anything that sends the header. The types that
// embed it add exactly the optional methods of the writer they wrap.
type hookedWriter struct {
	e *Exchange
	w http.ResponseWriter
}

func (h *hookedWriter) Header() http.Header { return h.w.Header() }

func (h *hookedWriter) WriteHeader(code int) {
	h.e.releaseKept(h.w) // a WriteHeader after the first bytes comes too late, as it always did
	h.e.beforeWriteHeader(code)
	h.w.WriteHeader(code)
}

// beforeWriteHeader calls BeforeHeader for a WriteHeader that sends the final header:
// informational (1xx) headers pass through, except 101, after which nothing else is sent.
func (e *Exchange) beforeWriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		e.BeforeHeader(code)
	}
}

func (h *hookedWriter) Write(b []byte) (int, error) {
	return h.e.WriteBody(h.w, http.StatusOK, b)
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (h *hookedWriter) Unwrap() http.ResponseWriter { return h.w }

func (h *hookedWriter) flush() {
	_, _ = h.e.WriteBody(h.w, http.StatusOK, nil)
	h.w.(http.Flusher).Flush()
}

func (h *hookedWriter) writeString(s string) (int, error) {
	return h.e.WriteBodyString(h.w.(io.StringWriter), http.StatusOK, s)
}

func (h *hookedWriter) flushError() error {
	if _, err := h.e.WriteBody(h.w, http.StatusOK, nil); err != nil {
		return err
	}
	return h.w.(flushErrorer).FlushError()
}

func (h *hookedWriter) closeNotify() <-chan bool {
	return h.w.(http.CloseNotifier).CloseNotify() //nolint:staticcheck // see interfacesOf
}

func (h *hookedWriter) enableFullDuplex() error { return h.w.(fullDuplexer).EnableFullDuplex() }

// h1Writer wraps the writer of net/http's HTTP/1 server.
type h1Writer struct{ hookedWriter }

func (h *h1Writer) Flush()                            { h.flush() }
func (h *h1Writer) FlushError() error                 { return h.flushError() }
func (h *h1Writer) WriteString(s string) (int, error) { return h.writeString(s) }
func (h *h1Writer) CloseNotify() <-chan bool          { return h.closeNotify() }
func (h *h1Writer) EnableFullDuplex() error           { return h.enableFullDuplex() }
func (h *h1Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	_, _ = h.e.WriteBody(h.w, http.StatusOK, nil)
	return h.e.hijacked(h.w.(http.Hijacker).Hijack())
}
func (h *h1Writer) ReadFrom(src io.Reader) (int64, error) {
	_, _ = h.e.WriteBody(h.w, http.StatusOK, nil)
	if h.e.holding.Load() {
		return io.Copy(writerFunc(h.Write), src)
	}
	return h.w.(io.ReaderFrom).ReadFrom(src)
}

// h2Writer wraps the writer of net/http's HTTP/2 server.
type h2Writer struct{ hookedWriter }

func (h *h2Writer) Flush()                            { h.flush() }
func (h *h2Writer) FlushError() error                 { return h.flushError() }
func (h *h2Writer) WriteString(s string) (int, error) { return h.writeString(s) }
func (h *h2Writer) CloseNotify() <-chan bool          { return h.closeNotify() }
func (h *h2Writer) EnableFullDuplex() error           { return h.enableFullDuplex() }
func (h *h2Writer) Push(target string, opts *http.PushOptions) error {
	return h.w.(http.Pusher).Push(target, opts)
}

// recWriter wraps an httptest.ResponseRecorder.
type recWriter struct{ hookedWriter }

func (h *recWriter) Flush()                            { h.flush() }
func (h *recWriter) WriteString(s string) (int, error) { return h.writeString(s) }

// snoop wraps any other writer with httpsnoop.
func (e *Exchange) snoop(w http.ResponseWriter) http.ResponseWriter {
	return httpsnoop.Wrap(w, httpsnoop.Hooks{
		WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
			return func(code int) { e.releaseKept(w); e.beforeWriteHeader(code); next(code) }
		},
		Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
			return func(b []byte) (int, error) { return e.WriteBody(writerFunc(next), http.StatusOK, b) }
		},
		WriteString: func(next httpsnoop.WriteStringFunc) httpsnoop.WriteStringFunc {
			return func(s string) (int, error) {
				return e.WriteBodyString(stringWriterFunc(next), http.StatusOK, s)
			}
		},
		ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
			return func(src io.Reader) (int64, error) {
				_, _ = e.WriteBody(w, http.StatusOK, nil)
				if e.holding.Load() {
					return io.Copy(writerFunc(func(b []byte) (int, error) { return e.WriteBody(w, http.StatusOK, b) }), src)
				}
				return next(src)
			}
		},
		Flush: func(next httpsnoop.FlushFunc) httpsnoop.FlushFunc {
			return func() { _, _ = e.WriteBody(w, http.StatusOK, nil); next() }
		},
		FlushError: func(next httpsnoop.FlushErrorFunc) httpsnoop.FlushErrorFunc {
			return func() error { _, _ = e.WriteBody(w, http.StatusOK, nil); return next() }
		},
		Hijack: func(next httpsnoop.HijackFunc) httpsnoop.HijackFunc {
			return func() (net.Conn, *bufio.ReadWriter, error) {
				_, _ = e.WriteBody(w, http.StatusOK, nil)
				return e.hijacked(next())
			}
		},
	})
}

// writerFunc is a function as an io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// stringWriterFunc is a function as an io.StringWriter.
type stringWriterFunc func(string) (int, error)

func (f stringWriterFunc) WriteString(s string) (int, error) { return f(s) }

// releaseKept writes the body kept while the call was in flight (see WriteBody), if any:
// before anything that must follow it.
func (e *Exchange) releaseKept(w io.Writer) {
	v := (*Visit)(e)
	if v.sent.Load() {
		return
	}
	v.mu.Lock()
	kept := v.stream != nil && len(v.stream.pre) > 0
	v.mu.Unlock()
	if kept {
		_, _ = e.WriteBody(w, http.StatusOK, nil)
	}
}

// hijacked passes a Hijack's results on; after a successful one the handler owns the
// connection, so the page's deferred regions are dropped: End neither waits for Personyze
// for them nor writes to the connection.
func (e *Exchange) hijacked(c net.Conn, rw *bufio.ReadWriter, err error) (net.Conn, *bufio.ReadWriter, error) {
	if err == nil {
		v := (*Visit)(e)
		v.mu.Lock()
		if v.stream != nil {
			v.stream.deferred, v.stream.tail = nil, nil
		}
		v.mu.Unlock()
		v.holding.Store(false)
	}
	return c, rw, err
}
