package core

import "context"

// ContextKey is the key under which framework adapters mirror the *Visit into their own
// per-request stores (gin's c.Set, echo's c.Set), so templates that only see those stores
// can reach it. The request context stays the one source of truth: see FromContext.
const ContextKey = "personyze"

// visitKey is the one context key of this library. It is unexported so nothing but Begin
// can store a Visit under it.
type visitKey struct{}

// newContext returns a copy of ctx that carries v.
func newContext(ctx context.Context, v *Visit) context.Context {
	return context.WithValue(ctx, visitKey{}, v)
}

// FromContext returns the Visit of the request whose context is ctx. It never returns nil:
// without the middleware it returns an inactive Visit whose methods do nothing, so handlers
// and templates never need a nil check.
func FromContext(ctx context.Context) *Visit {
	if ctx != nil {
		if v, ok := ctx.Value(visitKey{}).(*Visit); ok && v != nil {
			return v
		}
	}
	return &Visit{call: Call{Outcome: OutcomeSkipped}, reason: reasonNoMiddleware}
}
