// Package personyzetest is a Personyze simulator, in the spirit of net/http/httptest.
//
// It serves the tracker-v1 endpoint of the Personyze REST API, and the three metadata
// endpoints clients read action content from, on 127.0.0.1 so that code talking to
// Personyze can be tested without the network and without an account:
//
//	srv := personyzetest.NewServer(personyzetest.Options{})
//	defer srv.Close()
//	cfg := core.Config{APIKey: srv.APIKey(), BaseURL: srv.URL()}
//
// It is meant for your own tests as much as for ours, and the example shops use it as
// their embedded default when no API key is configured.
//
// # Tracker
//
// The simulator behaves like the real service as far as Personyze's SDKs and the seed
// document show it: POST only, Basic auth with user "api" (401 "Invalid API key"
// otherwise), 500 with a message naming the problem for malformed or invalid requests,
// gzip in both directions, and session ids of the form "<unix seconds> <hex>".
//
// Sessions: a request starts a new session when it asks for one (new_session), when the
// visitor's current session is SessionDuration (90 minutes) old, or when its session_id
// is null or was never given to this visitor. A stale session id of the visitor (an old
// cookie, a request that raced a rotation) continues the current session: a stale id
// alone never starts one.
//
// Accepted input, beyond the obvious: command names in any letter case ("User Profile"
// and the SDKs' "User profile"); the seed's `"action_id", N` attribution suffix on every
// product and article command (["Product Added to cart", "p1", "action_id", 10]) and on
// the bulk commands, right after the name (["Products Purchased", "action_id", 10]); a
// Navigate document that is not valid URL-encoding, such as a raw "%" (the SDKs do not
// encode; Command.Document then returns it as sent); a null "User Profile" value, which
// clears the field; "Action Status" with the SDKs' four elements or the three-element
// "dont-show", the action id as a decimal string or a JSON integer, and the session
// count of "close" as a string or a JSON integer. Still refused: unknown commands,
// missing or empty item ids, any other suffix, a "close" count that is not a
// non-negative integer, a "product" or "article" click without an item id.
//
// # Answers: campaigns, actions, dismissals
//
// Every answer carries the server's current cache_version (InitialCacheVersion until a
// test calls Server.BumpCacheVersion, which makes clients drop their cached metadata).
// The version is sent on every answer rather than 0 for "unchanged", which the protocol
// also allows; a client must treat both alike.
//
// A page view (a request with a Navigate) is answered with:
//
//   - the recommendation actions computed from the events the simulator has seen
//     (ActionViewedTogether, ActionPopular, ActionArticles), JSON actions whose
//     data["data"] holds the items without their brackets, under the condition
//     ConditionRecommendations when there is at least one;
//   - then every campaign (Condition) of the account that applies to the page view, with
//     the actions it shows and their Data.
//
// A request without a Navigate (an event-only call) gets no recommendations: under the
// protocol's merge rule its answer lists only what starts applying and what stops. The
// account's EventRules decide both: a rule whose command is in the request sends its
// campaigns (and their actions) in "conditions" and "actions", and its dismiss lists in
// "dismiss_conditions" and "dismiss_actions". Rules do not look at what the visitor was
// shown before; event rules never apply to page views.
//
// # The demo account
//
// Options.Account nil means DemoAccount(): besides the recommendations it has the
// placeholders named "home-banner" and "product-sidebar" (the example shops render them
// by these names), the campaigns "Summer sale" (every page view; an HTML banner in
// "home-banner"), "Product page visitors" (page views with a "Product Viewed"; an HTML
// note in "product-sidebar") and "Cart reminder" (visitors with a non-empty cart; an HTML
// reminder in "product-sidebar"), and event rules that start the cart reminder on "Product
// Added to cart" and dismiss it on "Products Purchased" and "Products Removed from cart".
// The HTML actions keep their text in data["message"]. Tests configure their own with
// Options.Account (&Account{} for recommendations only) or Server.SetAccount.
//
// # Metadata endpoints
//
// The constant parts of actions, and the names of campaigns and placeholders, come from
// three GET endpoints under the same base URL and Basic auth as the tracker:
//
//	GET <base>actions/columns/id,name,content_type,content_param,content_begin,content_end,libs_app,placeholders/where/id:<id>,<id>,...
//	GET <base>placeholders/columns/id,name,html_id,units_count_max/where/id:<ids>
//	GET <base>conditions/columns/id,name/where/id:<ids>
//
// Each answers a JSON array of row objects with the columns asked for, in that order,
// by ascending id; ids the account does not define are simply absent (possibly "[]").
// Empty strings are sent as null, which Personyze's SDKs tolerate and clients must too;
// "placeholders" is an array of placeholder ids. An action's content is
// content_begin + data[content_param] + content_end. The columns and where clauses may
// come in either order and may be left out (all columns, all rows); where also accepts
// "id=<id>". Anything else (an unknown column or clause, an id that is not an integer,
// more than MaxMetadataIDs ids) is a 400 naming the problem; a bad key is a 401, another
// method a 405. Server.MetadataCounts counts the requests per endpoint and
// Server.MetadataRequests records them.
//
// # Recording, faults and time
//
// Everything a test needs to assert on is recorded: Server.Requests,
// Server.RequestsFor, Server.Commands, Server.Visitor, Server.ActionStatuses (every
// "Action Status" report per visitor, with the session it arrived in) and the metadata
// records above. Failures of every kind a client must survive can be switched on and off
// at run time, for the tracker with Server.SetFault and for the metadata endpoints,
// independently, with Server.SetMetadataFault. Time-dependent behaviour (the 90-minute
// session rule, recorded times) reads Options.Clock, so tests can use a FakeClock
// instead of sleeping; injected latency uses real time because it exists to exercise the
// client's timeouts.
//
// Memory is bounded so that a long-running example shop can embed a Server: it records
// the last DefaultMaxRequests tracker requests and as many metadata requests
// (Options.MaxRequests), each kind holding at most DefaultMaxRecordedBytes
// (Options.MaxRecordedBytes), remembers the DefaultMaxVisitors visitors seen most
// recently (holding at most DefaultMaxVisitorBytes), keeps at most 1,000 entries per
// history list (action statuses included) and 12 earlier session ids per visitor, and
// counts popularity only for catalog items. Request bodies
// over MaxRequestBytes are refused without being read further.
//
// Responses are gzipped when the client sends Accept-Encoding: gzip, as Go's transport
// does by default (and then decodes transparently); gzip request bodies
// (Content-Encoding: gzip) are accepted.
//
// The package does not import the library's core package on purpose: it decodes the wire
// JSON itself and so checks the client independently.
package personyzetest
