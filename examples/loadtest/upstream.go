package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/examples/shop"
)

// upstream is the simulator as the server process sees Personyze: the personyzetest
// simulator over the shop's catalog, answering after a fixed latency, served on a
// listener that counts the TCP connections the server opens, and watched by a tap
// that keeps the few figures the report needs instead of the simulator's full record.
type upstream struct {
	sim     *personyzetest.Server
	srv     *http.Server
	url     string
	accepts atomic.Uint64
	// eventDelay is added to calls without a Navigate (events sent in the background),
	// to slow background delivery alone (-event-upstream); 0 for none.
	eventDelay time.Duration

	navigates atomic.Uint64 // calls carrying a Navigate command: page views that arrived
	events    atomic.Uint64 // events answered in calls without a Navigate (background deliveries)
	replaced  atomic.Uint64 // calls carrying a session id the visitor had been moved off
	calls     atomic.Uint64

	mu       sync.Mutex
	visitors map[uint32]*visitorSessions
}

// visitorSessions is what the tap knows of one user_id: the session ids the simulator
// gave it, the latest last. Its mutex is held across the simulator's handling of that
// visitor's call, so the calls of one visitor are judged in the order the simulator
// applied them.
type visitorSessions struct {
	mu      sync.Mutex
	issued  map[string]bool
	current string
}

// newUpstream starts the simulator with a fixed latency on a counting listener; calls
// without a Navigate wait eventDelay more.
func newUpstream(latency, eventDelay time.Duration) (*upstream, error) {
	cat := shop.NewCatalog()
	var products []personyzetest.Product
	for _, p := range cat.Products() {
		products = append(products, personyzetest.Product{ID: p.ID, Title: p.Title, URL: p.URL(),
			Image: p.Image(), Category: p.Category, Price: p.Price})
	}
	var articles []personyzetest.Article
	for _, a := range cat.Articles() {
		articles = append(articles, personyzetest.Article{ID: a.ID, Title: a.Title, URL: a.URL(), Image: a.Image(), Topic: a.Topic})
	}
	// The simulator's own listener stays unused: its handler is mounted on ours, and it
	// records nothing (the tap below keeps what is needed, in constant memory).
	sim := personyzetest.NewServer(personyzetest.Options{Products: products, Articles: articles, Seed: 1,
		ItemsPerAction: 10, MaxRequests: -1})
	if latency > 0 {
		sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: latency})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return nil, err
	}
	u := &upstream{sim: sim, eventDelay: eventDelay, url: "http://" + ln.Addr().String() + "/rest/", visitors: map[uint32]*visitorSessions{}}
	u.srv = &http.Server{Handler: http.HandlerFunc(u.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = u.srv.Serve(&countingListener{Listener: ln, n: &u.accepts}) }()
	return u, nil
}

// close stops the listener, every connection and the simulator.
func (u *upstream) close() {
	_ = u.srv.Close()
	u.sim.Close()
}

// upstreamCounts is a snapshot of the tap's counters.
type upstreamCounts struct {
	accepts, calls, navigates, replaced, events uint64
}

func (u *upstream) counts() upstreamCounts {
	return upstreamCounts{u.accepts.Load(), u.calls.Load(), u.navigates.Load(), u.replaced.Load(), u.events.Load()}
}

// wireCall is the part of a tracker call the tap reads.
type wireCall struct {
	UserID    uint32            `json:"user_id"`
	SessionID *string           `json:"session_id"`
	Commands  []json.RawMessage `json:"commands"`
}

// serve passes the call to the simulator and judges it.
//
// A call "carries a replaced session id" when its session_id is one the simulator had
// issued to the same user_id but had since replaced with another for that user_id:
// the call arrived after a later call of the visitor had already moved the session on,
// so it would start a new session and break the visitor's continuity. A session id the
// visitor was never given is not counted here (the simulator treats it as a new
// session, as it does a missing one).
func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	var call wireCall
	_ = json.Unmarshal(plain(body, r.Header.Get("Content-Encoding")), &call)
	navigate := false
	for _, c := range call.Commands {
		var cmd []any
		if json.Unmarshal(c, &cmd) == nil && len(cmd) > 0 && cmd[0] == "Navigate" {
			u.navigates.Add(1)
			navigate = true
			break
		}
	}
	if !navigate {
		if u.eventDelay > 0 {
			pause(r.Context(), u.eventDelay)
		}
		if r.Context().Err() == nil {
			for _, c := range call.Commands {
				var cmd []any
				if json.Unmarshal(c, &cmd) == nil && len(cmd) > 0 && cmd[0] != "Action Status" {
					u.events.Add(1)
				}
			}
		}
	}
	u.mu.Lock()
	vs, ok := u.visitors[call.UserID]
	if !ok {
		vs = &visitorSessions{issued: map[string]bool{}}
		u.visitors[call.UserID] = vs
	}
	u.mu.Unlock()

	vs.mu.Lock()
	defer vs.mu.Unlock()
	if sid := call.SessionID; sid != nil && vs.issued[*sid] && *sid != vs.current {
		u.replaced.Add(1)
	}
	// Without Accept-Encoding the simulator answers plain JSON, which the tap can read.
	r.Header.Del("Accept-Encoding")
	rec := &tapWriter{ResponseWriter: w}
	u.sim.Handler().ServeHTTP(rec, r)
	var answer struct {
		SessionID string `json:"session_id"`
	}
	if rec.status == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &answer) == nil && answer.SessionID != "" {
		vs.issued[answer.SessionID] = true
		vs.current = answer.SessionID
	}
}

// plain returns a request body without its gzip encoding.
func plain(body []byte, encoding string) []byte {
	if !strings.EqualFold(strings.TrimSpace(encoding), "gzip") {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, 1<<20))
	return out
}

// tapWriter passes the answer on and keeps a copy of it.
type tapWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *tapWriter) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *tapWriter) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.body.Write(p)
	return t.ResponseWriter.Write(p)
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Uint64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}
