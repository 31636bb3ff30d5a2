package adaptertest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// Request headers of what is not a browser navigating to a page.
var (
	fetchHeaders = []string{"Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty", "Accept", "*/*"}
	xhrHeaders   = []string{"X-Requested-With", "XMLHttpRequest", "Sec-Fetch-Mode", "", "Sec-Fetch-Dest", "", "Accept", "text/html, */*"}
)

// notPageViews: fetch() and XHR requests, a JSON answer, a 404, a redirect and a 500 record
// no Navigate; with nothing tracked they make no call and leave no cookie and no cache
// header; an event the handler tracked is still delivered (with the cookie).
func notPageViews(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	cases := []struct {
		name, path string
		hdr        []string
		status     int
	}{
		{"fetch of a page", "/", fetchHeaders, http.StatusOK},
		{"JSON answer", "/api/stock", nil, http.StatusOK},
		{"404", "/missing", nil, http.StatusNotFound},
		{"redirect", "/old", nil, http.StatusFound},
		{"500", "/boom", nil, http.StatusInternalServerError},
		{"fetch of JSON", "/api/stock", fetchHeaders, http.StatusOK},
	}
	for _, tc := range cases {
		resp, _ := e.Get(c, tc.path, tc.hdr...)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if ck := sessionCookie(resp); ck != nil {
			t.Errorf("%s: set the session cookie", tc.name)
		}
		if v, cc := resp.Header.Values("Vary"), resp.Header.Get("Cache-Control"); slices.Contains(v, "Cookie") || cc == "private" {
			t.Errorf("%s: cache headers Vary %v Cache-Control %q", tc.name, v, cc)
		}
		if n := len(e.Sim.Requests()); n != 0 {
			t.Fatalf("%s: %d calls, want none (nothing tracked, not a page view)", tc.name, n)
		}
	}
	resp, body := e.Get(c, "/products/p1", xhrHeaders...)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<footer>end</footer>") {
		t.Fatalf("XHR of a product: status %d body %q", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script") {
		t.Error("XHR response got the env script: it is not a page view")
	}
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Product Viewed"}) {
		t.Errorf("XHR sent %v, want the tracked event without Navigate", got)
	}
	if sessionCookie(resp) == nil {
		t.Error("XHR that tracked an event did not set the session cookie")
	}
	e.Get(c, "/")
	if got := Names(e.LastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("navigation after them sent %v", got)
	}
	if n := len(e.Sim.Requests()); n != 2 {
		t.Errorf("%d calls, want 2 (the XHR's event, the page view)", n)
	}
}

// userKeyAfterAuth: a user key set by an auth middleware that runs after the adapter's
// reaches the page's call: two devices of the same user send one user_id, other than the
// anonymous one of either device.
func userKeyAfterAuth(t *testing.T, a Adapter) {
	e := shop(t, a)
	laptop, phone := e.Browser(), e.Browser()
	e.Get(laptop, "/")
	anon := e.LastCall().UserID
	resp, body := e.Get(laptop, "/account")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Account</h1>") {
		t.Fatalf("account: status %d body %q", resp.StatusCode, body)
	}
	signedIn := e.LastCall().UserID
	e.Get(phone, "/account")
	if other := e.LastCall().UserID; other != signedIn {
		t.Errorf("two devices of %s sent user_id %d and %d", AuthUser, signedIn, other)
	}
	if signedIn == anon {
		t.Errorf("signed-in user_id %d is the anonymous one", signedIn)
	}
	// eventNames: the laptop's account page left "executed" statuses that ride on the
	// same user's next call, the phone's.
	if got := eventNames(e.LastCall()); !slices.Equal(got, []string{"Navigate"}) {
		t.Errorf("account page sent %v", got)
	}
}

// consentWithdrawn: withdrawing consent in a handler, and a Config.Consent that refuses a
// visitor who still has the cookies, both delete the session cookie and pz_env and make
// no call.
func consentWithdrawn(t *testing.T, a Adapter) {
	e := shopWith(t, a, personyzetest.Options{Seed: 1}, func(c *core.Config) {
		c.Consent = func(r *http.Request) bool {
			ck, err := r.Cookie("consent")
			return err != nil || ck.Value != "no"
		}
	})
	u, _ := url.Parse(e.App.URL)
	for _, how := range []string{"handler", "Config.Consent"} {
		c := e.Browser()
		resp, _ := e.Get(c, "/")
		if sessionCookie(resp) == nil {
			t.Fatalf("%s: first page set no cookie", how)
		}
		c.Jar.SetCookies(u, []*http.Cookie{{Name: core.EnvCookieName, Value: "tz=2&s=1920x1080", Path: "/"}})
		calls := len(e.Sim.Requests())
		if how == "handler" {
			resp, _ = e.Do(c, http.MethodPost, "/consent/withdraw")
		} else {
			c.Jar.SetCookies(u, []*http.Cookie{{Name: "consent", Value: "no", Path: "/"}})
			resp, _ = e.Get(c, "/products/p1")
		}
		deleted := map[string]bool{}
		for _, ck := range resp.Cookies() {
			if ck.MaxAge < 0 {
				deleted[ck.Name] = true
			}
		}
		if !deleted["personyze"] || !deleted[core.EnvCookieName] {
			t.Errorf("%s: deleted %v, want personyze and %s (Set-Cookie %q)", how, deleted, core.EnvCookieName, resp.Header.Values("Set-Cookie"))
		}
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "personyze" || ck.Name == core.EnvCookieName {
				t.Errorf("%s: the browser still holds %s", how, ck.Name)
			}
		}
		// Page calls finish before their response, so a call would be recorded by now.
		if n := len(e.Sim.Requests()); n != calls {
			t.Errorf("%s: %d calls after the withdrawal, want none", how, n-calls)
		}
	}
}

// envScript: the page template calls personyzeScript with the Visit and no nonce in its
// data, and renders whole; the script is there for a tracked page view (loaded from the
// same origin without a policy, see envScriptFile), carries the nonce of the response's
// Content-Security-Policy, and is absent for a bot.
func envScript(t *testing.T, a Adapter) {
	e := shop(t, a)
	c := e.Browser()
	_, body := e.Get(c, "/")
	if !strings.HasSuffix(body, "</script><footer>end</footer>") || !envScriptTag.MatchString(body) || strings.Contains(body, "nonce=") {
		t.Errorf("page: want the same-origin script without nonce and the footer at the end: %q", body)
	}
	resp, body := e.Get(c, "/csp")
	if resp.Header.Get("Content-Security-Policy") != CSPHeader || !strings.Contains(body, `<script nonce="`+CSPNonce+`">`) ||
		!strings.HasSuffix(body, "<footer>end</footer>") {
		t.Errorf("csp page: want the script with nonce %q: %q", CSPNonce, body)
	}
	_, body = e.Get(c, "/", "User-Agent", "curl/8.5.0")
	if strings.Contains(body, "<script") || !strings.HasSuffix(body, "</p><footer>end</footer>") {
		t.Errorf("bot: want the page without the script: %q", body)
	}
}
