package shoptest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// client is a cookie-keeping HTTP client that does not follow redirects, so
// the suites can check every 303.
type client struct{ hc *http.Client }

// uaTransport sends a desktop browser's headers on every request.
type uaTransport struct{ next http.RoundTripper }

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", DesktopUserAgent)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9,de;q=0.5")
	if r.Header.Get("Accept") == "" {
		r.Header.Set("Accept", "text/html") // a browser navigating to a page, unless the test says otherwise
	}
	return u.next.RoundTrip(r)
}

func newClient(t testing.TB) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{hc: &http.Client{
		Jar:       jar,
		Timeout:   10 * time.Second,
		Transport: uaTransport{http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

func (c *client) do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	// As the visitor's browser shows it: regions streamed because Personyze was slower
	// than the inline wait (a loaded machine, -race) are in place.
	return response{resp, personyzetest.ShowRegions(string(b))}
}

// getRaw fetches u as a page view and returns the body as it came, regions not put in place.
func (c *client) getRaw(t testing.TB, u string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return string(b)
}

func (c *client) get(t testing.TB, u string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, req)
}

// post submits an empty form, as the shop's buttons do, with a Referer.
func (c *client) post(t testing.TB, u, referer string) response {
	t.Helper()
	return c.postForm(t, u, referer, url.Values{})
}

// postForm submits form with a Referer.
func (c *client) postForm(t testing.TB, u, referer string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	return c.do(t, req)
}
