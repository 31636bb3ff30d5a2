package shoptest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// RequireBrowserEnv, when "1", turns a missing Chromium into a failure
// instead of a skip (CI sets it after installing Chromium).
const RequireBrowserEnv = "PERSONYZE_REQUIRE_BROWSER"

// ScreenshotEnv, when "1", makes Browser save its product-page screenshot.
const ScreenshotEnv = "PERSONYZE_SCREENSHOT"

// browserTimeout bounds a whole browser scenario, stepTimeout one step of it.
const (
	browserTimeout = 120 * time.Second
	stepTimeout    = 30 * time.Second
	// homeReloadPause is the pause before reloading a home page that rendered without
	// the account's metadata, to give its loading time.
	homeReloadPause = 250 * time.Millisecond
)

// chromiumPaths are where Debian, Ubuntu and other systems put Chromium.
var chromiumPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findChromium returns the browser to drive, or skips (fails when
// RequireBrowserEnv is set) when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, p := range chromiumPaths {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "no Chromium found (tried " + strings.Join(chromiumPaths, ", ") + "); install it with: apt-get install -y chromium"
	if os.Getenv(RequireBrowserEnv) == "1" {
		t.Fatal(msg + " (" + RequireBrowserEnv + "=1 makes this a failure)")
	}
	t.Skip(msg)
	return ""
}

// BrowserOptions tune Browser.
type BrowserOptions struct {
	// Screenshot, when not empty and ScreenshotEnv is "1", is the file the
	// product page's PNG screenshot is written to.
	Screenshot string
}

// Browser drives headless Chromium through the example like a visitor:
// home page with recommendations, a product, a recommendation link (checking
// the attributed view), add to cart, checkout, reload (checking the session
// id was kept) and the time_zone/screen script reaching the simulator.
func Browser(t *testing.T, newHandler NewHandler, opts BrowserOptions) {
	chromium := findChromium(t)
	s, base := Start(t, newHandler)
	sim := s.Simulator
	bctx := startBrowser(t, chromium)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// recHrefs lists the page's recommendation links to products.
	recHrefs := func(step string) []string {
		t.Helper()
		hrefs, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("a.rec-link")).map(a => a.getAttribute("href")).filter(h => h.startsWith("/products/"))`))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return hrefs
	}
	text := func(step, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return s
	}

	// Home page: recommendations are there, the "home-banner" placeholder shows the
	// account's HTML banner, and the "Summer sale" campaign shows its note. The banner and
	// the note need the account's metadata, which a fresh shop loads during its first page:
	// on a slow machine that page can render before it arrived (the library then loads it
	// for later pages), so the home page is reloaded until it shows them, within stepTimeout.
	do("open home page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`a.rec-link`)))
	for deadline := time.Now().Add(stepTimeout); ; {
		shown, err := chromedp.Run(bctx, chromedp.Evaluate[bool](
			`document.querySelector("#home-banner .personyze-banner") !== null && document.querySelector("#summer-sale") !== null`))
		if err != nil {
			t.Fatalf("look for the banner: %v", err)
		}
		if shown || time.Now().After(deadline) {
			break
		}
		t.Log("the home page rendered before the account's metadata arrived; reloading it")
		time.Sleep(homeReloadPause)
		do("reload home page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`a.rec-link`)))
	}
	do("home page banner", chromedp.WaitVisible(chromedp.CSS(`#home-banner .personyze-banner`)),
		chromedp.WaitVisible(chromedp.CSS(`#summer-sale`)))
	if len(recHrefs("read recommendations")) == 0 {
		t.Fatal("home page shows no recommendations to products")
	}
	if got := text("read the banner", `#home-banner`); !strings.Contains(got, "Summer sale") {
		t.Fatalf("home-banner placeholder says %q", got)
	}
	cta, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#home-banner a.personyze-cta").getAttribute("href")`))
	if err != nil || !strings.Contains(cta, "pz=t") {
		t.Fatalf("the banner's call to action %q (%v) is not attributed", cta, err)
	}

	// A product from the grid; each page below is told apart by a selector
	// only it has, so no step reads the previous page by mistake. Its recommendations are a
	// region: on a loaded machine the page goes out before Personyze answers and they are
	// streamed into it after the heading, so wait for them too.
	do("open a product",
		chromedp.Click(chromedp.CSS(`.grid a.card-link[href="/products/travel-press"]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1[data-product-id="travel-press"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.rec-link`)),
	)
	waitForCommand(t, sim, "Product Viewed", "travel-press")

	// Follow a recommendation link to another product: the view is attributed.
	var href string
	for _, h := range recHrefs("read recommendations") {
		if !strings.HasPrefix(h, "/products/travel-press") {
			href = h
			break
		}
	}
	if href == "" {
		t.Fatal("the product page recommends no other product")
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	productID := strings.TrimPrefix(u.Path, "/products/")
	do("follow a recommendation",
		chromedp.Click(chromedp.CSS(`a.rec-link[href="`+href+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`h1[data-product-id="`+productID+`"]`)),
	)
	aid := actionParam(t, u)
	waitForCommand(t, sim, "Product Viewed", productID, "action_id", aid)
	// The click is an Action Status with the product's id, in the same call; the pages
	// before reported their impressions ("executed") on the visitor's next call: the
	// banner and the recommendations that were shown.
	waitForCommand(t, sim, "Action Status", fmt.Sprint(aid), "product", productID)
	waitForCommand(t, sim, "Action Status", fmt.Sprint(personyzetest.ActionSummerBanner), "executed", "")
	waitForCommand(t, sim, "Action Status", fmt.Sprint(aid), "executed", "")
	do("product sidebar", chromedp.WaitVisible(chromedp.CSS(`#product-sidebar .personyze-note`)))

	if opts.Screenshot != "" && os.Getenv(ScreenshotEnv) == "1" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(opts.Screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot of the product page saved to %s", opts.Screenshot)
	}

	// Add to cart and check out.
	do("add to cart", chromedp.Click(chromedp.CSS(`#add-to-cart`)), chromedp.WaitVisible(chromedp.CSS(`#checkout`)))
	waitForCommand(t, sim, "Product Added to cart", productID)
	do("check out", chromedp.Click(chromedp.CSS(`#checkout`)), chromedp.WaitVisible(chromedp.CSS(`.hero h1`)))
	if got := text("read thanks page", `.hero h1`); !strings.Contains(got, "Thank you") {
		t.Fatalf("after checkout the page says %q", got)
	}
	waitForCommand(t, sim, "Products Purchased")

	// Reload: the visitor keeps its Personyze session.
	before := len(calls(sim))
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.hero h1`)))
	waitFor(t, sim, "the reload's call", func(cs []call) bool { return len(cs) > before })
	cs := calls(sim)
	checkSessionChain(t, cs)

	// The script helper's cookie brought the browser's time_zone and screen.
	type env struct {
		Zone   float64 `json:"zone"`
		Screen string  `json:"screen"`
	}
	want, err := chromedp.Run(bctx, chromedp.Evaluate[env](
		`({zone: Math.round(-new Date().getTimezoneOffset()/60*100)/100, screen: screen.width + "x" + screen.height})`))
	if err != nil {
		t.Fatalf("read the browser's time zone and screen: %v", err)
	}
	last := cs[len(cs)-1]
	if last.TimeZone == nil || *last.TimeZone != want.Zone {
		t.Errorf("last call's time_zone = %v, want the browser's %v", last.TimeZone, want.Zone)
	}
	if last.Screen != want.Screen {
		t.Errorf("last call's screen = %q, want the browser's %q", last.Screen, want.Screen)
	}
}

// startBrowser starts Chromium for one test, stopped when the test ends or after
// browserTimeout. Starting a browser is the one step given a second chance: on a loaded
// machine Chromium can exit during start-up, which says nothing about the shop. Every
// later step fails the test. Chromium's own output explains a browser that crashed or
// refused a page; it is shown only when the test fails.
func startBrowser(t *testing.T, chromium string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	out := &syncTail{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Chromium's output (last %d bytes):\n%s", tailBytes, out.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		opts := append([]chromedp.ExecAllocatorOption(nil),
			chromedp.ExecPath(chromium),
			chromedp.CombinedOutput(out),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			// Containers often mount a 64 MB /dev/shm, too small for Chromium's shared memory.
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-quic", true),
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(1280, 900),
			chromedp.UserAgent(DesktopUserAgent),
		)
		opts = append(opts, extra...)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
		bctx, cancelBrowser := chromedp.NewContext(allocCtx)
		// The first action starts Chromium, bounded by ctx.
		if err = chromedp.Do(bctx); err == nil {
			t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
			return bctx
		}
		cancelBrowser()
		cancelAlloc()
		t.Logf("start %s (attempt %d): %v; its output:\n%s", chromium, attempt, err, out.String())
	}
	t.Fatalf("start %s: %v", chromium, err)
	return nil
}

// tailBytes is how much of Chromium's output a failed test shows.
const tailBytes = 8 << 10

// syncTail keeps the last tailBytes written to it, from any goroutine.
type syncTail struct {
	mu sync.Mutex
	b  []byte
}

func (w *syncTail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if n := len(w.b); n > tailBytes {
		w.b = append(w.b[:0], w.b[n-tailBytes:]...)
	}
	return len(p), nil
}

func (w *syncTail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
