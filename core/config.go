package core

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/sessions"
)

// Version is the library version; it is part of the default User-Agent, so Personyze's Live
// Visits dashboard shows which build sent a call.
const Version = "0.1.0"

// Defaults of the Config fields; each field's documentation gives its default too.
const (
	defaultBaseURL          = "https://app.personyze.com/rest/"
	defaultUserAgent        = "gopersonyze/" + Version + " (+https://github.com/gopersonyze/personyze)"
	defaultTimeout          = 300 * time.Millisecond
	defaultMaxResponseBytes = 1 << 20
	defaultSessionName      = "personyze"
	defaultCookiePath       = "/"
	defaultCookieMaxAge     = 400 * 24 * 60 * 60 // 400 days, the longest lifetime browsers honour
	defaultQueueSize        = 1024
	defaultMaxRetries       = 6
	defaultRetryBackoff     = 250 * time.Millisecond
	defaultBreakerFailures  = 5
	defaultBreakerCooldown  = 10 * time.Second
	defaultStaleCacheSize   = 10000
	defaultUACacheSize      = 4096
	defaultAttributionParam = "pz"
	defaultLogInterval      = 10 * time.Second
	defaultEnvScriptPath    = "/personyze-env.js"
	defaultInlineWait       = 40 * time.Millisecond
	defaultStreamBudget     = 1500 * time.Millisecond
	defaultStreamScriptPath = "/personyze-stream.js"
	defaultStoreTimeout     = 20 * time.Millisecond
)

// Config configures the library. The zero value of every field means its documented default,
// so a Config with only APIKey set is a working production configuration (plus SessionKeys).
//
// Config implements fmt.Stringer, fmt.GoStringer and slog.LogValuer so that printing or
// logging it never reveals the API key.
type Config struct {
	// --- wire ---

	// APIKey is the "Full-featured API" key from Personyze Settings → Integrations. Required;
	// it must be exactly 40 characters. It is never printed, logged or put in an error.
	APIKey string
	// BaseURL is Personyze's REST base URL. Default "https://app.personyze.com/rest/". It must be absolute; plain
	// http is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1), because Personyze
	// answers plain HTTP with 401 and the key would travel in clear text. A missing trailing
	// slash is added.
	BaseURL string
	// UserAgent is sent with every call and shown in Personyze's dashboard. Default
	// "gopersonyze/<Version> (+https://github.com/gopersonyze/personyze)".
	UserAgent string
	// Timeout is the latency budget of the page-blocking call. Default 300ms: short on
	// purpose, a page must never wait noticeably for recommendations. The call itself goes on
	// in the background after the page stopped waiting, so its events are not lost.
	Timeout time.Duration
	// HTTPClient, when set, is used as is (its Transport may be wrapped by the user, e.g. for
	// tracing). Default nil: the library builds its own client with a tuned transport.
	HTTPClient *http.Client
	// Transport, when set and HTTPClient is nil, is used by the library's own http.Client.
	// Default nil: a dedicated http.Transport with enough idle connections per host.
	Transport http.RoundTripper
	// MaxResponseBytes bounds the decoded (after gzip) response size. Default
	// 1 MiB; bigger responses fail with ErrResponseTooLarge.
	MaxResponseBytes int64
	// Logger receives the library's log lines. Default slog.Default().
	Logger *slog.Logger
	// DebugLog writes one Debug line per request the middleware sees to Logger, for apps
	// without a browser at hand to open the inspector (see Tracker.Inspector): method,
	// path, kind, reason, outcome, latency (how long the page waited for Personyze) and
	// the commands its call carried (a User Profile's value left out), e.g.
	//
	//	level=DEBUG msg="personyze: request" method=GET path=/products/p1 kind=page reason="page view" outcome=ok latency=3.2ms commands="Product Viewed(p1), Navigate(/products/p1)" status=200 user_id=1180641245
	//
	// New refuses it when Logger drops Debug lines. Default false. For development: it
	// costs a line and some allocations per request.
	DebugLog bool

	// --- visit lifecycle ---

	// SessionStore is the application's own gorilla sessions store. Default nil: a built-in
	// signed and encrypted cookie store keyed by SessionKeys.
	SessionStore sessions.Store
	// SessionKeys are pairs of (hash key, block key) for the built-in cookie store, newest pair
	// first; older pairs after it allow key rotation. Default none, which is an error unless
	// Development is set.
	SessionKeys [][]byte
	// SessionName is the cookie session name. Default "personyze".
	SessionName string
	// CookiePath is the cookie path. Default "/".
	CookiePath string
	// CookieMaxAge is the cookie lifetime in seconds. Default 400 days, the longest lifetime browsers honour.
	CookieMaxAge int
	// CookieDomain is the cookie domain. Default "" (host-only cookie).
	CookieDomain string
	// Development allows missing SessionKeys (random keys per process) and logs a warning.
	// Default false.
	Development bool
	// UserKey returns the application's own identity of the visitor; "" means anonymous.
	// Default nil: every visitor is anonymous. When the user is known only after the app's
	// auth middleware, that middleware calls Visit.SetUserKey instead.
	UserKey func(*http.Request) string
	// Classify decides which requests are page views (a Navigate is sent), which only carry
	// events, and which are ignored (bots, static assets, prefetches). Default
	// DefaultClassifier; compose with Classifiers, e.g. Classifiers(DefaultClassifier,
	// IgnorePaths("/healthz")).
	Classify Classifier
	// Now is the clock used for the 90-minute session rule, log rate limiting and the
	// backoff after a failed metadata fetch. Default time.Now; tests set a fake clock.
	Now func() time.Time
	// DocumentName names the page in the Navigate command. Default: r.URL.Path. A handler
	// may name its own page with Visit.SetDocumentName. Either name is cut to
	// MaxDocumentName encoded bytes (see Navigate); "" leaves the request to the default.
	DocumentName func(*http.Request) string
	// Consent reports whether the visitor consented to tracking. Default nil: consent assumed.
	// Without consent nothing is sent and no cookie is written; a visitor refused consent
	// who still carries this library's cookies has withdrawn it, and the response deletes
	// them (see Visit.Forget). A handler may decide for its request with Visit.SetConsent.
	Consent func(*http.Request) bool
	// HonorGPC treats "Sec-GPC: 1" as no consent. Default false.
	HonorGPC bool
	// LeaveCacheHeaders leaves Vary and Cache-Control to the application. Default false: a
	// response that carries the session cookie or recommendations gets "Vary: Cookie" and
	// "Cache-Control: private" (an app's "public" becomes "private"), so no shared cache
	// serves one visitor's page or cookie to another. Set it only when your own caching
	// already keeps such responses out of shared caches.
	LeaveCacheHeaders bool
	// EnvScriptPath is the same-origin URL path of the script that the personyzeScript
	// template function loads when the page's Content-Security-Policy refuses it inline, or
	// when the page has none (see Tracker.FuncMap). The middleware answers GET and HEAD
	// requests for it itself, before the application's routes and without any session or
	// tracking work, cacheable for a year under a URL that carries its content hash; so the
	// middleware must see that path (install it on the whole router, not on a group of
	// routes). Default "/personyze-env.js"; it must be an absolute, clean path of letters,
	// digits and "-._~/" that no route of the application uses. Pages name it as the
	// middleware sees it, so browsers must reach it under the same path (not the case
	// behind a proxy that strips a path prefix).
	EnvScriptPath string
	// InlineWait is how long a personalized region (personyzeRegion, Visit.RenderRegion)
	// waits for Personyze's answer: answered in time, the region renders in place as any
	// template does; else the page goes out with the region's fallback and the region is
	// streamed at the end of the same response (see StreamBudget and "Regions" in the
	// package documentation). Default 40ms (Timeout when that is shorter); at most Timeout.
	InlineWait time.Duration
	// StreamBudget is how long after the page's call started a streamed region still waits
	// for the answer; past it the fallback stays and the response ends. Default 1.5s (Timeout
	// when that is longer); at least Timeout. A negative value turns streaming off: regions then wait up to Timeout
	// and render in place, as pages that read recommendations directly do.
	StreamBudget time.Duration
	// StreamScriptPath is the same-origin URL path of the tiny script that puts streamed
	// regions in place, served by the middleware like EnvScriptPath (same rules). Default
	// "/personyze-stream.js".
	StreamScriptPath string
	// QueueSize is the capacity of the asynchronous delivery queue. Default 1024.
	QueueSize int
	// MaxRetries is how often a failed asynchronous delivery is retried. Default
	// 6; a negative value disables retries.
	MaxRetries int
	// RetryBackoff is the base backoff between retries. Default 250ms;
	// the wait doubles per attempt, at least the server's Retry-After, at most 30s, and
	// during Tracker.Close at most half the time left before its deadline.
	RetryBackoff time.Duration
	// BreakerFailures is the number of consecutive failures that open the circuit breaker.
	// Default 5.
	BreakerFailures int
	// BreakerCooldown is how long an open breaker waits before probing. Default
	// 10s.
	BreakerCooldown time.Duration
	// StaleCacheSize is the number of visitors whose last good recommendations are kept (LRU),
	// within 32 MiB in all (estimated; the least recently used go first when answers are
	// large). Default 10000; a negative value disables the cache.
	StaleCacheSize int
	// UserAgentParser replaces the User-Agent parser (github.com/mssola/useragent by default).
	// The library applies its own tablet, phone, bot, client-hint and Windows 11 corrections
	// on top of what it reports. Default nil: the built-in parser.
	UserAgentParser UserAgentParser
	// UACacheSize is the number of parsed User-Agent entries cached. Default 4096.
	UACacheSize int
	// AttributionParam is the query parameter carrying the action id of a recommendation link.
	// Default "pz".
	AttributionParam string
	// LogInterval is the minimum interval between repeated failure log lines. Default
	// 10s.
	LogInterval time.Duration
	// OnCall, when set, is called after every tracker call: each page call and each
	// background delivery attempt (see CallInfo), on the goroutine that made it, so it
	// must be quick and safe for concurrent use; a panic in it is logged and contained.
	// Packages core/personyzeotel and core/personyzeprom provide hooks for OpenTelemetry
	// and Prometheus. Default nil, which costs nothing.
	OnCall func(CallInfo)
	// VisitorStore shares what the library knows about a visitor beyond their cookie with
	// the application's other instances: the session id of an answer that came after its
	// page, and the last result (stale recommendations, merges). Package
	// core/personyzeredis implements it on Redis. Default nil: this process's memory only.
	VisitorStore VisitorStore
	// DurableQueue makes background delivery survive the process: requests go to it, and
	// every instance delivers from it (see DurableQueue). Package core/personyzeredis
	// implements it on Redis. Default nil: the in-memory queue of Config.QueueSize.
	DurableQueue DurableQueue
	// StoreTimeout is the budget of a request's read of the VisitorStore, on top of
	// Config.Timeout; past it (or when the store fails) the request uses this process's
	// memory, counted in Stats.StoreFallbacks. Default 20ms.
	StoreTimeout time.Duration
}

// defaultDocumentName is the documented DocumentName default.
func defaultDocumentName(r *http.Request) string { return r.URL.Path }

// withDefaults returns cfg with every zero field replaced by its documented default.
// Negative values that carry a meaning (MaxRetries, StaleCacheSize) are kept.
func (cfg Config) withDefaults() Config {
	if cfg.BaseURL == "" {
		cfg.BaseURL = defaultBaseURL
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = defaultMaxResponseBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionName == "" {
		cfg.SessionName = defaultSessionName
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = defaultCookiePath
	}
	if cfg.CookieMaxAge == 0 {
		cfg.CookieMaxAge = defaultCookieMaxAge
	}
	if cfg.DocumentName == nil {
		cfg.DocumentName = defaultDocumentName
	}
	if cfg.Classify == nil {
		cfg.Classify = DefaultClassifier
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = defaultQueueSize
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = defaultMaxRetries
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = defaultRetryBackoff
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = defaultBreakerFailures
	}
	if cfg.BreakerCooldown == 0 {
		cfg.BreakerCooldown = defaultBreakerCooldown
	}
	if cfg.StaleCacheSize == 0 {
		cfg.StaleCacheSize = defaultStaleCacheSize
	}
	if cfg.UACacheSize == 0 {
		cfg.UACacheSize = defaultUACacheSize
	}
	if cfg.AttributionParam == "" {
		cfg.AttributionParam = defaultAttributionParam
	}
	if cfg.LogInterval == 0 {
		cfg.LogInterval = defaultLogInterval
	}
	if cfg.EnvScriptPath == "" {
		cfg.EnvScriptPath = defaultEnvScriptPath
	}
	if cfg.InlineWait == 0 {
		cfg.InlineWait = min(defaultInlineWait, cfg.Timeout)
	}
	if cfg.StreamBudget == 0 {
		cfg.StreamBudget = max(defaultStreamBudget, cfg.Timeout)
	}
	if cfg.StreamScriptPath == "" {
		cfg.StreamScriptPath = defaultStreamScriptPath
	}
	if cfg.StoreTimeout == 0 {
		cfg.StoreTimeout = defaultStoreTimeout
	}
	return cfg
}

// redactedKey describes the key without revealing any part of it: not even a prefix, because a
// prefix plus the length narrows a 40-hex key for nobody's benefit.
func (cfg Config) redactedKey() string {
	if cfg.APIKey == "" {
		return "[unset]"
	}
	return "[REDACTED]"
}

// String implements fmt.Stringer (used by %v and %+v) without the API key.
func (cfg Config) String() string {
	return fmt.Sprintf("core.Config{APIKey:%s BaseURL:%q UserAgent:%q Timeout:%v MaxResponseBytes:%d "+
		"HTTPClient:%t Transport:%t SessionStore:%t SessionKeys:%d SessionName:%q Development:%t}",
		cfg.redactedKey(), cfg.BaseURL, cfg.UserAgent, cfg.Timeout, cfg.MaxResponseBytes,
		cfg.HTTPClient != nil, cfg.Transport != nil, cfg.SessionStore != nil, len(cfg.SessionKeys),
		cfg.SessionName, cfg.Development)
}

// GoString implements fmt.GoStringer (used by %#v) without the API key or the session keys.
func (cfg Config) GoString() string { return cfg.String() }

// Format implements fmt.Formatter so that every verb prints the redacted form: without it,
// verbs that bypass String and GoString (%d, for one) print the raw fields, key included.
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }

// LogValue implements slog.LogValuer so that logging a Config shows its settings but never the
// API key or the session keys.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_key", cfg.redactedKey()),
		slog.String("base_url", cfg.BaseURL),
		slog.String("user_agent", cfg.UserAgent),
		slog.Duration("timeout", cfg.Timeout),
		slog.Int64("max_response_bytes", cfg.MaxResponseBytes),
		slog.Bool("custom_http_client", cfg.HTTPClient != nil),
		slog.Bool("custom_transport", cfg.Transport != nil),
		slog.Int("session_keys", len(cfg.SessionKeys)),
		slog.String("session_name", cfg.SessionName),
		slog.Bool("development", cfg.Development),
	)
}

// apiKeyLength is the length of every Personyze API key; both official SDKs check it.
const apiKeyLength = 40

// validateWire checks the wire fields of an effective Config and normalizes BaseURL (trailing
// slash). Its errors say how to fix the problem and never contain the key.
func (cfg *Config) validateWire() error {
	if n := utf8.RuneCountInString(cfg.APIKey); n != apiKeyLength || len(cfg.APIKey) != apiKeyLength {
		return &ConfigError{Field: "APIKey",
			Problem: fmt.Sprintf("has %d characters, a Personyze API key has %d", n, apiKeyLength),
			Fix:     `copy the key from the "Full-featured API" section of Personyze Settings → Integrations`}
	}
	for i := 0; i < len(cfg.APIKey); i++ {
		if b := cfg.APIKey[i]; b <= ' ' || b > '~' {
			return &ConfigError{Field: "APIKey",
				Problem: fmt.Sprintf("character %d is a space, control or non-ASCII character", i+1),
				Fix:     "check for stray whitespace or quotes around the key where it is loaded"}
		}
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return &ConfigError{Field: "BaseURL", Problem: fmt.Sprintf("%q is not an absolute URL", cfg.BaseURL),
			Fix: "use an absolute URL such as " + defaultBaseURL + ", or leave it empty for the default"}
	}
	switch {
	case u.User != nil:
		return &ConfigError{Field: "BaseURL", Problem: "contains user information",
			Fix: "remove it from the URL; the key goes in Config.APIKey"}
	case u.RawQuery != "" || u.Fragment != "":
		return &ConfigError{Field: "BaseURL", Problem: "has a query or fragment",
			Fix: "use the REST base only, such as " + defaultBaseURL}
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return &ConfigError{Field: "BaseURL", Problem: fmt.Sprintf("uses plain http to non-loopback host %q", u.Hostname()),
			Fix: "use https (Personyze answers plain HTTP with 401 and the key would travel in clear text); http is only for localhost test servers"}
	case u.Scheme != "http" && u.Scheme != "https":
		return &ConfigError{Field: "BaseURL", Problem: fmt.Sprintf("scheme %q is not http or https", u.Scheme),
			Fix: "use an https URL such as " + defaultBaseURL}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	cfg.BaseURL = u.String()
	if strings.ContainsAny(cfg.UserAgent, "\r\n\x00") {
		return &ConfigError{Field: "UserAgent", Problem: "contains a line break or NUL",
			Fix: "use a single-line User-Agent, or leave it empty for the default"}
	}
	if cfg.Timeout < 0 {
		return &ConfigError{Field: "Timeout", Problem: fmt.Sprintf("is negative (%v)", cfg.Timeout),
			Fix: "use a positive duration, or 0 for the default " + defaultTimeout.String()}
	}
	if cfg.MaxResponseBytes < 0 {
		return &ConfigError{Field: "MaxResponseBytes", Problem: fmt.Sprintf("is negative (%d)", cfg.MaxResponseBytes),
			Fix: "use a positive size, or 0 for the default 1 MiB"}
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP (127.0.0.0/8, ::1), the only
// hosts plain http may reach: nothing leaves the machine there.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
