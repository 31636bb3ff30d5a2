package wire

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "8C03F1C7FF861065B3D063CD6A4DD0F8E8008FE9"

// testUserAgent is core's default User-Agent, which these tests relied on when they lived in
// package core.
const testUserAgent = "gopersonyze/0.1.0 (+https://github.com/gopersonyze/personyze)"

// testOptions returns the Options package core passes for a Config that sets only the API key
// and base URL (baseURL must end in "/", as core normalizes it): core's defaults, set explicitly.
func testOptions(baseURL string) Options {
	return Options{APIKey: testKey, BaseURL: baseURL, UserAgent: testUserAgent,
		Timeout: 300 * time.Millisecond, MaxResponseBytes: 1 << 20}
}

// newTestClient starts h on 127.0.0.1 and returns a Client pointed at it.
func newTestClient(t *testing.T, h http.HandlerFunc, mod ...func(*Options)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := testOptions(srv.URL + "/rest/")
	opts.Timeout = 5 * time.Second
	for _, m := range mod {
		m(&opts)
	}
	c := NewClient(opts)
	t.Cleanup(c.CloseIdleConnections)
	return c, srv
}

// Command helpers: the wire form of what package core's constructors build.

// navigate is core.Navigate(doc).
func navigate(doc string) Command {
	return Command{Name: "Navigate", Args: []string{"urn:personyze:doc:" + url.PathEscape(doc)}, Navigate: true}
}

// productViewed is core.ProductViewed(id), with core's WithAction(actionID) when actionID > 0.
func productViewed(id string, actionID int64) Command {
	return Command{Name: "Product Viewed", Args: []string{id}, ActionID: actionID}
}

// userProfile is core.UserProfile(field, value).
func userProfile(field, value string) Command {
	return Command{Name: "User Profile", Args: []string{field, value}}
}

func TestSendWireContract(t *testing.T) {
	req := benchRequest()
	var got struct {
		method, path, ctype, ua, enc, user, pass string
		ok                                       bool
		body                                     []byte
	}
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path = r.Method, r.URL.Path
		got.ctype, got.ua, got.enc = r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get("Accept-Encoding")
		got.user, got.pass, got.ok = r.BasicAuth()
		got.body, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, `{"session_id":"1700000000 new","actions":[{"id":10,"data":{"data":"{\"internal_id\":\"P9\"}"}}]}`)
	})
	resp, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != "POST" || got.path != "/rest/tracker-v1" || got.ctype != "application/json" ||
		got.ua != testUserAgent || got.enc != "gzip" || !got.ok || got.user != "api" || got.pass != testKey {
		t.Errorf("request %+v", got)
	}
	if want := req.AppendJSON(nil); !bytes.Equal(got.body, want) {
		t.Errorf("body\n got %s\nwant %s", got.body, want)
	}
	if resp.SessionID != "1700000000 new" || len(resp.Actions) != 1 || resp.Actions[0].ID != 10 {
		t.Fatalf("response %+v", resp)
	}
	if items, ok := ParseItems(resp.Actions[0].Data["data"]); !ok || len(items) != 1 || items[0]["internal_id"] != "P9" {
		t.Errorf("response items %v, %v", items, ok)
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

func TestSendErrors(t *testing.T) {
	big := `{"session_id":"` + strings.Repeat("x", 2000) + `"}`
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       []byte
		is         error // errors.Is target, nil = none
		code       int   // StatusError code, 0 = not a StatusError
		message    string
		retryable  bool
		retryAfter time.Duration
	}{
		{name: "401", status: 401, body: []byte("Unauthorized"), is: ErrUnauthorized, code: 401, message: "Unauthorized"},
		{name: "503 retry-after seconds", status: 503, header: map[string]string{"Retry-After": "7"}, is: ErrUnavailable, code: 503,
			retryable: true, retryAfter: 7 * time.Second},
		{name: "503 retry-after date", status: 503, header: map[string]string{"Retry-After": "Sun, 06 Nov 1994 08:49:57 GMT"},
			is: ErrUnavailable, code: 503, retryable: true, retryAfter: 30 * time.Second},
		{name: "500 keeps Personyze's message", status: 500, body: []byte("  Unknown command\n  \"Produkt Viewed\"  \n"),
			is: ErrServer, code: 500, message: `Unknown command "Produkt Viewed"`, retryable: true},
		{name: "500 message never shows the key", status: 500, body: []byte("bad key " + testKey), is: ErrServer, code: 500,
			message: "bad key [REDACTED]", retryable: true},
		{name: "500 message bounded", status: 500, body: bytes.Repeat([]byte("é"), 5000), is: ErrServer, code: 500,
			message: strings.Repeat("é", 256) + "…", retryable: true},
		{name: "400 not retryable", status: 400, body: []byte("Bad request"), code: 400, message: "Bad request"},
		{name: "404", status: 404, code: 404},
		{name: "408 retryable", status: 408, code: 408, retryable: true},
		{name: "429 retryable", status: 429, header: map[string]string{"Retry-After": "2"}, code: 429, retryable: true, retryAfter: 2 * time.Second},
		{name: "502 retryable", status: 502, code: 502, retryable: true},
		{name: "redirect not followed", status: 302, header: map[string]string{"Location": "https://evil.example/"}, code: 302},
		{name: "empty body", status: 200, is: ErrEmptyResponse, retryable: true},
		{name: "204", status: 204, is: ErrEmptyResponse, retryable: true},
		{name: "malformed JSON", status: 200, body: []byte("<html>oops</html>"), is: ErrMalformedResponse},
		{name: "too large", status: 200, body: []byte(big), is: ErrResponseTooLarge},
		{name: "too large after gzip", status: 200, header: map[string]string{"Content-Encoding": "gzip"}, body: gzipped(big), is: ErrResponseTooLarge},
		{name: "corrupt gzip", status: 200, header: map[string]string{"Content-Encoding": "gzip"}, body: []byte("not gzip at all"), is: ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write(tt.body)
			}, func(o *Options) { o.MaxResponseBytes = 1000 })
			c.now = func() time.Time { return time.Date(1994, 11, 6, 8, 49, 27, 0, time.UTC) }
			resp, err := c.Send(context.Background(), benchRequest())
			if err == nil || resp != nil {
				t.Fatalf("Send = %v, %v; want an error", resp, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
			for _, other := range []error{ErrUnauthorized, ErrUnavailable, ErrServer, ErrEmptyResponse, ErrMalformedResponse, ErrResponseTooLarge} {
				if other != tt.is && errors.Is(err, other) {
					t.Errorf("err = %v also matches %v", err, other)
				}
			}
			var se *StatusError
			if isStatus := errors.As(err, &se); isStatus != (tt.code != 0) {
				t.Fatalf("errors.As StatusError = %v for %v", isStatus, err)
			}
			if se != nil && (se.StatusCode != tt.code || se.Message != tt.message) {
				t.Errorf("StatusError = %d %q, want %d %q", se.StatusCode, se.Message, tt.code, tt.message)
			}
			if got := Retryable(err); got != tt.retryable {
				t.Errorf("Retryable(%v) = %v, want %v", err, got, tt.retryable)
			}
			if got := RetryAfter(err); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error reveals the key: %v", err)
			}
		})
	}
}

func TestSendGzip(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gzipped(`{"session_id":"zipped"}`))
	})
	resp, err := c.Send(context.Background(), benchRequest())
	if err != nil || resp.SessionID != "zipped" {
		t.Fatalf("Send = %+v, %v", resp, err)
	}
}

func TestSendNetworkAndContextErrors(t *testing.T) {
	// A listener that is closed at once: nothing answers on that port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c := NewClient(testOptions("http://" + addr + "/rest/"))
	t.Cleanup(c.CloseIdleConnections)
	_, err = c.Send(context.Background(), benchRequest())
	if err == nil || !Retryable(err) || strings.Contains(err.Error(), testKey) {
		t.Errorf("connection refused: err = %v, Retryable = %v", err, Retryable(err))
	}

	release := make(chan struct{})
	slow, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	defer close(release)

	_, err = slow.Send(context.Background(), benchRequest()) // Options.Timeout applies
	if !errors.Is(err, context.DeadlineExceeded) || !Retryable(err) {
		t.Errorf("timeout: err = %v, Retryable = %v", err, Retryable(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = slow.Send(ctx, benchRequest())
	if !errors.Is(err, context.Canceled) || Retryable(err) {
		t.Errorf("canceled: err = %v, Retryable = %v", err, Retryable(err))
	}
}

// splitServer answers each call with session "s<n>" and records the bodies.
type splitServer struct {
	mu     sync.Mutex
	bodies [][]byte
	failAt int // 1-based call that answers 503; 0 = never
}

func (s *splitServer) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	n := len(s.bodies)
	s.mu.Unlock()
	if n == s.failAt {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, `{"session_id":"s`+strconv.Itoa(n)+`","conditions":[`+strconv.Itoa(n)+`]}`)
}

func bigRequest() *Request {
	req := &Request{UserID: 7, SessionID: "1700000000 orig", NewSession: true, PastSessions: "1700000000", Platform: "Linux",
		Languages: "en", OS: "Linux", DeviceType: "regular"}
	req.Commands = append(req.Commands, navigate("/first")) // Navigate must still end up in the last call
	for i := range 130 {
		req.Commands = append(req.Commands, productViewed(strconv.Itoa(i)+"-"+strings.Repeat("x", 1000), 0))
	}
	return req
}

func TestSendSplitsBigRequests(t *testing.T) {
	s := &splitServer{}
	c, _ := newTestClient(t, s.handle)
	req := bigRequest()
	if n := len(req.AppendJSON(nil)); n <= MaxRequestBytes {
		t.Fatalf("test request is only %d bytes", n)
	}
	resp, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.bodies) < 3 {
		t.Fatalf("%d calls, want at least 3", len(s.bodies))
	}
	if want := "s" + strconv.Itoa(len(s.bodies)); resp.SessionID != want {
		t.Errorf("returned session %q, want the last call's %q", resp.SessionID, want)
	}
	var sent [][]any
	for i, body := range s.bodies {
		if len(body) > MaxRequestBytes {
			t.Errorf("call %d is %d bytes", i+1, len(body))
		}
		var w wireRequest
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		wantSession, wantNew := "1700000000 orig", true
		if i > 0 {
			wantSession, wantNew = "s"+strconv.Itoa(i), false
		}
		if w.SessionID == nil || *w.SessionID != wantSession || w.NewSession != wantNew {
			t.Errorf("call %d: session %v new %v, want %q %v", i+1, w.SessionID, w.NewSession, wantSession, wantNew)
		}
		if w.UserID != 7 || w.PastSessions != "1700000000" || w.Platform != "Linux" || w.DeviceType != "regular" {
			t.Errorf("call %d lost visitor fields: %+v", i+1, w)
		}
		for j, cmd := range w.Commands {
			isNav := cmd[0] == "Navigate"
			if isNav && (i != len(s.bodies)-1 || j != len(w.Commands)-1) {
				t.Errorf("Navigate in call %d position %d, want last of last", i+1, j)
			}
		}
		sent = append(sent, w.Commands...)
	}
	// Every command delivered exactly once, in order, Navigate moved behind the others.
	var want [][]any
	for _, cmd := range append(req.Commands[1:], req.Commands[0]) {
		b := cmd.AppendJSON(nil)
		var arr []any
		_ = json.Unmarshal(b, &arr)
		want = append(want, arr)
	}
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("sent %d commands, want %d in order", len(sent), len(want))
	}
}

func TestSendSplitPartialFailure(t *testing.T) {
	s := &splitServer{failAt: 2}
	c, _ := newTestClient(t, s.handle)
	req := bigRequest()
	_, err := c.Send(context.Background(), req)
	var pe *PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PartialError", err)
	}
	if pe.Sent != 1 || len(s.bodies) != 2 || pe.Total < 3 {
		t.Errorf("PartialError %d/%d after %d calls", pe.Sent, pe.Total, len(s.bodies))
	}
	var first wireRequest
	_ = json.Unmarshal(s.bodies[0], &first)
	if len(first.Commands)+len(pe.Unsent) != len(req.Commands) || !pe.Unsent[len(pe.Unsent)-1].Navigate {
		t.Errorf("delivered %d + unsent %d != %d commands", len(first.Commands), len(pe.Unsent), len(req.Commands))
	}
	if !errors.Is(err, ErrUnavailable) || !Retryable(err) {
		t.Errorf("PartialError hides its cause: %v", err)
	}
}

func TestSendRejectsOversizedCommand(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	req := &Request{UserID: 1, Commands: []Command{productViewed("small", 0), userProfile("bio", strings.Repeat("\x01", 10000))}}
	_, err := c.Send(context.Background(), req) // 10,000 control bytes encode to 60,000
	if !errors.Is(err, ErrRequestTooBig) || !strings.Contains(err.Error(), "User Profile") {
		t.Errorf("err = %v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("server saw %d calls", calls.Load())
	}
}

func TestSendReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write(bytes.Repeat([]byte("e"), 20000)) // more than the message bound: must be drained
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	opts := testOptions(srv.URL + "/")
	opts.Timeout = 5 * time.Second
	c := NewClient(opts)
	t.Cleanup(c.CloseIdleConnections)
	for range 5 {
		if _, err := c.Send(context.Background(), benchRequest()); !errors.Is(err, ErrServer) {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 sequential calls, want 1 (bodies not drained?)", n)
	}
}

func TestSendConcurrent(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		var w2 wireRequest
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &w2)
		_, _ = io.WriteString(w, `{"session_id":"u`+strconv.FormatUint(uint64(w2.UserID), 10)+`"}`)
	})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			req := benchRequest()
			req.UserID = uint32(i)
			resp, err := c.Send(context.Background(), req)
			if err == nil && resp.SessionID != "u"+strconv.Itoa(i) {
				err = errors.New("crossed responses: " + resp.SessionID)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestClientNeverPrintsKey: however a Client is printed, neither the key nor its Basic
// credentials show: the fields that hold them are pointers, which fmt prints as addresses.
func TestClientNeverPrintsKey(t *testing.T) {
	c := NewClient(testOptions("https://personyze.example/rest/"))
	basic := base64.StdEncoding.EncodeToString([]byte("api:" + testKey))
	for _, out := range []string{fmt.Sprintf("%v", *c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c),
		fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		for _, secret := range []string{testKey, basic} {
			if strings.Contains(out, secret) {
				t.Errorf("output reveals %q: %s", secret, out)
			}
		}
	}
}
