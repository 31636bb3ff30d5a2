package shoptest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gopersonyze/personyze/examples/shop"
)

// inspectorLink finds the footer's link to the live inspector.
var inspectorLink = regexp.MustCompile(`<a id="inspector-link" href="([^"]+)">`)

// Inspector checks with a plain HTTP client that an example on the simulator mounts the
// live inspector where its footer links, outside the Personyze middleware (its own
// requests are not recorded), and that it lists the pages the visitor saw with what they
// sent.
func Inspector(t *testing.T, newHandler NewHandler) {
	_, base := Start(t, newHandler)
	c := newClient(t)
	home := c.get(t, base+"/")
	expectStatus(t, home, http.StatusOK)
	m := inspectorLink.FindStringSubmatch(home.body)
	if m == nil || m[1] != shop.InspectorPath {
		t.Fatalf("the footer links to the inspector at %v, want %s", m, shop.InspectorPath)
	}
	page := c.get(t, base+m[1])
	expectStatus(t, page, http.StatusOK)
	if !strings.Contains(page.body, "<title>Personyze inspector</title>") {
		t.Fatalf("the footer's link leads to %.200q", page.body)
	}
	expectStatus(t, c.get(t, base+"/products/travel-press"), http.StatusOK)
	expectRedirect(t, c.post(t, base+"/cart/travel-press", ""), "/cart")

	var doc struct {
		Requests []struct {
			Method, Path, Kind, Reason, Outcome string
			Sent                                []struct{ Name string }
		}
	}
	resp := c.get(t, base+shop.InspectorPath+"requests")
	expectStatus(t, resp, http.StatusOK)
	if err := json.Unmarshal([]byte(resp.body), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range doc.Requests {
		line := e.Method + " " + e.Path + " " + e.Kind + " " + e.Outcome
		for _, cmd := range e.Sent {
			if cmd.Name != "Action Status" { // the statuses riding along depend on the recommendations
				line += " " + cmd.Name
			}
		}
		got = append(got, line)
	}
	want := []string{
		"POST /cart/travel-press event ok Product Added to cart",
		"GET /products/travel-press page ok Product Viewed Navigate",
		"GET / page ok Navigate",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the inspector lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// BrowserInspector opens the live inspector in one Chromium tab and browses the shop in
// another: each page appears in the inspector as it is served, with its commands and
// outcome, without a reload; the page fits a phone's width. With opts.Screenshot and
// ScreenshotEnv it saves the inspector's screenshot.
func BrowserInspector(t *testing.T, newHandler NewHandler, opts BrowserOptions) {
	chromium := findChromium(t)
	_, base := Start(t, newHandler)
	inspector := startBrowser(t, chromium)
	shopper, cancel := chromedp.NewContext(inspector) // a second tab of the same browser
	t.Cleanup(cancel)
	// The tab opens with the first action on its own context: one bounded by a step's
	// deadline would close it when the step ends.
	if err := chromedp.Do(shopper); err != nil {
		t.Fatalf("open the shopper's tab: %v", err)
	}
	do := func(tab context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(step, sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(inspector, stepTimeout)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return s
	}

	do(inspector, "open the inspector", chromedp.Navigate(base+shop.InspectorPath),
		chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)))
	// A mark in the inspector's document: still there at the end, so no row came by a reload.
	if _, err := chromedp.Run(inspector, chromedp.Evaluate[int](`window.__pzMark = 7`)); err != nil {
		t.Fatal(err)
	}

	// Each page of the shopper's tab appears in the inspector's, with its commands and outcome.
	for _, step := range []struct {
		name    string
		action  chromedp.Action[chromedp.Void]
		waitFor string // in the shopper's tab
		row     string // the inspector's row of the page
		cmds    []string
	}{
		{"home page", chromedp.Navigate(base + "/"), `a.rec-link`,
			`details.req[data-path="/"]`, []string{"Navigate(/)"}},
		// The shopper's tab is in the background: it follows links and presses buttons
		// through the page's own script rather than simulated mouse clicks.
		{"a product", chromedp.Evaluate[chromedp.Void](`document.querySelector('.grid a.card-link[href="/products/travel-press"]').click()`), `#add-to-cart`,
			`details.req[data-path="/products/travel-press"]`, []string{"Product Viewed(travel-press)", "Navigate(/products/travel-press)"}},
		{"add to cart", chromedp.Evaluate[chromedp.Void](`document.querySelector("#add-to-cart").click()`), `#checkout`,
			`details.req[data-path="/cart/travel-press"]`, []string{"Product Added to cart(travel-press)"}},
	} {
		do(shopper, step.name, step.action, chromedp.WaitVisible(chromedp.CSS(step.waitFor)))
		do(inspector, "the inspector shows "+step.name, chromedp.WaitVisible(chromedp.CSS(step.row+`[data-outcome="ok"]`)))
		line := text("read the row of "+step.name, step.row+` .cmds`)
		for _, want := range step.cmds {
			if !strings.Contains(line, want) {
				t.Errorf("the inspector's row of %s says %q, want %s in it", step.name, line, want)
			}
		}
		if got := text("read the outcome of "+step.name, step.row+` .outcome`); got != "ok" {
			t.Errorf("the row of %s shows outcome %q", step.name, got)
		}
	}
	if mark, err := chromedp.Run(inspector, chromedp.Evaluate[int](`window.__pzMark || 0`)); err != nil || mark != 7 {
		t.Fatalf("the inspector's page was reloaded (mark %d, %v): rows must arrive live", mark, err)
	}

	// The details of the first page (which set the visitor's cookie) and of the product
	// page, as a developer opens them.
	for _, d := range []struct {
		row  string
		want []string
	}{
		{`details.req[data-path="/"]`, []string{"new visitor", "personyze set", "Path=/", "HttpOnly", "SameSite=Lax", "Cache-Control"}},
		{`details.req[data-path="/products/travel-press"]`, []string{"user id", "device", "regular", "Product Viewed(travel-press)",
			"Popular products", "application/json", "campaign #", "held for the visitor's next call", "Action Status("}},
	} {
		do(inspector, "open "+d.row, chromedp.Click(chromedp.CSS(d.row+` > summary`)), chromedp.WaitVisible(chromedp.CSS(d.row+` .body`)))
		details := text("read "+d.row, d.row+` .body`)
		for _, want := range d.want {
			if !strings.Contains(details, want) {
				t.Errorf("%s lacks %q:\n%s", d.row, want, details)
			}
		}
	}
	do(inspector, "close the first page's details", chromedp.Click(chromedp.CSS(`details.req[data-path="/"] > summary`)))
	if opts.Screenshot != "" && os.Getenv(ScreenshotEnv) == "1" {
		png, err := chromedp.Run(inspector, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(opts.Screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot of the inspector saved to %s", opts.Screenshot)
	}

	// A click on a user id keeps that visitor's requests (the favicon's has none).
	do(inspector, "filter by visitor", chromedp.Click(chromedp.CSS(`details.req[data-path="/products/travel-press"] button.uid`)),
		chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)))
	kept, err := chromedp.Run(inspector, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("details.req")).map(d => d.dataset.path + " " + (d.dataset.visitor === document.getElementById("visitor").value))`))
	if err != nil || strings.Join(kept, ",") != "/cart true,/cart/travel-press true,/products/travel-press true,/ true" {
		t.Errorf("filtered by the visitor, the inspector lists %q (%v)", kept, err)
	}

	// Readable on a phone: nothing wider than its screen.
	do(inspector, "phone width", chromedp.EmulateViewport(390, 844))
	var fits bool
	fits, err = chromedp.Run(inspector, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !fits {
		t.Errorf("the inspector is wider than a 390 px phone (%v)", err)
	}
}
