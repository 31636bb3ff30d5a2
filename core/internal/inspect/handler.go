package inspect

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The page, its script and its style sheet: one page, no build step, nothing from another
// origin. The script and the style sheet are files of their own so that the page works
// under the strictest Content-Security-Policy ('self', no inline code).
var (
	//go:embed assets/page.html
	pageHTML []byte
	//go:embed assets/script.js
	scriptJS []byte
	//go:embed assets/style.css
	styleCSS []byte
)

// The names the handler answers under the path it is mounted at (a path ending in "/"
// serves the page). None has a file extension, so that DefaultClassifier sees the
// inspector's own requests as fetches, which the handler then leaves out of the record,
// rather than static assets, which would be recorded before the handler runs.
const (
	nameScript   = "script"
	nameStyle    = "style"
	nameRequests = "requests"
	nameEvents   = "events"
)

// heartbeat is how often an idle event stream sends a comment, so that proxies keep it
// open and a gone browser is noticed.
const heartbeat = 15 * time.Second

// policy is the inspector's own Content-Security-Policy: nothing but its own files.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves a Recorder.
type Handler struct {
	Rec *Recorder
	// Breaker returns the circuit breaker's state now, for the page's header.
	Breaker func() string
}

// ServeHTTP routes by the last element of the path: the page for a path that ends in "/",
// else script, style, requests (JSON) or events (server-sent events).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", policy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "the inspector answers GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	_, name, _ := cutLast(r.URL.Path)
	switch name {
	case "":
		writeFile(w, r, "text/html; charset=utf-8", pageHTML)
	case nameScript:
		writeFile(w, r, "text/javascript; charset=utf-8", scriptJS)
	case nameStyle:
		writeFile(w, r, "text/css; charset=utf-8", styleCSS)
	case nameRequests:
		h.serveJSON(w, r)
	case nameEvents:
		h.serveEvents(w, r)
	default:
		http.Error(w, "no such inspector page: mount the inspector on a path ending in a slash and open that path", http.StatusNotFound)
	}
}

// cutLast splits a path at its last slash.
func cutLast(p string) (dir, name string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p, false
	}
	return p[:i+1], p[i+1:], true
}

func writeFile(w http.ResponseWriter, r *http.Request, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// filter reads the request's visitor parameter: a user id, or nothing.
func filter(r *http.Request) (func(*Entry) bool, error) {
	s := r.URL.Query().Get("visitor")
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil || id == 0 {
		return nil, fmt.Errorf("visitor=%q is not a user id (a number from 1 to 4294967295)", s)
	}
	return func(e *Entry) bool { return e.Visitor.UserID == uint32(id) }, nil
}

// since reads where a client left off: the Last-Event-ID of a reconnecting EventSource,
// else the since parameter; ok is false when neither is given.
func since(r *http.Request) (seq uint64, ok bool, err error) {
	s := r.Header.Get("Last-Event-ID")
	if s == "" {
		s = r.URL.Query().Get("since")
	}
	if s == "" {
		return 0, false, nil
	}
	seq, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("since=%q is not a request number", s)
	}
	return seq, true, nil
}

// listing is the JSON document of the requests endpoint.
type listing struct {
	Size     int     `json:"size"`    // how many requests the inspector keeps
	Last     uint64  `json:"last"`    // the newest request's seq: where the event stream goes on
	Breaker  string  `json:"breaker"` // the circuit breaker's state now
	Requests []Entry `json:"requests"`
}

// serveJSON answers the requests the ring holds, newest first; ?visitor= keeps one
// visitor's, ?since= those after a seq.
func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request) {
	keep, err := filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	after, _, err := since(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	entries, _, last := h.Rec.Since(after, keep)
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	if entries == nil {
		entries = []Entry{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(listing{Size: h.Rec.Size(), Last: last, Breaker: h.Breaker(), Requests: entries})
}

// serveEvents streams each new request as a server-sent event "request" whose id is its
// seq and whose data is its JSON. A client that reconnects (EventSource does so by itself,
// sending Last-Event-ID) or passes ?since= first gets what it missed that the ring still
// holds. The stream ends when the client goes, or when the server shuts down.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	keep, err := filter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	after, ok, err := since(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !ok {
		after = h.Rec.Last() // only what comes from now on
	}
	// Registered before the header goes out: a client that sees the header may have the
	// server shut down at once, and a hook registered after Shutdown ran its hooks would
	// never end this stream (Shutdown would wait for it until its deadline).
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	stop := h.Rec.stopOnShutdown(srv)
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// retry: how soon EventSource reconnects after the stream ends.
	if _, err := fmt.Fprint(w, "retry: 2000\n: inspector stream\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var buf []byte
	for {
		entries, next, last := h.Rec.Since(after, keep)
		after = last
		for i := range entries {
			data, err := json.Marshal(&entries[i])
			if err != nil {
				return
			}
			buf = fmt.Appendf(buf[:0], "id: %d\nevent: request\ndata: %s\n\n", entries[i].Seq, data)
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
		if len(entries) > 0 && rc.Flush() != nil {
			return
		}
		select {
		case <-next:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-stop:
			return
		case <-r.Context().Done():
			return
		}
	}
}
