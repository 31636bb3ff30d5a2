package readme

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/echoadapter"
	"github.com/gopersonyze/personyze/ginadapter"
	"github.com/gopersonyze/personyze/nethttp"
)

// ginApp is the Gin version of the quick start's lines that differ between frameworks;
// the rest (the Tracker before, serving and shutdown after) is the net/http quick start's.
func ginApp(tr *core.Tracker) *http.Server {
	// readme:begin gin
	appFuncs := template.FuncMap{"upper": strings.ToUpper} // your own template functions
	r := gin.Default()
	r.SetFuncMap(tr.FuncMap(appFuncs)) // one map: personyzeLink, personyzeScript and yours
	r.LoadHTMLGlob("templates/*")
	r.Use(ginadapter.Middleware(tr))
	r.GET("/products/:id", func(c *gin.Context) {
		v := ginadapter.Visit(c)
		v.Track(core.ProductViewed(c.Param("id"))) // travels with this page's call
		c.HTML(200, "product.html", gin.H{"Personyze": v})
	})
	srv := &http.Server{Addr: ":8080", Handler: r}
	// readme:end
	return srv
}

// renderer is the usual html/template echo.Renderer of an Echo v4 app.
type renderer struct{ t *template.Template }

func (r *renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}

// echoApp is the Echo v4 version of the quick start's lines that differ between
// frameworks.
func echoApp(tr *core.Tracker) *http.Server {
	// readme:begin echo
	appFuncs := template.FuncMap{"upper": strings.ToUpper} // your own template functions
	tpl := template.Must(template.New("").Funcs(tr.FuncMap(appFuncs)).ParseGlob("templates/*"))
	e := echo.New()
	e.Renderer = &renderer{tpl} // your echo.Renderer around html/template
	e.Use(echoadapter.Middleware(tr))
	e.GET("/products/:id", func(c echo.Context) error {
		v := echoadapter.Visit(c)
		v.Track(core.ProductViewed(c.Param("id")))
		return echoadapter.Render(c, 200, "product.html", map[string]any{"Personyze": v}) // c.Render, status said first
	})
	srv := &http.Server{Addr: ":8080", Handler: e}
	// readme:end
	return srv
}

func netHTTPQuickStart() {
	// readme:begin nethttp
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	keys, err := core.SessionKeysFromEnv("PERSONYZE_SESSION_KEYS")
	if err != nil {
		log.Fatal(err)
	}
	tr, err := core.New(core.Config{APIKey: os.Getenv("PERSONYZE_API_KEY"), SessionKeys: keys})
	if err != nil {
		log.Fatal(err)
	}
	if err := tr.Ping(ctx); err != nil {
		log.Print(err) // wrong key, unreachable: pages still render
	}
	page := template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob("templates/*"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		v.Track(core.ProductViewed(r.PathValue("id")))
		page.ExecuteTemplate(w, "product.html", map[string]any{"Personyze": v})
	})

	srv := &http.Server{Addr: ":8080", Handler: nethttp.Middleware(tr)(mux)}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done() // SIGTERM (or Ctrl-C)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx) // 1. finish the requests in flight
	cctx, cancelClose := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelClose()
	if err := tr.Close(cctx); err != nil { // 2. deliver the events still queued
		log.Print(err)
	}
	// readme:end
}
