package wire

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// trackerPath is appended to the base URL.
	trackerPath = "tracker-v1"
	// maxDrain bounds how much of an unread body is discarded so the connection can be reused;
	// beyond it closing (and losing the connection) is cheaper than reading.
	maxDrain = 64 << 10
	// maxErrorBody bounds how much of an error body is read for StatusError.Message.
	maxErrorBody = 4 << 10
	// sessionSlack is reserved in every split call for the session id returned by the
	// previous call, which may be longer than the one the request started with.
	sessionSlack = 1024
)

// MaxRequestBytes is the largest encoded request body sent in one call. Personyze's own SDKs
// refuse bigger bodies, so Send splits larger requests into several calls.
const MaxRequestBytes = 50000

// Options configure a Client. The caller (package core) has validated them and filled in
// its defaults; the Client uses them as they are.
type Options struct {
	BaseURL          string // absolute, ending in "/"
	APIKey           string // never printed: see Client
	UserAgent        string
	Timeout          time.Duration // bound of a Send whose context has no deadline
	MaxResponseBytes int64
	HTTPClient       *http.Client      // used as is when set
	Transport        http.RoundTripper // for the Client's own http.Client when HTTPClient is nil
	Metered          bool              // fill the Meter of a Send's context (see WithMeter)
}

// Client is the low-level tracker-v1 client. It is safe for concurrent use.
type Client struct {
	// Pointers on purpose: fmt prints nested pointers as addresses, so even
	// fmt.Sprintf("%+v", *client) cannot reveal the key.
	opts       *Options
	auth       *string
	getHeader  *http.Header // what a GET carries, the key included
	postHeader *http.Header // what a tracker POST carries
	http       *http.Client
	rt         http.RoundTripper // the transport itself, when the http.Client is ours
	// sharedHeader: every call can carry postHeader itself, not a copy, because the
	// transport is net/http's, built here, which only reads a request (a caller's transport
	// or client might add headers to it).
	sharedHeader bool
	endpoint     string
	now          func() time.Time
}

// NewClient returns a Client for opts.
func NewClient(opts Options) *Client {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+opts.APIKey))
	// Every call carries the same headers: built once, each call takes a copy (two
	// allocations instead of one per header).
	get := http.Header{
		"Authorization": {auth},
		"Accept":        {"application/json"},
		// Asking for gzip ourselves (instead of relying on the transport) makes
		// decompression, and the size limit on the decoded body, the same for
		// user-supplied clients and transports.
		"Accept-Encoding": {"gzip"},
		"User-Agent":      {opts.UserAgent},
	}
	post := get.Clone()
	post["Content-Type"] = []string{"application/json"}
	hc := newHTTPClient(&opts)
	var rt http.RoundTripper
	if opts.HTTPClient == nil {
		rt = hc.Transport
	}
	return &Client{
		opts:         &opts,
		auth:         &auth,
		getHeader:    &get,
		postHeader:   &post,
		http:         hc,
		rt:           rt,
		sharedHeader: opts.HTTPClient == nil && opts.Transport == nil,
		endpoint:     opts.BaseURL + trackerPath,
		now:          time.Now,
	}
}

// CloseIdleConnections closes idle connections of the client's transport (for shutdown).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Send posts req to <base>tracker-v1 and decodes the answer.
//
// When the caller's context
// has no deadline, Config.Timeout bounds the whole Send. A body over MaxRequestBytes is split
// into several calls in order: the visitor fields are repeated, Navigate commands go in the
// last call (after the other commands, which keep their order), and each later call carries
// the session_id returned by the previous one (and new_session false once a session id came
// back). Send then returns the last Response. A failure after some calls were delivered is a
// *PartialError listing the commands not delivered. A single command too big for any call is
// ErrRequestTooBig.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	body := req.AppendJSON(make([]byte, 0, 1024))
	if len(body) <= MaxRequestBytes {
		return c.post(ctx, body)
	}
	parts, err := PlanParts(req)
	if err != nil {
		return nil, err
	}
	part := *req
	var resp *Response
	for i, cmds := range parts {
		if resp != nil && resp.SessionID != "" {
			part.SessionID = resp.SessionID
			part.NewSession = false
		}
		part.Commands = cmds
		body = part.AppendJSON(body[:0])
		if len(body) > MaxRequestBytes {
			// Only a returned session id longer than sessionSlack can get here.
			err = fmt.Errorf("%w: call %d of %d is %d bytes", ErrRequestTooBig, i+1, len(parts), len(body))
		} else {
			resp, err = c.post(ctx, body)
		}
		if err != nil {
			if i == 0 {
				return nil, err
			}
			return nil, &PartialError{Sent: i, Total: len(parts), Unsent: concat(parts[i:]), Err: err}
		}
	}
	return resp, nil
}

func concat(parts [][]Command) []Command {
	var out []Command
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// PlanParts splits req's commands into calls that each fit MaxRequestBytes (minus
// sessionSlack). Navigate commands are moved behind the others so the last call carries them:
// Personyze returns the page's actions for the call that navigates.
func PlanParts(req *Request) ([][]Command, error) {
	head := len(req.appendHead(nil)) + len("]}")
	budget := MaxRequestBytes - sessionSlack
	ordered := make([]Command, 0, len(req.Commands))
	for _, cmd := range req.Commands {
		if !cmd.Navigate {
			ordered = append(ordered, cmd)
		}
	}
	for _, cmd := range req.Commands {
		if cmd.Navigate {
			ordered = append(ordered, cmd)
		}
	}
	var (
		parts   [][]Command
		cur     []Command
		size    int
		scratch []byte
	)
	for _, cmd := range ordered {
		scratch = cmd.AppendJSON(scratch[:0])
		n := len(scratch)
		if err := tooBig(cmd.Name, head+n); err != nil {
			return nil, err
		}
		if len(cur) > 0 && size+1+n > budget {
			parts = append(parts, cur)
			cur = nil
		}
		if len(cur) == 0 {
			size = head + n
		} else {
			size += 1 + n
		}
		cur = append(cur, cmd)
	}
	return append(parts, cur), nil
}

// tooBig returns ErrRequestTooBig when a call holding one command of the given encoded size
// (the visitor fields included) cannot fit under the limit with room for a longer session id.
func tooBig(name string, size int) error {
	if size > MaxRequestBytes-sessionSlack {
		return fmt.Errorf("%w: command %q alone encodes to %d bytes, over the %d-byte limit",
			ErrRequestTooBig, name, size, MaxRequestBytes)
	}
	return nil
}

// Fits returns ErrRequestTooBig for a command that cannot travel in any call of the request
// that req builds, however it is split: the bound PlanParts applies. Common small commands
// pass without being encoded (an argument byte encodes to at most 6) and without req being
// called.
func Fits(c Command, req func() *Request) error {
	raw := len(c.Name)
	for _, a := range c.Args {
		raw += len(a)
	}
	if 6*raw+64+2*1024 < MaxRequestBytes-sessionSlack { // 2 KiB: far above any visitor-fields head
		return nil
	}
	head := len(req().appendHead(nil)) + len("]}")
	return tooBig(c.Name, head+len(c.AppendJSON(nil)))
}

// Get performs GET <base>path and returns the decoded body, for the REST objects other than
// the tracker (action, placeholder and condition metadata). Errors are as for Send: a
// *StatusError for a non-2xx answer, ErrResponseTooLarge over the size limit.
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	get := func() (*http.Response, error) {
		hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opts.BaseURL+path, nil)
		if err != nil {
			return nil, fmt.Errorf("building request: %w", err)
		}
		hreq.Header = c.getHeader.Clone()
		return c.do(hreq)
	}
	resp, err := get()
	if err != nil && notDelivered(err) && ctx.Err() == nil {
		resp, err = get() // as in post: the server cannot have read the request
	}
	if err != nil {
		return nil, fmt.Errorf("personyze: %s: %w", path, err)
	}
	defer drainClose(resp.Body)
	if err := c.statusError(resp); err != nil {
		return nil, err
	}
	data, err := readBody(resp, c.opts.MaxResponseBytes, false)
	if err != nil {
		return nil, err
	}
	return []byte(data), nil
}

// statusError returns a *StatusError for a non-2xx answer, nil otherwise.
func (c *Client) statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	msg, _ := readBody(resp, maxErrorBody, true)
	return &StatusError{
		StatusCode: resp.StatusCode,
		Message:    c.cleanMessage(msg),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
	}
}

// post performs one tracker-v1 call.
func (c *Client) post(ctx context.Context, body []byte) (*Response, error) {
	tm := timingOf(ctx)
	m := c.meter(ctx)
	m.sent(len(body))
	resp, err := c.send(ctx, body, tm)
	if err != nil && notDelivered(err) && ctx.Err() == nil {
		// The connection was closed under the request as it was written (typically a
		// connection the transport dialed, left idle, and the server timed out just as a
		// call took it): Personyze cannot have read the whole request, so sending it again
		// at once, on another connection, cannot count anything twice. net/http retries
		// such a request itself only on a reused connection, and a POST only when not one
		// byte was written.
		resp, err = c.send(ctx, body, tm)
	}
	if err != nil {
		return nil, fmt.Errorf("personyze: tracker call: %w", err)
	}
	if tm != nil {
		tm.answered()
	}
	defer drainClose(resp.Body)
	m.answered(resp.StatusCode)

	if err := c.statusError(resp); err != nil {
		return nil, err
	}
	data, err := readBody(resp, c.opts.MaxResponseBytes, false)
	if err != nil {
		return nil, err
	}
	m.received(len(data))
	r, err := decode(data)
	if r != nil {
		r.Body = data
	}
	return r, err
}

// send makes one attempt at posting body.
func (c *Client) send(ctx context.Context, body []byte, tm *Timing) (*http.Response, error) {
	var src io.Reader = bytes.NewReader(body)
	if tm != nil {
		src = tm.start(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, src)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if tm != nil {
		// What NewRequest does for a *bytes.Reader: a known length (no chunked encoding) and
		// a way to send the body again when the transport retries on a closed connection.
		hreq.ContentLength = int64(len(body))
		hreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if c.sharedHeader {
		hreq.Header = *c.postHeader
	} else {
		hreq.Header = c.postHeader.Clone()
	}
	return c.do(hreq)
}

// notDelivered reports whether err is the failure of writing a request to its connection
// (a reset or closed connection: the "write" of the header or the "readfrom" that copies
// the body). The request is written in full before its answer is read, so the server
// cannot have received all of it; errors reading the answer do not qualify, since the
// server may have acted on the request.
//
// A read that fails with net.ErrClosed before any answer counts too: the connection was
// closed on this side, which during a round trip is net/http's transport reacting to the
// failed write (its reader can report that first; a canceled context is never retried).
func notDelivered(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) {
		return false
	}
	return op.Op == "write" || op.Op == "readfrom" || (op.Op == "read" && errors.Is(op.Err, net.ErrClosed))
}

// do sends hreq through the caller's http.Client, or straight to the transport when the
// http.Client is our own: it would follow no redirect and set no deadline (the context
// does), so all it adds is a copy of the headers, made for redirects, on every call. Errors
// read as the http.Client's would.
func (c *Client) do(hreq *http.Request) (*http.Response, error) {
	if c.rt == nil {
		return c.http.Do(hreq)
	}
	resp, err := c.rt.RoundTrip(hreq)
	if err == nil && resp == nil {
		err = errors.New("http: RoundTripper returned a nil *Response with a nil error")
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, &url.Error{Op: urlErrorOp(hreq.Method), URL: hreq.URL.String(), Err: err}
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// urlErrorOp is the Op of the *url.Error that http.Client returns for method.
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// readAll reads r to its end, or to limit bytes, into a string sized for the announced
// length when there is one: one allocation, which the decoded answer's strings then share
// (io.ReadAll would grow a buffer from 512 bytes, and the decoder copy it into a string).
func readAll(r io.Reader, announced, limit int64) (string, error) {
	var b strings.Builder
	if announced > 0 {
		b.Grow(int(min(announced, limit)))
	}
	var buf [512]byte
	left := limit
	for left > 0 {
		n, err := r.Read(buf[:min(int64(len(buf)), left)])
		b.Write(buf[:n])
		left -= int64(n)
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
	}
	return b.String(), nil
}

// readBody reads at most limit decoded bytes, undoing gzip; more is ErrResponseTooLarge, or
// just cut off when truncate is set (error bodies only feed a bounded message).
func readBody(resp *http.Response, limit int64, truncate bool) (string, error) {
	var r io.Reader = resp.Body
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if errors.Is(err, io.EOF) {
			return "", nil // an empty gzip body is an empty body
		}
		if err != nil {
			return "", fmt.Errorf("%w: gzip: %v", ErrMalformedResponse, err)
		}
		defer zr.Close()
		r = zr
	}
	data, err := readAll(r, resp.ContentLength, limit+1)
	if int64(len(data)) > limit {
		if truncate {
			return data[:limit], nil
		}
		return "", fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
	}
	if err != nil {
		var ce flate.CorruptInputError
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce) {
			return "", fmt.Errorf("%w: gzip: %v", ErrMalformedResponse, err)
		}
		return "", fmt.Errorf("personyze: reading response: %w", err)
	}
	return data, nil
}

// drainClose discards a bounded rest of the body so the connection returns to the pool, then
// closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	_ = body.Close()
}

// cleanMessage turns an error body into one bounded, printable line without the API key.
func (c *Client) cleanMessage(msg string) string {
	s := strings.ToValidUTF8(msg, "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if key := c.opts.APIKey; key != "" {
		s = strings.ReplaceAll(s, key, "[REDACTED]")
		s = strings.ReplaceAll(s, strings.TrimPrefix(*c.auth, "Basic "), "[REDACTED]")
	}
	if len(s) > maxErrorMessage {
		cut := maxErrorMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
