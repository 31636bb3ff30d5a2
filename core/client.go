package core

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// Client is the low-level tracker-v1 client. It is safe for concurrent use.
type Client struct {
	// Pointers on purpose: fmt prints nested pointers as addresses, so even
	// fmt.Sprintf("%+v", *client) cannot reveal the key.
	cfg      *Config
	auth     *string
	http     *http.Client
	endpoint string
	now      func() time.Time
}

// NewClient applies defaults to cfg, validates its wire fields and returns a Client. Errors
// are *ConfigError and say how to fix the field.
func NewClient(cfg Config) (*Client, error) {
	eff := cfg.withDefaults()
	if err := eff.validateWire(); err != nil {
		return nil, err
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+eff.APIKey))
	return &Client{
		cfg:      &eff,
		auth:     &auth,
		http:     newHTTPClient(&eff),
		endpoint: eff.BaseURL + trackerPath,
		now:      time.Now,
	}, nil
}

// Effective returns the configuration after defaults and normalization.
func (c *Client) Effective() Config { return *c.cfg }

// CloseIdleConnections closes idle connections of the client's transport (for shutdown).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Send posts req to <base>tracker-v1 and decodes the answer.
//
// Commands with Err() != nil make Send fail before anything is sent. When the caller's context
// has no deadline, Config.Timeout bounds the whole Send. A body over MaxRequestBytes is split
// into several calls in order: the visitor fields are repeated, Navigate commands go in the
// last call (after the other commands, which keep their order), and each later call carries
// the session_id returned by the previous one (and new_session false once a session id came
// back). Send then returns the last Response. A failure after some calls were delivered is a
// *PartialError listing the commands not delivered. A single command too big for any call is
// ErrRequestTooBig.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	for i, cmd := range req.Commands {
		if err := cmd.Err(); err != nil {
			return nil, fmt.Errorf("personyze: command %d: %w", i, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	body := req.AppendJSON(make([]byte, 0, 1024))
	if len(body) <= MaxRequestBytes {
		return c.post(ctx, body)
	}
	parts, err := planParts(req)
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

// planParts splits req's commands into calls that each fit MaxRequestBytes (minus
// sessionSlack). Navigate commands are moved behind the others so the last call carries them:
// Personyze returns the page's actions for the call that navigates.
func planParts(req *Request) ([][]Command, error) {
	head := len(req.appendHead(nil)) + len("]}")
	budget := MaxRequestBytes - sessionSlack
	ordered := make([]Command, 0, len(req.Commands))
	for _, cmd := range req.Commands {
		if !cmd.IsNavigate() {
			ordered = append(ordered, cmd)
		}
	}
	for _, cmd := range req.Commands {
		if cmd.IsNavigate() {
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
		scratch = cmd.appendJSON(scratch[:0])
		n := len(scratch)
		if head+n > budget {
			return nil, fmt.Errorf("%w: command %q alone encodes to %d bytes, over the %d-byte limit",
				ErrRequestTooBig, cmd.Name(), head+n, MaxRequestBytes)
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

// post performs one tracker-v1 call.
func (c *Client) post(ctx context.Context, body []byte) (*Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("personyze: building request: %w", err)
	}
	h := hreq.Header
	h.Set("Authorization", *c.auth)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	// Asking for gzip ourselves (instead of relying on the transport) makes decompression, and
	// the size limit on the decoded body, the same for user-supplied clients and transports.
	h.Set("Accept-Encoding", "gzip")
	h.Set("User-Agent", c.cfg.UserAgent)

	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("personyze: tracker call: %w", err)
	}
	defer drainClose(resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := readBody(resp, maxErrorBody, true)
		return nil, &StatusError{
			StatusCode: resp.StatusCode,
			Message:    c.cleanMessage(msg),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
		}
	}
	data, err := readBody(resp, c.cfg.MaxResponseBytes, false)
	if err != nil {
		return nil, err
	}
	return DecodeResponse(data)
}

// readBody reads at most limit decoded bytes, undoing gzip; more is ErrResponseTooLarge, or
// just cut off when truncate is set (error bodies only feed a bounded message).
func readBody(resp *http.Response, limit int64, truncate bool) ([]byte, error) {
	var r io.Reader = resp.Body
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty gzip body is an empty body
		}
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrMalformedResponse, err)
		}
		defer zr.Close()
		r = zr
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		if truncate {
			return data[:limit], nil
		}
		return nil, fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
	}
	if err != nil {
		var ce flate.CorruptInputError
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce) {
			return nil, fmt.Errorf("%w: gzip: %v", ErrMalformedResponse, err)
		}
		return nil, fmt.Errorf("personyze: reading response: %w", err)
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
func (c *Client) cleanMessage(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if key := c.cfg.APIKey; key != "" {
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
