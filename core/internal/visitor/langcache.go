package visitor

import "sync"

// Bounds of a Detector's Accept-Language cache: sites see a few hundred distinct
// headers, so the first maxLangCached are kept (never evicted) and any others are
// parsed each time, as are headers longer than maxLangCachedLen. Memory stays bounded
// whatever visitors send.
const (
	maxLangCached    = 1024
	maxLangCachedLen = 256
)

// langCache remembers Languages results: x/text's Accept-Language parser costs a few
// microseconds and several allocations, a lookup neither.
type langCache struct {
	mu sync.RWMutex
	m  map[string]string
}

// Languages is the package's Languages with the result cached per header value.
func (d *Detector) Languages(acceptLanguage string) string {
	if d == nil || len(acceptLanguage) > maxLangCachedLen { // a nil Detector has no cache
		return Languages(acceptLanguage)
	}
	c := &d.langs
	c.mu.RLock()
	v, ok := c.m[acceptLanguage]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = Languages(acceptLanguage)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	if len(c.m) < maxLangCached {
		c.m[acceptLanguage] = v
	}
	c.mu.Unlock()
	return v
}
