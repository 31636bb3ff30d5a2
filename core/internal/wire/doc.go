// Package wire owns Personyze's tracker-v1 wire protocol: the HTTP client and its transport,
// the request encoding and its splitting, the tolerant response decoding and the typed status
// errors. Nothing here knows about visitors, cookies or pages; package core builds a Request
// from a visit and reads the Response back.
//
// # The protocol, as this library speaks it
//
// Transport. The base URL is https://app.personyze.com/rest/ (configurable); the tracker call
// is POST <base>tracker-v1 with a JSON body, and other REST objects (action, placeholder and
// condition metadata) are GET <base><object>/columns/<cols>/where/<filter>. Every call carries
// Basic auth with the user name "api" and the 40-character API key as the password, a
// User-Agent that Personyze's dashboard shows, and asks for gzip. Plain HTTP is answered with
// 401, so it is allowed only for loopback hosts (tests and the simulator).
//
// Request body. Fields in the order Personyze's Android SDK writes them: user_id (a 32-bit
// integer constant per visitor), session_id (JSON null before the first answer),
// new_session, past_sessions (comma-separated Unix start times, oldest first, at most 12),
// platform, time_zone (hours from GMT, only when known), languages (up to three 2-letter codes,
// "en, es"), screen (only when known), os, device_type ("regular", "tablet" or "phone") and
// commands. The SDKs' noti_enabled is not sent.
//
// Size limit. Personyze's SDKs refuse bodies over MaxRequestBytes (50,000) bytes. This
// client splits a bigger request into several calls instead: the visitor fields are repeated,
// Navigate commands go last, and each later call carries the session id the previous one
// returned.
//
// Commands. Each command is a JSON array whose first element is its name, spelled as the
// SDKs and the seed document spell them ("Product Viewed", "Product Added to cart", "User
// Profile", "Navigate", "Action Status", ...), followed by string arguments. A product or
// article event reached through a recommendation may end with the seed's attribution suffix
// "action_id", N (N a JSON integer).
//
// Sessions. A session id is an opaque string that begins with the session's Unix start time
// in seconds. A session lasts at most 90 minutes from that start, not from the last activity:
// a client asks for a new one (new_session true) when it has none or when start + 90 min - 5 s
// is not in the future. A null session_id in an answer keeps the previous id; an id whose
// start time differs from the previous one starts a new session, whose start time is then
// appended to past_sessions.
//
// Response. A JSON object with session_id, cache_version (0 means unchanged), conditions
// (matched campaign ids), actions (objects with an id and a data object) and, after calls
// without a Navigate, dismiss_conditions and dismiss_actions. It is decoded tolerantly:
// missing arrays are empty, ids may be numbers or numeric strings, data values may be any
// scalar, unknown fields are ignored. A "Product recommendations in JSON format" action's
// items are the JSON array "[" + data["data"] + "]".
//
// Errors. 401 means a wrong, revoked or plain-HTTP key and is never retried; 408, 429 and 5xx,
// network failures and empty bodies are worth retrying later, honouring Retry-After. One
// failure is retried at once, by the client itself: a connection that broke as the request
// was written (Personyze cannot have read it all), which net/http sends again only on a
// reused connection, and a POST only when not one byte had gone out.
//
// # Decoding without a JSON library
//
// The answer is decoded in one pass by a small scanner without reflection (response_scan.go):
// one copy of the body backs every string without escapes, and the items (a JSON string
// inside the JSON) are unescaped once and read into one shared slice of key/value pairs.
// Anything unusual (odd types, numeric strings, surrogate escapes, invalid UTF-8) goes to
// the tolerant encoding/json decoding, which stays the reference: fuzz tests check that the
// two agree on everything the scanner takes. Of the JSON libraries evaluated for this
// workload (go-json-experiment/json, goccy/go-json, json-iterator, segmentio/encoding,
// bytedance/sonic) only sonic was faster than the scanner, and it is a JIT bound to
// platforms and Go releases; go-json-experiment/json has no compatibility promise until it
// ships as encoding/json/v2, when the fallback can move to it. So no library is added.
package wire
