package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A request the connection refused as it was written (the server had closed the
// connection) is sent again once; a failure after the request was written is not, since
// Personyze may have acted on it.
func TestSendRetriesRequestNotDelivered(t *testing.T) {
	writeErr := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	bodyErr := &net.OpError{Op: "readfrom", Net: "tcp", Err: writeErr} // the body, copied by ReadFrom
	readErr := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		name     string
		failures []error // what the attempts return before the upstream answers
		cancel   bool    // the call's context ends with the first failure
		attempts int
		wantErr  string
	}{
		{"header write reset", []error{writeErr}, false, 2, ""},
		{"body write reset", []error{bodyErr}, false, 2, ""},
		{"written, then the answer failed", []error{readErr}, false, 1, "connection reset"},
		{"once only", []error{bodyErr, bodyErr}, false, 2, "broken pipe"},
		{"context over", []error{writeErr}, true, 1, "broken pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tm := &Timing{}
			ctx = WithTiming(ctx, tm)
			var bodies []string
			opts := testOptions("http://127.0.0.1:1/rest/")
			opts.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					t.Fatal(err)
				}
				bodies = append(bodies, string(b))
				if n := len(bodies); n <= len(tt.failures) {
					if tt.cancel {
						cancel()
					}
					return nil, tt.failures[n-1]
				}
				return &http.Response{StatusCode: http.StatusOK, Request: r,
					Body: io.NopCloser(strings.NewReader(`{"session_id":"s1","actions":[]}`))}, nil
			})
			resp, err := NewClient(opts).Send(ctx, benchRequest())
			if len(bodies) != tt.attempts {
				t.Fatalf("%d attempts, want %d", len(bodies), tt.attempts)
			}
			if len(bodies) == 2 && (bodies[0] != bodies[1] || bodies[1] == "") {
				t.Errorf("the second attempt sent %q, the first %q", bodies[1], bodies[0])
			}
			if tt.wantErr == "" {
				if err != nil || resp.SessionID != "s1" {
					t.Fatalf("resp %+v, err %v", resp, err)
				}
				if _, ok := tm.Upstream(); !ok {
					t.Error("the timing of the attempt that answered is unknown")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "personyze: tracker call: ") {
				t.Fatalf("err %v, want the transport's %q", err, tt.wantErr)
			}
		})
	}
}

func TestNotDelivered(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "write", Err: syscall.EPIPE}, true},
		{&net.OpError{Op: "readfrom", Err: syscall.ECONNRESET}, true},
		{errors.Join(errors.New("wrapped"), &net.OpError{Op: "write", Err: net.ErrClosed}), true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, false},
		// Closed on this side under the request: net/http's transport after the failed write,
		// whose reader may report it first (TestRetriesThroughNetHTTP failed 1 in 300 before).
		{&net.OpError{Op: "read", Err: fmt.Errorf("poll: %w", net.ErrClosed)}, true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false}, // Personyze down: the breaker decides
		{io.ErrUnexpectedEOF, false},
		{context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		if got := notDelivered(tt.err); got != tt.want {
			t.Errorf("notDelivered(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A transport may still read and close a call's body after returning (as
// http.RoundTripper allows): a retry, or the next part of a split request, must not share
// it. Run with -race, which reports the two readers of one body.
func TestEveryCallHasItsOwnBody(t *testing.T) {
	tests := []struct {
		name  string
		req   *Request
		fail  bool // the first call fails as a broken connection, and is retried
		calls int  // at least
	}{
		{"retry", benchRequest(), true, 2},
		{"split request", bigRequest(), false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			late := make(chan struct{})
			calls := 0
			opts := testOptions("http://127.0.0.1:1/rest/")
			opts.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
				calls++
				if calls == 1 {
					go func() { // the body read after RoundTrip returned
						defer close(late)
						_, _ = io.Copy(io.Discard, r.Body)
						_ = r.Body.Close()
					}()
					if tt.fail {
						return nil, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
					}
				} else if b, _ := io.ReadAll(r.Body); len(b) == 0 {
					t.Errorf("call %d sent no body", calls)
				}
				return &http.Response{StatusCode: http.StatusOK, Request: r,
					Body: io.NopCloser(strings.NewReader(`{"session_id":"s1"}`))}, nil
			})
			ctx := WithTiming(context.Background(), &Timing{})
			if _, err := NewClient(opts).Send(ctx, tt.req); err != nil || calls < tt.calls {
				t.Fatalf("err %v after %d calls", err, calls)
			}
			<-late
		})
	}
}

// brokenConn is a connection whose writes fail as writes to a connection the server has
// reset do (the transport closes it then).
type brokenConn struct{ net.Conn }

func (c brokenConn) Write([]byte) (int, error) {
	return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
}

// Through net/http's own transport: the first connection breaks under the request, and the
// call goes through on the next one (net/http retries neither a POST nor a GET on a fresh
// connection).
func TestRetriesThroughNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"session_id":"s1"}`)
	}))
	defer srv.Close()
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			var dials atomic.Int32
			var d net.Dialer
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := d.DialContext(ctx, network, addr)
				if err == nil && dials.Add(1) == 1 {
					return brokenConn{c}, nil
				}
				return c, err
			}}
			defer tr.CloseIdleConnections()
			opts := testOptions(srv.URL + "/rest/")
			opts.Timeout = 5 * time.Second
			opts.Transport = tr
			c := NewClient(opts)
			var got string
			var err error
			if method == http.MethodPost {
				var resp *Response
				if resp, err = c.Send(WithTiming(context.Background(), &Timing{}), benchRequest()); err == nil {
					got = resp.SessionID
				}
			} else {
				var b []byte
				b, err = c.Get(context.Background(), "actions")
				got = string(b)
			}
			if err != nil || got == "" || dials.Load() != 2 {
				t.Fatalf("got %q, err %v, %d connections; want an answer on the second", got, err, dials.Load())
			}
		})
	}
}
