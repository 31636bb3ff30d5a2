package personyzetest

import (
	"log/slog"
	"time"
)

// DefaultAPIKey is the key a Server accepts when Options.APIKey is empty. It has the shape
// of a real key (40 upper-case hex digits) so that clients validating the length accept it.
const DefaultAPIKey = "7E57C0DE7E57C0DE7E57C0DE7E57C0DE7E57C0DE"

// Protocol limits and defaults the simulator applies.
const (
	// MaxRequestBytes is the largest request body (after gzip decoding) the simulator
	// accepts; larger bodies get a 500, as the protocol limit is 50,000 bytes.
	MaxRequestBytes = 50000
	// SessionDuration is how long a session lives from its start before the simulator
	// starts a new one.
	SessionDuration = 90 * time.Minute
	// DefaultItemsPerAction is the number of items per recommendation action when
	// Options.ItemsPerAction is zero.
	DefaultItemsPerAction = 4
	// DefaultMaxRequests is how many requests a Server records when Options.MaxRequests
	// is zero; older ones are dropped first.
	DefaultMaxRequests = 10000
	// DefaultMaxRecordedBytes is the most bytes the recorded tracker requests hold (and,
	// apart, the recorded metadata requests) when Options.MaxRecordedBytes is zero: some
	// 15,000 requests of a page view and a few events, so DefaultMaxRequests is normally
	// reached first, but not by requests of up to MaxRequestBytes each.
	DefaultMaxRecordedBytes = 32 << 20
	// DefaultMaxVisitors is how many visitors a Server remembers; the one seen least
	// recently is forgotten first.
	DefaultMaxVisitors = 10000
	// DefaultMaxVisitorBytes bounds the bytes the remembered visitors hold (estimated):
	// the least recently seen are forgotten first. A visitor of a demo shop holds about
	// a kilobyte, so DefaultMaxVisitors is reached first, but not by visitors who fill
	// their histories with long ids.
	DefaultMaxVisitorBytes = 32 << 20
	// InitialCacheVersion is the cache_version of a new Server's answers; see
	// Server.BumpCacheVersion.
	InitialCacheVersion int64 = 1
)

// Ids of the actions and the condition the simulator answers page views with.
const (
	// ActionViewedTogether lists products that other visitors viewed together with the
	// products this visitor viewed. Present only when there is at least one such product.
	ActionViewedTogether int64 = 101
	// ActionPopular lists the most viewed and purchased products across visitors, in
	// catalog order (permuted by Options.Seed) when nothing distinguishes them.
	ActionPopular int64 = 102
	// ActionArticles lists articles for the visitor, preferring the topics they read.
	ActionArticles int64 = 201
	// ConditionRecommendations ("Product recommendations") is the condition (campaign)
	// reported whenever a response carries at least one of the three actions above.
	ConditionRecommendations int64 = 5
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// APIKey is the key the server accepts; empty means DefaultAPIKey.
	APIKey string
	// Products is the product catalog recommendations draw from. When both Products and
	// Articles are nil, DefaultCatalog is used.
	Products []Product
	// Articles is the article catalog for ActionArticles.
	Articles []Article
	// Seed makes session ids and tie-breaking reproducible: two servers with the same Seed,
	// catalog and clock answer the same request sequence identically. Seed 0 breaks ties
	// in catalog order.
	Seed int64
	// Clock is the time source for sessions and recorded times; nil means the real clock.
	// Injected latency (FaultLatency) always uses real time.
	Clock Clock
	// ItemsPerAction is the number of items per recommendation action; 0 means
	// DefaultItemsPerAction.
	ItemsPerAction int
	// MaxRequests caps the number of recorded requests (the oldest are dropped); 0 means
	// DefaultMaxRequests and a negative value records nothing.
	MaxRequests int
	// MaxRecordedBytes caps the bytes the recorded requests hold (bodies, headers and
	// decoded commands, estimated), the oldest dropped first; the recorded metadata
	// requests have a cap of their own of the same size. 0 means DefaultMaxRecordedBytes
	// and a negative value sets no byte cap (MaxRequests still applies): for a test that
	// must see every one of many large requests.
	MaxRecordedBytes int
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
	// Account defines the campaigns, HTML actions, placeholders and event rules; nil
	// means DemoAccount(). Use &Account{} for recommendations only.
	Account *Account
}
