package personyzetest

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running Personyze simulator. Create it with NewServer and stop it with
// Close. All methods are safe for concurrent use.
type Server struct {
	url    string
	apiKey string
	clock  Clock
	logger *slog.Logger

	itemsPerAction   int
	maxRequests      int
	maxRecordedBytes int
	maxVisitors      int // DefaultMaxVisitors; a field so tests can lower it
	maxVisitorBytes  int // DefaultMaxVisitorBytes; likewise
	cat              catalog
	hugeChunk        []byte // read-only filler for FaultHuge
	// gzipWriters are reused: a gzip.Writer allocates some 800 KB, so a new one per answer
	// made an embedded simulator the largest source of garbage (and of resident memory)
	// of an example shop under load.
	gzipWriters sync.Pool

	httpSrv  *http.Server
	done     chan struct{} // closed by Close: ends hanging and delayed handlers
	handlers sync.WaitGroup

	fault     faultSlot // tracker-v1
	metaFault faultSlot // the metadata endpoints

	mu           sync.Mutex // guards everything below
	closed       bool
	rng          *rand.Rand
	visitors     map[uint32]*visitor
	lru          *list.List // of uint32 user ids, most recently seen first
	visitorBytes int        // the visitors' estimated bytes (see visitor.size)
	pop          popularity
	acc          *account
	cacheVersion int64
	reqs         ring[Request]         // recorded requests
	metaReqs     ring[MetadataRequest] // recorded metadata requests
	metaCounts   MetadataCounts
}

// NewServer starts a simulator on a random port of 127.0.0.1 (falling back to [::1]) and
// returns it. Like httptest.NewServer it panics when it cannot listen, because a test
// cannot go on without it, and it panics with Account.Validate's message when
// Options.Account is invalid.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("personyzetest: failed to listen on a port: %v", err))
		}
	}
	s.url = "http://" + ln.Addr().String() + "/rest/"
	s.httpSrv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// net/http logs hijacked-connection and client-abort noise that fault modes cause
		// on purpose; send it to the debug log instead of stderr.
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s
}

// newServer builds a Server that is not listening; Handler works on it.
func newServer(opts Options) *Server {
	s := &Server{
		apiKey:           opts.APIKey,
		clock:            opts.Clock,
		logger:           opts.Logger,
		itemsPerAction:   opts.ItemsPerAction,
		maxRequests:      opts.MaxRequests,
		maxRecordedBytes: opts.MaxRecordedBytes,
		maxVisitors:      DefaultMaxVisitors,
		maxVisitorBytes:  DefaultMaxVisitorBytes,
		hugeChunk:        bytes.Repeat([]byte("x"), 32<<10),
		done:             make(chan struct{}),
		rng:              rand.New(rand.NewPCG(uint64(opts.Seed), 0x5e5510)),
		visitors:         make(map[uint32]*visitor),
		lru:              list.New(),
		cacheVersion:     InitialCacheVersion,
	}
	acc := DemoAccount()
	if opts.Account != nil {
		acc = *opts.Account
	}
	if err := acc.Validate(); err != nil {
		panic(err.Error())
	}
	s.acc = newAccount(acc)
	if s.apiKey == "" {
		s.apiKey = DefaultAPIKey
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.itemsPerAction <= 0 {
		s.itemsPerAction = DefaultItemsPerAction
	}
	if s.maxRequests == 0 {
		s.maxRequests = DefaultMaxRequests
	}
	switch {
	case s.maxRecordedBytes == 0:
		s.maxRecordedBytes = DefaultMaxRecordedBytes
	case s.maxRecordedBytes < 0:
		s.maxRecordedBytes = 0 // the ring's "no byte bound"
	}
	products, articles := opts.Products, opts.Articles
	if products == nil && articles == nil {
		products, articles = DefaultCatalog()
	}
	s.cat = newCatalog(products, articles, opts.Seed)
	s.pop = newPopularity(s.cat)
	return s
}

// URL returns the REST base URL, e.g. "http://127.0.0.1:41234/rest/"; the tracker
// endpoint is URL()+"tracker-v1". It is "" for a Server whose Handler is mounted elsewhere.
func (s *Server) URL() string { return s.url }

// APIKey returns the key the server accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Handler returns the simulator as an http.Handler, for mounting in another server.
// It answers any path ending in "/tracker-v1", the metadata paths (see the package
// documentation) and 404 for others.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Close stops the server: it ends hanging and delayed handlers, closes every connection
// and waits for the handlers to return. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	// Connections go first, so that a handler released by done below cannot get an
	// answer to its client any more: a hanging request ends in a network error.
	if s.httpSrv != nil {
		_ = s.httpSrv.Close()
	}
	close(s.done)
	s.handlers.Wait()
}

// serve routes a request to the tracker or a metadata endpoint.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "simulator closed", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()

	if strings.HasSuffix(r.URL.Path, "/tracker-v1") {
		s.serveTracker(w, r)
		return
	}
	if q, found, err := parseMetadataPath(r.URL.EscapedPath()); found {
		s.serveMetadata(w, r, q, err)
		return
	}
	http.NotFound(w, r)
}

// admit applies what every endpoint does before its own work, in order: the injected fault
// of slot, the API key (401), and the request's own problem badInput (answered with
// badStatus). done reports that the request was answered; status and errText then say how,
// for the caller's record.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, slot *faultSlot, shape hugeShape,
	badInput error, badStatus int, status *int, errText *string) (f Fault, done bool) {
	f, st, done := s.gate(w, r, slot, shape)
	if done {
		*status = st
		return f, true
	}
	switch {
	case !s.authorized(r):
		*status, *errText = http.StatusUnauthorized, "Invalid API key"
	case badInput != nil:
		*status, *errText = badStatus, badInput.Error()
	default:
		return f, false
	}
	http.Error(w, *errText, *status)
	return f, true
}

// serveTracker is the tracker-v1 handler.
func (s *Server) serveTracker(w http.ResponseWriter, r *http.Request) {
	rec := Request{Header: r.Header.Clone(), Time: s.clock.Now()}
	defer func() { s.record(&rec) }()

	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rec.Status, rec.Error = http.StatusMethodNotAllowed, "tracker-v1 accepts only POST"
		http.Error(w, rec.Error, rec.Status)
		return
	}
	// The body is read before any injected delay: net/http notices a client that gives
	// up only once the body has been consumed, and a delayed handler must notice.
	body, readErr := readBody(r)
	rec.RawBody = body
	decodeErr := readErr
	if decodeErr == nil {
		decodeErr = decodeRequest(body, &rec)
	}
	fault, done := s.admit(w, r, &s.fault, hugeTracker, decodeErr, http.StatusInternalServerError, &rec.Status, &rec.Error)
	rec.Fault = fault.Kind
	if done {
		return
	}
	resp := s.process(&rec)
	rec.Status = http.StatusOK
	s.writeAnswer(w, r, resp, fault.Kind == FaultTruncated)
}

// writeAnswer sends a 200 JSON answer, cut in half when truncated.
func (s *Server) writeAnswer(w http.ResponseWriter, r *http.Request, body []byte, truncated bool) {
	w.Header().Set("Content-Type", "application/json")
	if truncated {
		body = truncate(body)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
		return
	}
	s.writeMaybeGzip(w, r, body)
}

// authorized checks Basic auth: user "api", password the key.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && user == "api" && subtle.ConstantTimeCompare([]byte(pass), []byte(s.apiKey)) == 1
}

// errTooBig is the 500 message for bodies over the protocol limit.
var errTooBig = fmt.Errorf("request too big: the body exceeds %d bytes", MaxRequestBytes)

// readBody reads at most MaxRequestBytes+1 bytes of the (gunzipped) body, so a client
// cannot make the simulator hold more than that.
func readBody(r *http.Request) ([]byte, error) {
	var src io.Reader = r.Body
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(io.LimitReader(r.Body, 4*MaxRequestBytes))
		if err != nil {
			return nil, fmt.Errorf("invalid gzip request body: %v", err)
		}
		defer zr.Close()
		src = zr
	}
	body, err := io.ReadAll(io.LimitReader(src, MaxRequestBytes+1))
	// Drain a little more so that net/http sees the end of the body and starts watching
	// the connection (that is what cancels the request context when the client leaves).
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4*MaxRequestBytes))
	if err != nil {
		return body, fmt.Errorf("cannot read the request body: %v", err)
	}
	if len(body) > MaxRequestBytes {
		return body, errTooBig
	}
	return body, nil
}

// wireResponse is the answer body, fields in the protocol's order.
type wireResponse struct {
	SessionID         string              `json:"session_id"`
	CacheVersion      int64               `json:"cache_version"`
	Conditions        []responseCondition `json:"conditions"`
	Actions           []responseAction    `json:"actions"`
	DismissConditions []int64             `json:"dismiss_conditions"`
	DismissActions    []int64             `json:"dismiss_actions"`
}

// responseCondition is one entry of "conditions", an object as the protocol shows.
type responseCondition struct {
	ID int64 `json:"id"`
}

// process applies a valid request to the visitor's state and returns the answer body.
func (s *Server) process(rec *Request) []byte {
	navigate, document := false, ""
	for _, c := range rec.Commands {
		if spec, _ := lookupCommand(c.Name); spec.kind == kindNavigate {
			navigate, document = true, c.Document()
		}
	}
	s.mu.Lock()
	v := s.visitorFor(rec.UserID)
	v.requests++
	sessionID := s.session(v, rec, rec.Time)
	v.apply(rec.Commands, &s.pop, sessionID, rec.Time)
	s.countBytes(v)
	var a answer
	if navigate {
		s.answerPageView(&a, v, rec, document)
	} else {
		s.answerEvents(&a, rec)
	}
	resp := a.wire(sessionID, s.cacheVersion)
	s.mu.Unlock()
	rec.ResponseSessionID = resp.SessionID
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err) // strings, ints and string maps only: cannot happen
	}
	return b
}

// writeMaybeGzip answers 200 with body, gzipped when the client accepts gzip (Go's
// transport asks for it by default and decodes it transparently).
func (s *Server) writeMaybeGzip(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
		return
	}
	var buf bytes.Buffer
	zw, _ := s.gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(&buf)
	} else {
		zw.Reset(&buf)
	}
	_, _ = zw.Write(body)
	_ = zw.Close()
	s.gzipWriters.Put(zw)
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// acceptsGzip reports whether an Accept-Encoding value lists gzip without q=0.
func acceptsGzip(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}
