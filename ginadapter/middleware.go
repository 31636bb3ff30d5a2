// Package ginadapter adapts the Personyze middleware to Gin (github.com/gin-gonic/gin).
package ginadapter

import (
	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
)

// Options configure MiddlewareWithOptions. The zero value is what Middleware uses.
type Options struct {
	// Skipper, when it returns true, passes the request on without a Visit (handlers then
	// see an inactive one). It has the signature of gin.Skipper, so existing skippers fit.
	// Nil skips nothing.
	//
	// Usually not needed: which requests are tracked is core's decision
	// (core.Config.Classify, core.IgnorePaths) and applies to every adapter.
	Skipper func(c *gin.Context) bool
}

// Middleware returns Gin middleware that gives every request a *core.Visit and makes the
// page's Personyze call before the response header is written. It is
// MiddlewareWithOptions with the zero Options.
func Middleware(tr *core.Tracker) gin.HandlerFunc {
	return MiddlewareWithOptions(tr, Options{})
}

// MiddlewareWithOptions is Middleware with Options.
//
// Read the Visit with Visit(c) or core.FromContext(c.Request.Context()); with
// engine.ContextWithFallback set, core.FromContext(c) works too. It is also stored under
// core.ContextKey with c.Set for templates that only see the context keys.
//
// Gin has no hook before the header is written, so during the handlers c.Writer is a
// wrapper that commits the Visit right before the header goes out (WriteHeaderNow, Write,
// WriteString, Flush, Hijack); the original writer is restored afterwards. The status Gin
// records before that (c.Status, c.HTML, its own 404) is passed to core.Visit.SetStatus, so
// a template rendered into a buffer before the header makes no page view of an error page.
func MiddlewareWithOptions(tr *core.Tracker, o Options) gin.HandlerFunc {
	return func(c *gin.Context) {
		if o.Skipper != nil && o.Skipper(c) {
			c.Next()
			return
		}
		ex := tr.Begin(c.Writer, c.Request)
		if ex.Served() { // the script of personyzeScript
			c.Abort()
			return
		}
		c.Request = ex.Request()
		c.Set(core.ContextKey, ex.Visit())
		if !ex.Active() {
			c.Next()
			return
		}
		if !c.Writer.Written() {
			// The status Gin has recorded so far: its own 404 or 405 for the NoRoute and
			// NoMethod handlers, 200 otherwise.
			_ = ex.Visit().SetStatus(c.Writer.Status())
		}
		w := &writer{ResponseWriter: c.Writer, ex: ex}
		c.Writer = w
		defer func() {
			c.Writer = w.ResponseWriter
			// A status set without a body (c.Status) is written by gin after this returns.
			ex.BeforeHeader(w.ResponseWriter.Status())
			ex.End()
		}()
		c.Next()
	}
}

// Visit returns the Visit of the request c serves (an inactive one without the
// middleware, never nil).
func Visit(c *gin.Context) *core.Visit {
	return core.FromContext(c.Request.Context())
}
