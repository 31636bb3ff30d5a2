// Command echo is the demo shop on Echo v4, with Personyze personalization
// through the echoadapter package.
//
//	go run ./examples/echo
//
// Without PERSONYZE_API_KEY it talks to an in-process Personyze simulator.
// See package shop for the environment variables.
package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gopersonyze/personyze/echoadapter"
	"github.com/gopersonyze/personyze/examples/shop"
	"github.com/labstack/echo/v4"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, shop.EnvFromOS(), nil); err != nil {
		slog.Error("demo shop stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the shop on env.Addr until ctx is done, then delivers the
// Personyze events still queued. ready, when not nil, gets the address.
func run(ctx context.Context, env shop.Env, ready chan<- string) error {
	return shop.Run(ctx, env, ready, newHandler)
}

// newHandler wires the routes. The pages are in a group behind the Personyze
// middleware; static files are outside it, so they never become page views.
func newHandler(s *shop.Shop) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer{s.Pages}
	e.GET("/static/*", echo.WrapHandler(shop.StaticHandler()))
	if s.Inspector != nil { // with the simulator only
		e.GET(shop.InspectorPath+"*", echo.WrapHandler(s.Inspector))
	}

	pages := e.Group("", echoadapter.Middleware(s.Tracker))
	pages.GET("/", handle(s, s.Home))
	pages.GET("/products/:id", handle(s, s.Product))
	pages.GET("/articles/:id", handle(s, s.ArticlePage))
	pages.GET("/cart", handle(s, s.CartPage))
	pages.GET("/wishlist", handle(s, s.Wishlist))
	pages.GET("/thanks", handle(s, s.Thanks))
	pages.POST("/cart/:id", handle(s, s.AddToCart))
	pages.POST("/cart/:id/remove", handle(s, s.RemoveFromCart))
	pages.POST("/like/:id", handle(s, s.Like))
	pages.POST("/checkout", handle(s, s.Checkout))
	pages.POST("/signin", handle(s, s.SignIn))
	pages.POST("/signout", handle(s, s.SignOut))
	pages.RouteNotFound("/*", handle(s, s.NotFound))
	return e
}

// handle adapts a shop route to Echo: echoadapter.Visit gives the request's
// Personyze visit, and the result goes out through echoadapter.Render (Echo's
// c.Render) or c.Redirect.
func handle(s *shop.Shop, action func(shop.Request) shop.Result) echo.HandlerFunc {
	return func(c echo.Context) error {
		in := shop.Request{
			Visit:   echoadapter.Visit(c),
			Shopper: s.Store.ShopperID(c.Response(), c.Request()),
			ID:      c.Param("id"),
			Referer: c.Request().Referer(),
			User:    c.Request().PostFormValue("user"),
		}
		s.Authenticate(in) // the app's auth step, before the page's call
		res := action(in)
		if res.IsRedirect() {
			return c.Redirect(res.Status, res.Location)
		}
		// Echo renders into a buffer before it writes the status; echoadapter.Render
		// tells the visit the status first, so a 404 page is not a page view.
		return echoadapter.Render(c, res.Status, res.Page.Template, res.Page)
	}
}

// renderer lets c.Render render the shop's pages; data is the *shop.Page.
type renderer struct{ pages *shop.Renderer }

// Render implements echo.Renderer.
func (r renderer) Render(w io.Writer, _ string, data any, _ echo.Context) error {
	p, _ := data.(*shop.Page)
	return r.pages.Render(w, p)
}
