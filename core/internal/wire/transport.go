package wire

import (
	"net"
	"net/http"
	"time"
)

// Transport tuning. The standard library keeps only 2 idle connections per host, which makes a
// busy site open a new TLS connection for most page views (golang/go#13801); every page here
// calls the same host, so nearly all idle capacity goes to it.
const (
	transportMaxIdleConns        = 512
	transportMaxIdleConnsPerHost = 256
	transportIdleConnTimeout     = 90 * time.Second
	transportDialTimeout         = 5 * time.Second
	transportKeepAlive           = 30 * time.Second
	transportTLSHandshakeTimeout = 5 * time.Second
	// transportResponseHeaderTimeout is a backstop for calls whose context has no deadline
	// (background delivery); page calls are bounded by Config.Timeout anyway.
	transportResponseHeaderTimeout = 10 * time.Second
)

// newTransport builds the dedicated transport used when the Config supplies neither
// HTTPClient nor Transport.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: transportDialTimeout, KeepAlive: transportKeepAlive}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		MaxIdleConns:          transportMaxIdleConns,
		MaxIdleConnsPerHost:   transportMaxIdleConnsPerHost,
		IdleConnTimeout:       transportIdleConnTimeout,
		TLSHandshakeTimeout:   transportTLSHandshakeTimeout,
		ResponseHeaderTimeout: transportResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// newHTTPClient returns the http.Client the wire Client uses. Redirects are not followed: the
// tracker never redirects, a POST would turn into a GET, and the key must not travel elsewhere.
func newHTTPClient(cfg *Options) *http.Client {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient
	}
	rt := cfg.Transport
	if rt == nil {
		rt = newTransport()
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
