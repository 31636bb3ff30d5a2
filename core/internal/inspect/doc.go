// Package inspect holds the live inspector's parts that know nothing of a Visit: the
// record of one request (Entry), the bounded ring of the newest ones with the
// subscribers waiting for the next (Recorder), and the http.Handler that serves them as
// one HTML page, its script and style sheet, JSON and server-sent events (Handler). Core
// builds the entries (core/inspect.go) and decides when anything is recorded: never
// unless an inspector was asked for.
package inspect
