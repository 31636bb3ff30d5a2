package shoptest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gopersonyze/personyze/examples/shop"
)

// nonceMarker in a policy of BrowserCSP stands for a fresh nonce per response.
const nonceMarker = "{nonce}"

// cspPolicies are the policies BrowserCSP serves the shop under: the "Let's Go"
// snippetbox's (no nonce: the script must come from the same origin), and a strict
// nonce-based one as Google's CSP guide recommends (the nonce is in the header only; the
// shop's page data has none).
var cspPolicies = []struct {
	name, policy string
	form         string // a JavaScript test that the page holds the script in the expected form
}{
	{"self", "default-src 'self'", `document.querySelector('script[src^="/personyze-env.js?v="]') !== null`},
	{"nonce", "script-src 'nonce-" + nonceMarker + "' 'strict-dynamic'; object-src 'none'; base-uri 'none'",
		`Array.from(document.scripts).some(s => !s.src && s.nonce && s.textContent.indexOf("pz_env") >= 0)`},
}

// violationRecorder runs in every document before its own scripts (DevTools scripts are
// not subject to the page's policy) and keeps the page's script CSP violations.
const violationRecorder = `window.__pzViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
	if (e.effectiveDirective.indexOf("script-src") === 0) {
		window.__pzViolations.push(e.effectiveDirective + " refused " + e.blockedURI + " (" + e.originalPolicy + ")");
	}
});`

// BrowserCSP serves the shop with a Content-Security-Policy header set by an outer
// middleware, as real apps do (one policy per subtest: 'self' only, and a nonce one), and
// drives headless Chromium through two pages: the personyzeScript helper must run under
// the policy without a single script violation, so that the next page's call carries the
// browser's time zone and screen size.
func BrowserCSP(t *testing.T, newHandler NewHandler) {
	chromium := findChromium(t)
	for _, p := range cspPolicies {
		t.Run(p.name, func(t *testing.T) {
			s, base := Start(t, func(s *shop.Shop) http.Handler { return withCSP(p.policy, newHandler(s)) })
			sim := s.Simulator
			bctx := startBrowser(t, chromium)
			if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: violationRecorder}); err != nil {
				t.Fatalf("install the violation recorder: %v", err)
			}
			sctx, scancel := context.WithTimeout(bctx, stepTimeout)
			defer scancel()
			if err := chromedp.Do(sctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`a.rec-link`))); err != nil {
				t.Fatalf("open home page: %v", err)
			}
			// The script has run once its cookie is there. (chromedp.Poll would build its
			// predicate with new Function, which the policy refuses as eval.)
			for deadline := time.Now().Add(stepTimeout); ; {
				ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.cookie.indexOf("pz_env=") >= 0`))
				if err != nil {
					t.Fatalf("read the cookies: %v", err)
				}
				if ok {
					break
				}
				if time.Now().After(deadline) {
					violations, _ := chromedp.Run(bctx, chromedp.Evaluate[[]string](`window.__pzViolations`))
					t.Fatalf("the time zone cookie was never written; script violations: %q", violations)
				}
				time.Sleep(homeReloadPause)
			}
			before := len(calls(sim))
			if err := chromedp.Do(sctx, chromedp.Navigate(base+"/products/travel-press"),
				chromedp.WaitVisible(chromedp.CSS(`h1[data-product-id="travel-press"]`))); err != nil {
				t.Fatalf("open a product: %v", err)
			}
			waitFor(t, sim, "the product page's call", func(cs []call) bool { return len(cs) > before })
			violations, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`window.__pzViolations.concat(
				Array.from(document.scripts).filter(s => !s.src && !s.nonce).map(() => "an inline script without nonce"))`))
			if err != nil {
				t.Fatalf("read the violations: %v", err)
			}
			if len(violations) > 0 {
				t.Errorf("script CSP violations under %q: %q", p.policy, violations)
			}
			if form, err := chromedp.Run(bctx, chromedp.Evaluate[bool](p.form)); err != nil || !form {
				t.Errorf("the page lacks the script in the form %s (%v)", p.form, err)
			}
			type env struct {
				Zone   float64 `json:"zone"`
				Screen string  `json:"screen"`
			}
			want, err := chromedp.Run(bctx, chromedp.Evaluate[env](
				`({zone: Math.round(-new Date().getTimezoneOffset()/60*100)/100, screen: screen.width + "x" + screen.height})`))
			if err != nil {
				t.Fatalf("read the browser's time zone and screen: %v", err)
			}
			cs := calls(sim)
			last := cs[len(cs)-1]
			if last.TimeZone == nil || *last.TimeZone != want.Zone || last.Screen != want.Screen {
				t.Errorf("the product page's call has time_zone %v and screen %q, want the browser's %v and %q",
					last.TimeZone, last.Screen, want.Zone, want.Screen)
			}
		})
	}
}

// withCSP sets the policy on every response before the rest of the chain runs, as an
// application's security-headers middleware does; nonceMarker becomes a fresh nonce.
func withCSP(policy string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := policy
		if strings.Contains(p, nonceMarker) {
			p = strings.ReplaceAll(p, nonceMarker, base64.StdEncoding.EncodeToString([]byte(rand.Text())[:18]))
		}
		w.Header().Set("Content-Security-Policy", p)
		next.ServeHTTP(w, r)
	})
}
