// Package personyzetest is a Personyze simulator, in the spirit of net/http/httptest.
//
// It serves the tracker-v1 endpoint of the Personyze REST API on 127.0.0.1 so that code
// talking to Personyze can be tested without the network and without an account:
//
//	srv := personyzetest.NewServer(personyzetest.Options{})
//	defer srv.Close()
//	cfg := core.Config{APIKey: srv.APIKey(), BaseURL: srv.URL()}
//
// It is meant for your own tests as much as for ours, and the example shops use it as
// their embedded default when no API key is configured.
//
// The simulator behaves like the real service as far as the protocol notes describe it:
// POST only, Basic auth with user "api" (401 "Invalid API key" otherwise), 500 with a
// message naming the problem for malformed or invalid requests, gzip in both directions,
// session ids of the form "<unix seconds> <hex>" that rotate after 90 minutes, and
// recommendation actions computed from the events it has seen (see ActionViewedTogether,
// ActionPopular and ActionArticles). Responses to requests without a Navigate command carry
// no actions: under the protocol's merge rule an empty answer means "nothing new, nothing
// dismissed", so the client keeps what the last page view returned.
//
// Everything a test needs to assert on is recorded: Server.Requests, Server.RequestsFor,
// Server.Commands and Server.Visitor. Failures of every kind a client must survive can be
// switched on and off at run time with Server.SetFault. Time-dependent behaviour (the
// 90-minute session rule, recorded times) reads Options.Clock, so tests can use a FakeClock
// instead of sleeping; injected latency uses real time because it exists to exercise the
// client's timeouts.
//
// Memory is bounded so that a long-running example shop can embed a Server: it records
// the last DefaultMaxRequests requests (Options.MaxRequests), remembers the
// DefaultMaxVisitors visitors seen most recently, keeps at most 1,000 entries per history
// list, and counts popularity only for catalog items. Request bodies over MaxRequestBytes
// are refused without being read further.
//
// Responses are gzipped when the client sends Accept-Encoding: gzip, as Go's transport
// does by default (and then decodes transparently); gzip request bodies
// (Content-Encoding: gzip) are accepted.
//
// The package does not import the library's core package on purpose: it decodes the wire
// JSON itself and so checks the client independently.
package personyzetest
