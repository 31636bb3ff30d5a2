package main

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	echo4 "github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/echoadapter"
	"github.com/gopersonyze/personyze/echoadapter/echov5"
	"github.com/gopersonyze/personyze/examples/shop"
	"github.com/gopersonyze/personyze/ginadapter"
	"github.com/gopersonyze/personyze/nethttp"
)

// page is one route of the load: the shop's route (a visitor's GET) and its path pattern
// in net/http syntax; the Gin and Echo wirings turn {id} into :id.
type page struct {
	pattern string
	action  func(*shop.Shop) func(shop.Request) shop.Result
}

// pages are the shop's pages the visitors ask for (see crowd.paths).
var pages = []page{
	{"/", func(s *shop.Shop) func(shop.Request) shop.Result { return s.Home }},
	{"/products/{id}", func(s *shop.Shop) func(shop.Request) shop.Result { return s.Product }},
	{"/articles/{id}", func(s *shop.Shop) func(shop.Request) shop.Result { return s.ArticlePage }},
}

// serveFunc answers one page: the shop's route rendered with the shop's templates, or
// with light, a small page that prints the recommendations only (for profiling the
// library's share rather than the shop's templates).
type serveFunc func(w http.ResponseWriter, r *http.Request, v *core.Visit, id string)

// pageOptions are the server process's choices of page (see the -page and -event flags).
type pageOptions struct {
	light bool // the light page instead of the shop's
	event bool // track an event after the page's call: background delivery
}

func shopPage(s *shop.Shop, p page, po pageOptions) serveFunc {
	action := p.action(s)
	first := s.Catalog.Products()[0].ID
	return func(w http.ResponseWriter, r *http.Request, v *core.Visit, id string) {
		if po.event {
			// Tracked after the page's call, so it is sent in the background.
			defer func() { _ = v.Track(afterPageEvent(p, id, first)) }()
		}
		if po.light {
			lightPage(w, v, id)
			return
		}
		res := action(shop.Request{Visit: v, Shopper: s.Store.ShopperID(w, r), ID: id, Referer: r.Referer()})
		if err := s.Pages.Write(w, r, res); err != nil {
			s.Logger.Error("render", "path", r.URL.Path, "err", err)
		}
	}
}

// afterPageEvent is the event a page tracks after its call with -event: a like of the
// article or product shown, or on the home page of the catalog's first product.
func afterPageEvent(p page, id, first string) core.Command {
	switch {
	case strings.HasPrefix(p.pattern, "/articles/"):
		return core.ArticleLiked(id)
	case id == "":
		return core.ProductLiked(first)
	}
	return core.ProductLiked(id)
}

// lightTemplate is the light page: ten recommendations and nothing else.
var lightTemplate = template.Must(template.New("light").Parse(`<!doctype html><title>{{.ID}}</title><ul>
{{range .Items}}<li><a href="{{.URL}}">{{.Title}}</a> {{.Price}}</li>
{{end}}</ul>`))

// lightPage tracks a product view when id names one and prints at most ten
// recommendations.
func lightPage(w http.ResponseWriter, v *core.Visit, id string) {
	if id != "" {
		_ = v.Track(core.ProductViewed(id))
	}
	items := v.Items()
	writeLight(w, id, items[:min(len(items), 10)])
}

// writeLight writes the light page for id with items (core.Items or plainItems): the
// one rendering the library's pages and both baselines share.
func writeLight(w http.ResponseWriter, id string, items any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = lightTemplate.Execute(w, lightData{id, items})
}

// lightData is the light page's template data: core.Items, or plainItems for the baselines.
type lightData struct {
	ID    string
	Items any
}

// plainItem is a recommendation as the baselines print it, with the fields the light
// template reads from a core.Item.
type plainItem struct{ URL, Title, Price string }

// plainItems are ten of the catalog's products, the plain baseline's fixed recommendations.
func plainItems(s *shop.Shop) []plainItem {
	var out []plainItem
	for _, p := range s.Catalog.Products()[:10] {
		out = append(out, plainItem{URL: p.URL(), Title: p.Title, Price: strconv.FormatFloat(p.Price, 'f', 2, 64)})
	}
	return out
}

// plainName is the first baseline: the same server without the library (see adapters).
const plainName = "plain"

// adapters wire the shop's pages behind each adapter's middleware, the way the
// examples do; static files are not part of the load. The plain baseline serves the same
// pages on net/http without the library: the light page prints ten fixed products, the
// shop's pages render without recommendations (each handler sees an inactive Visit).
var adapters = map[string]func(s *shop.Shop, po pageOptions) http.Handler{
	plainName: func(s *shop.Shop, po pageOptions) http.Handler {
		mux := http.NewServeMux()
		items := plainItems(s)
		for _, p := range pages {
			serve := shopPage(s, p, pageOptions{})
			mux.HandleFunc("GET "+p.pattern+suffix(p.pattern), func(w http.ResponseWriter, r *http.Request) {
				if po.light {
					writeLight(w, r.PathValue("id"), items)
					return
				}
				serve(w, r, core.FromContext(r.Context()), r.PathValue("id"))
			})
		}
		return mux
	},
	"nethttp": func(s *shop.Shop, po pageOptions) http.Handler {
		mux := http.NewServeMux()
		for _, p := range pages {
			serve := shopPage(s, p, po)
			mux.HandleFunc("GET "+p.pattern+suffix(p.pattern), func(w http.ResponseWriter, r *http.Request) {
				serve(w, r, core.FromContext(r.Context()), r.PathValue("id"))
			})
		}
		return nethttp.Middleware(s.Tracker)(mux)
	},
	"gin": func(s *shop.Shop, po pageOptions) http.Handler {
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.Use(gin.Recovery())
		g := r.Group("/", ginadapter.Middleware(s.Tracker))
		for _, p := range pages {
			serve := shopPage(s, p, po)
			g.GET(colon(p.pattern), func(c *gin.Context) {
				serve(c.Writer, c.Request, ginadapter.Visit(c), c.Param("id"))
			})
		}
		return r
	},
	"echo": func(s *shop.Shop, po pageOptions) http.Handler {
		e := echo4.New()
		e.HideBanner, e.HidePort = true, true
		g := e.Group("", echoadapter.Middleware(s.Tracker))
		for _, p := range pages {
			serve := shopPage(s, p, po)
			g.GET(colon(p.pattern), func(c echo4.Context) error {
				serve(c.Response(), c.Request(), echoadapter.Visit(c), c.Param("id"))
				return nil
			})
		}
		return e
	},
	"echov5": func(s *shop.Shop, po pageOptions) http.Handler {
		e := echo5.New()
		g := e.Group("", echov5.Middleware(s.Tracker))
		for _, p := range pages {
			serve := shopPage(s, p, po)
			g.GET(colon(p.pattern), func(c *echo5.Context) error {
				serve(c.Response(), c.Request(), echov5.Visit(c), c.Param("id"))
				return nil
			})
		}
		return e
	},
}

// suffix makes net/http's "/" pattern match only the home page.
func suffix(pattern string) string {
	if pattern == "/" {
		return "{$}"
	}
	return ""
}

// colon turns a net/http pattern into Gin's and Echo's: {id} becomes :id.
func colon(pattern string) string { return strings.ReplaceAll(pattern, "{id}", ":id") }

// adapterNames lists the adapters in the order -adapter all runs them; the plain baseline
// runs only when named.
var adapterNames = []string{"nethttp", "gin", "echo", "echov5"}
