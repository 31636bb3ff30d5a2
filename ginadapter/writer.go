package ginadapter

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
)

// writer is the gin.ResponseWriter handlers see while the middleware runs. Gin's
// WriteHeader only records the status, which the Visit is told; the header goes out at
// WriteHeaderNow, Write, WriteString, Flush or Hijack, so those commit the Visit first.
// Status, CloseNotify and Pusher pass through the embedded writer unchanged; Written and
// Size count what the Exchange holds too.
type writer struct {
	gin.ResponseWriter
	ex *core.Exchange
}

// WriteHeader records the status as Gin does (the header goes out later) and tells the
// Visit: a template that reads recommendations after c.Status or c.HTML set an error status
// (rendering into a buffer, say) then makes no page view.
func (w *writer) WriteHeader(code int) {
	if !w.Written() {
		_ = w.ex.Visit().SetStatus(code) // ErrTooLate: the page view was made on purpose
	}
	w.ResponseWriter.WriteHeader(code)
}

// WriteHeaderNow commits the Visit, then writes the header.
func (w *writer) WriteHeaderNow() {
	if !w.ResponseWriter.Written() {
		_, _ = w.ex.WriteBody(w.ResponseWriter, w.Status(), nil) // BeforeHeader, and the body kept so far
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Write commits the Visit, then writes b.
// Write and WriteString go through Exchange.WriteBody, which keeps the first bytes of a
// page view while its call is in flight and streams its regions (see core's Regions).
func (w *writer) Write(b []byte) (int, error) {
	return w.ex.WriteBody(w.ResponseWriter, w.Status(), b)
}

// WriteString commits the Visit, then writes s.
func (w *writer) WriteString(s string) (int, error) {
	return w.ex.WriteBodyString(w.ResponseWriter, w.Status(), s)
}

// Flush commits the Visit, then flushes (which writes the header when it is unsent).
func (w *writer) Flush() {
	_, _ = w.ex.WriteBody(w.ResponseWriter, w.Status(), nil)
	w.ResponseWriter.Flush()
}

// Hijack commits the Visit (the page's call is made; the cookie cannot travel on a
// hijacked connection), then hands over the connection.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	_, _ = w.ex.WriteBody(w.ResponseWriter, w.Status(), nil)
	return w.ResponseWriter.Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Written and Size count the bytes the Exchange holds (see core.Exchange.Held): the
// handler wrote them, so an error middleware must not write a second body.
func (w *writer) Written() bool { return w.ResponseWriter.Written() || w.ex.Held() > 0 }

func (w *writer) Size() int {
	n, held := w.ResponseWriter.Size(), w.ex.Held()
	if held == 0 {
		return n
	}
	return max(n, 0) + held
}

var _ gin.ResponseWriter = (*writer)(nil)
