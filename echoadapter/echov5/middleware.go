// Package echov5 adapts the Personyze middleware to Echo v5 (github.com/labstack/echo/v5).
// It behaves exactly like echoadapter (for Echo v4) and passes the same conformance suite;
// the two live side by side so moving from v4 to v5 is an import change.
package echov5

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/gopersonyze/personyze/core"
)

// Options configure MiddlewareWithOptions. The zero value is what Middleware uses.
type Options struct {
	// Skipper, when it returns true, passes the request on without a Visit (handlers then
	// see an inactive one). It has the signature of echo/v5/middleware.Skipper, so
	// middleware.DefaultSkipper and existing skippers fit. Nil skips nothing.
	//
	// Usually not needed: which requests are tracked is core's decision
	// (core.Config.Classify, core.IgnorePaths) and applies to every adapter.
	Skipper func(c *echo.Context) bool
}

// Middleware returns Echo middleware that gives every request a *core.Visit and makes the
// page's Personyze call before the response header is written. It is
// MiddlewareWithOptions with the zero Options.
func Middleware(tr *core.Tracker) echo.MiddlewareFunc {
	return MiddlewareWithOptions(tr, Options{})
}

// MiddlewareWithOptions is Middleware with Options.
//
// Read the Visit with Visit(c) or core.FromContext(c.Request().Context()); it is also
// stored under core.ContextKey with c.Set. The Visit commits (makes the page's call and
// writes the cookie) in a Before hook of the context's *echo.Response, and at a flush or
// hijack before the first write, which Echo's Response passes to the underlying writer
// without running its Before hooks. When a handler returns an error, the Visit ends
// before Echo's HTTPErrorHandler runs (Echo calls it after the middleware chain has
// returned): the cookie is then already in the response header the error handler writes,
// the error handler can still read recommendations, and commands it tracks go to
// background delivery.
func MiddlewareWithOptions(tr *core.Tracker, o Options) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if o.Skipper != nil && o.Skipper(c) {
				return next(c)
			}
			ex := tr.Begin(c.Response(), c.Request())
			if ex.Served() { // the script of personyzeScript
				return nil
			}
			c.SetRequest(ex.Request())
			c.Set(core.ContextKey, ex.Visit())
			if !ex.Active() {
				return next(c)
			}
			defer ex.End()
			// A writer installed by an earlier middleware that does not unwrap to
			// *echo.Response leaves no hook: then only End commits, in time for a handler
			// that writes nothing or returns an error.
			status := 0
			above := false
			if w := c.Response(); !isResponse(w) {
				// An earlier middleware's writer (middleware.Gzip's) is what the handler
				// writes to: the hook goes on top of it, where the body is still the page
				// (see core.Exchange.WriteBody), and End writes the streamed regions to it.
				c.SetResponse(ex.Wrap(w))
				defer c.SetResponse(w)
				above = true
			}
			res, err := echo.UnwrapResponse(c.Response())
			if err == nil {
				res.Before(func() { ex.BeforeHeader(res.Status) })
				// Response.Flush and Hijack bypass the Before hooks: a handler that flushes
				// before writing would send the header without the cookie. The writer under
				// Response commits on those too (the hook above does when there is one).
				if !above {
					orig := res.ResponseWriter
					res.ResponseWriter = ex.Wrap(orig)
					defer func() { res.ResponseWriter = orig }()
				}
			}
			err = next(c)
			if res != nil {
				status = res.Status
			}
			// A returned error is written by echo's error handler after this returns: its
			// status decides whether the page was one.
			ex.BeforeHeader(errorStatus(err, status))
			return err
		}
	}
}

// Visit returns the Visit of the request c serves (an inactive one without the
// middleware, never nil).
func Visit(c *echo.Context) *core.Visit {
	return core.FromContext(c.Request().Context())
}

// Render is c.Render(code, name, data) for a page whose template reads recommendations:
// Echo runs the Renderer into a buffer before it writes code, so Render tells the Visit
// code first (core.Visit.SetStatus), and a 404 or error page is then not a page view. It
// returns SetStatus's error for a code that is not an HTTP status, without rendering.
func Render(c *echo.Context, code int, name string, data any) error {
	if err := Visit(c).SetStatus(code); err != nil && !errors.Is(err, core.ErrTooLate) {
		return err // net/http would panic on writing it
	}
	return c.Render(code, name, data)
}

// errorStatus is the status echo's error handler writes for err, or status without error.
func errorStatus(err error, status int) int {
	if err == nil {
		return status
	}
	var sc echo.HTTPStatusCoder
	if errors.As(err, &sc) && sc.StatusCode() != 0 {
		return sc.StatusCode()
	}
	return http.StatusInternalServerError
}

// isResponse reports whether w is Echo's own *echo.Response.
func isResponse(w http.ResponseWriter) bool {
	_, ok := w.(*echo.Response)
	return ok
}
