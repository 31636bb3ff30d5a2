package shoptest

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// regionsLatency is how slowly the simulated Personyze answers in BrowserRegions: longer
// than the page's budget (Config.Timeout, 300 ms), so the shop's regions must stream.
const regionsLatency = 600 * time.Millisecond

// streamedRecs matches a response whose recommendations were streamed: the fallback
// between its markers, then the region at the end.
var streamedRecs = regexp.MustCompile(`(?s)<\?start name="pz\d+-recs">.*<\?end>.*<template for="pz\d+-recs">`)

// regionsState is what BrowserRegions reads from a page.
type regionsState struct {
	Recs      int    `json:"recs"`      // recommendations inside the reserved slot
	Fallback  bool   `json:"fallback"`  // the slot shows the fallback
	Templates int    `json:"templates"` // <template for> still in the document
	Footer    bool   `json:"footer"`    // the page rendered to its end
	Debug     string `json:"debug"`     // the debug panel's outcome
	Cookie    string `json:"cookie"`
	Markers   string `json:"markers"`
}

// regionsJS reads regionsState.
const regionsJS = `({
	recs: document.querySelectorAll(".recs-slot li.rec").length,
	fallback: (document.querySelector(".recs-slot") || {textContent: ""}).textContent.includes("Finding recommendations"),
	templates: document.querySelectorAll("template[for]").length,
	footer: !!document.querySelector("footer.site-footer"),
	debug: (document.querySelector("#personyze-debug summary code") || {textContent: ""}).textContent,
	cookie: document.cookie,
	markers: (() => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT | NodeFilter.SHOW_PROCESSING_INSTRUCTION); const out = []; let n; while ((n = w.nextNode())) out.push(n.nodeType + ":" + (n.data || "").slice(0, 30)); return out.join("|"); })()
})`

// BrowserRegions drives Chromium to a product page while Personyze answers in 600 ms:
// with JavaScript on, the recommendations streamed into the response are put in place
// (inside the slot that reserved their space, no <template> left, the debug panel showing
// the call's final outcome); with JavaScript off, the fallback stays and the page is
// complete. It also reports whether Chromium's declarative partial updates (started with
// --enable-experimental-web-platform-features) put the region in place without script.
func BrowserRegions(t *testing.T, newHandler NewHandler) {
	chromium := findChromium(t)
	s, base := Start(t, newHandler)
	s.Simulator.SetFault(personyzetest.Fault{Kind: personyzetest.FaultLatency, Latency: regionsLatency})
	page := base + "/products/travel-press"
	// The page streams: the response itself carries the fallback and, at its end, the region.
	c := newClient(t)
	if body := c.getRaw(t, page); !streamedRecs.MatchString(body) {
		t.Fatalf("the product page did not stream its recommendations with Personyze at %v:\n%s", regionsLatency, body)
	}
	load := func(t *testing.T, bctx context.Context, noScript bool) regionsState {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, stepTimeout)
		defer cancel()
		if noScript {
			if _, err := chromedp.Call(sctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatalf("disable JavaScript: %v", err)
			}
		}
		// Navigate returns at the load event: the whole response, streamed regions included.
		if err := chromedp.Do(sctx, chromedp.Navigate(page)); err != nil {
			t.Fatalf("open %s: %v", page, err)
		}
		st, err := chromedp.Run(sctx, chromedp.Evaluate[regionsState](regionsJS))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		return st
	}
	// A browser without declarative partial updates: the stream script does the work.
	legacy := chromedp.Flag("disable-blink-features", "DocumentPatching,HTMLProcessingInstruction")
	t.Run("javascript", func(t *testing.T) {
		st := load(t, startBrowser(t, chromium, legacy), false)
		t.Logf("%+v", st)
		if st.Recs == 0 || st.Fallback || st.Templates != 0 || !st.Footer || st.Debug != "ok" {
			t.Errorf("with JavaScript the streamed regions are not in place: %+v", st)
		}
	})
	t.Run("no javascript", func(t *testing.T) {
		st := load(t, startBrowser(t, chromium, legacy), true)
		t.Logf("%+v", st)
		if st.Recs != 0 || !st.Fallback || !st.Footer || st.Debug != "pending" {
			t.Errorf("without JavaScript the fallback is not in place in a complete page: %+v", st)
		}
	})
	t.Run("native", func(t *testing.T) {
		st := load(t, startBrowser(t, chromium, chromedp.Flag("enable-experimental-web-platform-features", true)), true)
		t.Logf("declarative partial updates without script: %+v (filled: %t)", st, st.Recs > 0)
		if !st.Footer || (st.Recs == 0 && !st.Fallback) {
			t.Errorf("the page is neither filled nor showing its fallback: %+v", st)
		}
	})
}
