// Package ginadapter adapts the Personyze middleware to Gin (github.com/gin-gonic/gin).
package ginadapter

import (
	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
)

// Option configures Middleware. There are none yet: the variadic keeps the signature
// stable for when one is needed. Which requests are tracked is core's decision
// (core.Config.Classify, core.IgnorePaths).
type Option func(*settings)

// settings is what Options configure.
type settings struct{}

// Middleware returns Gin middleware that gives every request a *core.Visit and makes the
// page's Personyze call before the response header is written.
//
// Read the Visit with Visit(c) or core.FromContext(c.Request.Context()); with
// engine.ContextWithFallback set, core.FromContext(c) works too. It is also stored under
// core.ContextKey with c.Set for templates that only see the context keys.
//
// Gin has no hook before the header is written, so during the handlers c.Writer is a
// wrapper that commits the Visit right before the header goes out (WriteHeaderNow, Write,
// WriteString, Flush, Hijack); the original writer is restored afterwards.
func Middleware(tr *core.Tracker, opts ...Option) gin.HandlerFunc {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return func(c *gin.Context) {
		v, r := tr.Begin(c.Writer, c.Request)
		c.Request = r
		c.Set(core.ContextKey, v)
		if !v.Active() {
			c.Next()
			return
		}
		w := &writer{ResponseWriter: c.Writer, v: v}
		c.Writer = w
		defer func() {
			c.Writer = w.ResponseWriter
			v.End()
		}()
		c.Next()
	}
}

// Visit returns the Visit of the request c serves (an inactive one without the
// middleware, never nil).
func Visit(c *gin.Context) *core.Visit {
	return core.FromContext(c.Request.Context())
}
