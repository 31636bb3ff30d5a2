package personyzetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// send posts a valid page view and returns the response (body read) or the client error.
func send(t *testing.T, srv *Server, c *http.Client, user uint32) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1",
		bytes.NewReader(bodyBytes(t, visit(user, nil, viewed("p1"), nav("home")))))
	req.SetBasicAuth("api", srv.APIKey())
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		timeout time.Duration
		check   func(t *testing.T, resp *http.Response, body []byte, err error)
		applied bool // whether the visitor's event reached the simulated service
	}{
		{"latency", Fault{Kind: FaultLatency, Latency: 50 * time.Millisecond}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || !json.Valid(body) {
					t.Fatalf("want a normal answer, got %v %v %q", resp, err, body)
				}
			}, true},
		{"latency over client timeout", Fault{Kind: FaultLatency, Latency: 10 * time.Second}, 100 * time.Millisecond,
			func(t *testing.T, _ *http.Response, _ []byte, err error) {
				if !isTimeout(err) {
					t.Fatalf("want a client timeout, got %v", err)
				}
			}, false},
		{"status 503 with Retry-After", Fault{Kind: FaultStatus, RetryAfter: 1500 * time.Millisecond}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" ||
					string(body) != "Service Unavailable" {
					t.Fatalf("got %v %v Retry-After %q body %q", resp.StatusCode, err, resp.Header.Get("Retry-After"), body)
				}
			}, false},
		{"status 500 with message", Fault{Kind: FaultStatus, Status: 500, Message: "Database is down"}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 500 || string(body) != "Database is down" || resp.Header.Get("Retry-After") != "" {
					t.Fatalf("got %v %v %q", resp.StatusCode, err, body)
				}
			}, false},
		{"garbage", Fault{Kind: FaultGarbage}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || json.Valid(body) || len(body) == 0 {
					t.Fatalf("want 200 non-JSON, got %v %v %q", resp.StatusCode, err, body)
				}
			}, false},
		{"truncated", Fault{Kind: FaultTruncated}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || json.Valid(body) || !bytes.HasPrefix(body, []byte(`{"session_id":"`)) {
					t.Fatalf("want 200 with a cut JSON body, got %v %v %q", resp.StatusCode, err, body)
				}
			}, true},
		{"huge", Fault{Kind: FaultHuge}, 10 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || len(body) != HugeBodyBytes || !json.Valid(body) {
					t.Fatalf("want 200 with %d bytes of JSON, got %v %v %d bytes", HugeBodyBytes, resp.StatusCode, err, len(body))
				}
			}, false},
		{"empty", Fault{Kind: FaultEmpty}, 5 * time.Second,
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 200 || len(body) != 0 {
					t.Fatalf("want 200 empty, got %v %v %q", resp.StatusCode, err, body)
				}
			}, false},
		{"reset", Fault{Kind: FaultReset}, 5 * time.Second,
			func(t *testing.T, _ *http.Response, _ []byte, err error) {
				if err == nil || isTimeout(err) {
					t.Fatalf("want a connection error, got %v", err)
				}
			}, false},
		{"hang", Fault{Kind: FaultHang}, 100 * time.Millisecond,
			func(t *testing.T, _ *http.Response, _ []byte, err error) {
				if !isTimeout(err) {
					t.Fatalf("want a client timeout, got %v", err)
				}
			}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, c := newTestServer(t, Options{})
			c.Timeout = tt.timeout
			srv.SetFault(tt.fault)
			resp, body, err := send(t, srv, c, 1)
			tt.check(t, resp, body, err)
			if got := srv.Visitor(1).Requests > 0; got != tt.applied {
				t.Errorf("visitor state changed = %v, want %v", got, tt.applied)
			}
			// The fault stays until cleared (Count 0).
			if tt.fault.Kind != FaultHang && tt.fault.Latency < time.Second {
				resp2, body2, err2 := send(t, srv, c, 2)
				tt.check(t, resp2, body2, err2)
			}
			srv.ClearFault()
			c.Timeout = 10 * time.Second // a loaded machine may need more than the fault's timeout
			if _, body, err := send(t, srv, c, 3); err != nil || !json.Valid(body) {
				t.Errorf("after ClearFault: %v %q", err, body)
			}
			// An abandoned request is recorded when its handler notices, asynchronously.
			var faulted []FaultKind
			for i := 0; len(faulted) == 0 && i < 2000; i++ {
				if i > 0 {
					time.Sleep(time.Millisecond)
				}
				for _, r := range srv.Requests() {
					if r.Fault != FaultNone {
						faulted = append(faulted, r.Fault)
					}
				}
			}
			if len(faulted) == 0 || faulted[0] != tt.fault.Kind {
				t.Errorf("recorded faults %v, want %v", faulted, tt.fault.Kind)
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return err != nil && (errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded))
}

func TestFaultCount(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	srv.SetFault(Fault{Kind: FaultStatus, Status: 503, Count: 2})
	var got []int
	for i := range 4 {
		resp, _, err := send(t, srv, c, uint32(i+1))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.StatusCode)
	}
	if want := []int{503, 503, 200, 200}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCloseEndsHangingRequests(t *testing.T) {
	for _, f := range []Fault{{Kind: FaultHang, Count: 1}, {Kind: FaultLatency, Latency: time.Hour, Count: 1}} {
		t.Run(f.Kind.String(), func(t *testing.T) {
			srv := NewServer(Options{})
			c := &http.Client{}
			defer c.CloseIdleConnections()
			srv.SetFault(f)
			errc := make(chan error, 1)
			go func() {
				_, _, err := send(t, srv, c, 1)
				errc <- err
			}()
			// A Count-1 fault disappears once a handler has taken it.
			for i := 0; faultPending(srv) && i < 5000; i++ {
				time.Sleep(time.Millisecond)
			}
			start := time.Now()
			srv.Close()
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Close took %v with a blocked handler", d)
			}
			if err := <-errc; err == nil {
				t.Errorf("client got an answer from a closed server")
			}
		})
	}
}

// faultPending reports whether a fault is set and not yet used up.
func faultPending(s *Server) bool {
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	return s.fault.f != nil
}

func TestSetFaultConcurrent(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 20 {
				srv.SetFault(Fault{Kind: FaultStatus, Count: 1})
				srv.ClearFault()
			}
		}()
		go func() {
			defer wg.Done()
			for range 10 {
				resp, _, err := send(t, srv, c, uint32(i))
				if err != nil || (resp.StatusCode != 200 && resp.StatusCode != 503) {
					t.Errorf("unexpected %v %v", resp, err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 40 {
		t.Errorf("recorded %d requests, want 40", n)
	}
}
