package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
)

// rtFunc is an http.RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The Client's own transport is called directly, a caller's http.Client through Do: both
// must fail the same way.
func TestDirectRoundTripErrorsReadAsHTTPClients(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/rest/"
	_ = ln.Close() // nothing answers there
	refused := func(o *Options) {}
	withClient := func(o *Options) { o.HTTPClient = &http.Client{} }
	errs := map[string]error{}
	for name, mod := range map[string]func(*Options){"direct": refused, "http.Client": withClient} {
		opts := testOptions(base)
		mod(&opts)
		c := NewClient(opts)
		if (c.rt != nil) != (name == "direct") {
			t.Fatalf("%s: rt = %v", name, c.rt)
		}
		_, err := c.Send(context.Background(), benchRequest())
		var ue *url.Error
		if !errors.As(err, &ue) || ue.Op != "Post" || ue.URL != base+trackerPath || !Retryable(err) {
			t.Errorf("%s: %v (%T)", name, err, err)
		}
		_, err = c.Get(context.Background(), "actions")
		if !errors.As(err, &ue) || ue.Op != "Get" {
			t.Errorf("%s: Get: %v", name, err)
		}
		errs[name] = err
	}
	if a, b := errs["direct"].Error(), errs["http.Client"].Error(); a != b {
		t.Errorf("messages differ:\n direct:      %s\n http.Client: %s", a, b)
	}

	opts := testOptions(base)
	opts.Transport = rtFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	if _, err := NewClient(opts).Send(context.Background(), benchRequest()); err == nil || !strings.Contains(err.Error(), "nil *Response") {
		t.Errorf("a transport answering nothing: %v", err)
	}
	opts.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Request: r}, nil // no Body
	})
	if _, err := NewClient(opts).Send(context.Background(), benchRequest()); !errors.Is(err, ErrEmptyResponse) {
		t.Errorf("a transport answering no body: %v, want ErrEmptyResponse", err)
	}
}

func TestReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 100) // 1000 bytes
	tests := []struct {
		name      string
		announced int64
		limit     int64
		want      int
	}{
		{"exact length", 1000, 5000, 1000},
		{"unknown length", -1, 5000, 1000},
		{"announced too short", 10, 5000, 1000},
		{"announced too long", 4000, 5000, 1000},
		{"limit cuts", 1000, 300, 300},
		{"limit at length", 1000, 1000, 1000},
		{"limit one over", 1000, 1001, 1000},
	}
	for _, tt := range tests {
		for _, r := range []struct {
			kind string
			r    io.Reader
		}{{"whole", strings.NewReader(body)}, {"byte by byte", iotest.OneByteReader(strings.NewReader(body))}} {
			got, err := readAll(r.r, tt.announced, tt.limit)
			if err != nil || len(got) != tt.want || got != body[:tt.want] {
				t.Errorf("%s, %s: %d bytes, %v; want %d", tt.name, r.kind, len(got), err, tt.want)
			}
		}
	}
	boom := errors.New("boom")
	if got, err := readAll(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 10, 100); !errors.Is(err, boom) || got != "abc" {
		t.Errorf("a failing reader: %q, %v", got, err)
	}
}

// A caller's transport may write into a request's header (against the RoundTripper
// contract, but it happens): each call then needs a header of its own. Only the Client's
// own net/http transport shares one header among calls.
func TestCallersTransportGetsItsOwnHeader(t *testing.T) {
	answer := `{"session_id":"1700000000 ab"}`
	var seen []string
	opts := testOptions("http://127.0.0.1:1/rest/")
	opts.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.Header.Get("X-Mutated"))
		r.Header.Set("X-Mutated", "yes")
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
	})
	c := NewClient(opts)
	if c.sharedHeader {
		t.Fatal("a caller's transport shares the Client's header")
	}
	for range 2 {
		if _, err := c.Send(context.Background(), benchRequest()); err != nil {
			t.Fatal(err)
		}
	}
	if seen[0] != "" || seen[1] != "" {
		t.Fatalf("a header set by the transport on one call reached the next: %q", seen)
	}
	if !NewClient(testOptions("http://127.0.0.1:1/rest/")).sharedHeader {
		t.Error("the Client's own transport does not share the header")
	}
}
