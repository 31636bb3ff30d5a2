// Command gin is the demo shop on Gin, with Personyze personalization
// through the ginadapter package.
//
//	go run ./examples/gin
//
// Without PERSONYZE_API_KEY it talks to an in-process Personyze simulator.
// See package shop for the environment variables.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/gopersonyze/personyze/examples/shop"
	"github.com/gopersonyze/personyze/ginadapter"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
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
	r := gin.New()
	r.Use(gin.Recovery())
	r.HTMLRender = htmlRender{s.Pages}
	r.GET("/static/*filepath", gin.WrapH(shop.StaticHandler()))
	if s.Inspector != nil { // with the simulator only
		r.GET(shop.InspectorPath+"*any", gin.WrapH(s.Inspector))
	}

	personyze := ginadapter.Middleware(s.Tracker)
	pages := r.Group("/", personyze)
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
	r.NoRoute(personyze, handle(s, s.NotFound))
	return r
}

// handle adapts a shop route to Gin: ginadapter.Visit gives the request's
// Personyze visit, and the result is rendered with c.HTML or c.Redirect.
func handle(s *shop.Shop, action func(shop.Request) shop.Result) gin.HandlerFunc {
	return func(c *gin.Context) {
		in := shop.Request{
			Visit:   ginadapter.Visit(c),
			Shopper: s.Store.ShopperID(c.Writer, c.Request),
			ID:      c.Param("id"),
			Referer: c.Request.Referer(),
			User:    c.PostForm("user"),
		}
		s.Authenticate(in) // the app's auth step, before the page's call
		res := action(in)
		if res.IsRedirect() {
			c.Redirect(res.Status, res.Location)
			return
		}
		c.HTML(res.Status, res.Page.Template, res.Page)
	}
}
