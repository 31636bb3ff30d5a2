package main

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gopersonyze/personyze/examples/shop/shoptest"
)

// TestRoutes walks every route with a plain HTTP client.
func TestRoutes(t *testing.T) { shoptest.Routes(t, newHandler) }

// TestErrorPages checks that the shop's 404 and error pages are not page views.
func TestErrorPages(t *testing.T) { shoptest.ErrorPages(t, newHandler) }

// TestRun starts the example as main does and stops it like SIGINT would.
func TestRun(t *testing.T) { shoptest.Lifecycle(t, run) }

// TestBrowser drives headless Chromium through the shop (skipped without
// Chromium unless PERSONYZE_REQUIRE_BROWSER=1).
func TestBrowser(t *testing.T) {
	shoptest.Browser(t, newHandler, shoptest.BrowserOptions{Screenshot: "../screenshot-product.png"})
}

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route listing on every test run
	os.Exit(m.Run())
}

// TestBrowserCSP drives headless Chromium through the shop served under a
// Content-Security-Policy: the time zone script must run without a violation.
func TestBrowserCSP(t *testing.T) { shoptest.BrowserCSP(t, newHandler) }

// TestInspector checks the live inspector the footer links to (simulator only).
func TestInspector(t *testing.T) { shoptest.Inspector(t, newHandler) }

// TestBrowserInspector watches the live inspector in one Chromium tab while another
// browses the shop (skipped without Chromium unless PERSONYZE_REQUIRE_BROWSER=1).
func TestBrowserInspector(t *testing.T) {
	shoptest.BrowserInspector(t, newHandler, shoptest.BrowserOptions{Screenshot: "../screenshot-inspector.png"})
}
