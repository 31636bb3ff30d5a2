// Command nethttp is the demo shop on the standard library's net/http, with
// Personyze personalization through the nethttp adapter.
//
//	go run ./examples/nethttp
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

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/examples/shop"
	"github.com/gopersonyze/personyze/nethttp"
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

// newHandler wires the routes. The pages sit behind the Personyze middleware;
// static files are served beside it, so they never become page views.
func newHandler(s *shop.Shop) http.Handler {
	pages := http.NewServeMux()
	route := func(pattern string, action func(shop.Request) shop.Result) {
		pages.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			in := shop.Request{
				Visit:   core.FromContext(r.Context()), // put there by the middleware
				Shopper: s.Store.ShopperID(w, r),
				ID:      r.PathValue("id"),
				Referer: r.Referer(),
				User:    r.PostFormValue("user"),
			}
			s.Authenticate(in) // the app's auth step, before the page's call
			res := action(in)
			if err := s.Pages.Write(w, r, res); err != nil {
				s.Logger.Error("render", "path", r.URL.Path, "err", err)
			}
		})
	}
	route("GET /{$}", s.Home)
	route("GET /products/{id}", s.Product)
	route("GET /articles/{id}", s.ArticlePage)
	route("GET /cart", s.CartPage)
	route("GET /wishlist", s.Wishlist)
	route("GET /thanks", s.Thanks)
	route("POST /cart/{id}", s.AddToCart)
	route("POST /cart/{id}/remove", s.RemoveFromCart)
	route("POST /like/{id}", s.Like)
	route("POST /checkout", s.Checkout)
	route("POST /signin", s.SignIn)
	route("POST /signout", s.SignOut)
	route("/", s.NotFound)

	root := http.NewServeMux()
	root.Handle("GET "+shop.StaticPrefix, shop.StaticHandler())
	if s.Inspector != nil { // with the simulator only
		root.Handle("GET "+shop.InspectorPath, s.Inspector)
	}
	root.Handle("/", nethttp.Middleware(s.Tracker)(pages))
	return root
}
