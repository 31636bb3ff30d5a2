package echoadapter_test

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/echoadapter"
)

// TestConformance runs the shared adapter suite against the Echo v4 adapter.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{Name: "echo-v4", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		return conformanceApp(tr, routes)
	}})
}

// renderer is the usual html/template Renderer of an Echo v4 app.
type renderer struct{ t *template.Template }

func (r renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}

// conformanceApp is the suite's shop written the way an Echo v4 user would write it.
func conformanceApp(tr *core.Tracker, routes adaptertest.Routes) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer{tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))}
	e.Use(echoadapter.Middleware(tr))
	page := func(c echo.Context, title string) error {
		return c.Render(http.StatusOK, adaptertest.PageTemplate, adaptertest.PageData(title, echoadapter.Visit(c)))
	}
	e.GET("/", func(c echo.Context) error { return page(c, "Home") })
	e.GET("/region", func(c echo.Context) error {
		return echoadapter.Render(c, http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", echoadapter.Visit(c)))
	})
	e.GET("/products/:id", func(c echo.Context) error {
		_ = echoadapter.Visit(c).Track(core.ProductViewed(c.Param("id")))
		return page(c, "Product "+c.Param("id"))
	})
	e.POST("/cart/:id", func(c echo.Context) error {
		_ = echoadapter.Visit(c).Track(core.ProductAddedToCart(c.Param("id")))
		return c.Redirect(http.StatusSeeOther, "/cart")
	})
	e.GET("/fail", func(c echo.Context) error {
		_ = echoadapter.Visit(c).Track(core.ProductViewed("gone"))
		return echo.NewHTTPError(adaptertest.ErrorStatus, "gone")
	})
	e.GET("/silent", func(echo.Context) error { return nil })
	e.GET("/late", func(c echo.Context) error {
		err := page(c, "Late")
		_ = echoadapter.Visit(c).Track(core.ArticleViewed("after-flush"))
		return err
	})
	e.GET("/stream", func(c echo.Context) error {
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		if _, err := io.WriteString(w, adaptertest.StreamPrefix); err != nil {
			return err
		}
		w.Flush()
		return c.Echo().Renderer.Render(w, adaptertest.PageTemplate, adaptertest.PageData("Stream", echoadapter.Visit(c)), c)
	})
	e.GET("/flush-first", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().Flush()
		return c.Echo().Renderer.Render(c.Response(), adaptertest.PageTemplate, adaptertest.PageData("Flushed", echoadapter.Visit(c)), c)
	})
	e.GET("/hijack", func(c echo.Context) error {
		conn, buf, err := c.Response().Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		_, _ = buf.WriteString(adaptertest.HijackResponse)
		return buf.Flush()
	})
	e.Static("/static", routes.StaticDir)
	e.GET("/api/stock", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"stock": 3}) })
	e.GET("/old", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/") })
	e.GET("/boom", func(echo.Context) error { return errors.New("boom") }) // echo answers 500
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {                 // the app's auth middleware, after the adapter's
		return func(c echo.Context) error {
			_ = echoadapter.Visit(c).SetUserKey(adaptertest.AuthUser)
			return next(c)
		}
	}
	e.GET("/account", func(c echo.Context) error { return page(c, "Account") }, auth)
	e.POST("/consent/withdraw", func(c echo.Context) error {
		_ = echoadapter.Visit(c).SetConsent(false)
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/csp", func(c echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", adaptertest.CSPHeader)
		return page(c, "CSP")
	})
	e.GET("/missing-page", func(c echo.Context) error {
		return echoadapter.Render(c, http.StatusNotFound, adaptertest.PageTemplate, adaptertest.PageData("Not found", echoadapter.Visit(c)))
	})
	e.GET("/error-page", func(c echo.Context) error {
		_ = echoadapter.Visit(c).Track(core.ProductViewed("broken"))
		return echoadapter.Render(c, http.StatusInternalServerError, adaptertest.PageTemplate, adaptertest.PageData("Error", echoadapter.Visit(c)))
	})
	return e
}
