package echov5_test

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/echoadapter/echov5"
)

// TestConformance runs the shared adapter suite against the Echo v5 adapter.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{Name: "echo-v5", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		return conformanceApp(tr, routes)
	}})
}

// conformanceApp is the suite's shop written the way an Echo v5 user would write it.
func conformanceApp(tr *core.Tracker, routes adaptertest.Routes) *echo.Echo {
	e := echo.New()
	e.Renderer = &echo.TemplateRenderer{Template: tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))}
	e.Use(echov5.Middleware(tr))
	page := func(c *echo.Context, title string) error {
		return c.Render(http.StatusOK, adaptertest.PageTemplate, adaptertest.PageData(title, echov5.Visit(c)))
	}
	e.GET("/", func(c *echo.Context) error { return page(c, "Home") })
	e.GET("/region", func(c *echo.Context) error {
		return echov5.Render(c, http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", echov5.Visit(c)))
	})
	e.GET("/products/:id", func(c *echo.Context) error {
		_ = echov5.Visit(c).Track(core.ProductViewed(c.Param("id")))
		return page(c, "Product "+c.Param("id"))
	})
	e.POST("/cart/:id", func(c *echo.Context) error {
		_ = echov5.Visit(c).Track(core.ProductAddedToCart(c.Param("id")))
		return c.Redirect(http.StatusSeeOther, "/cart")
	})
	e.GET("/fail", func(c *echo.Context) error {
		_ = echov5.Visit(c).Track(core.ProductViewed("gone"))
		return echo.NewHTTPError(adaptertest.ErrorStatus, "gone")
	})
	e.GET("/silent", func(*echo.Context) error { return nil })
	e.GET("/late", func(c *echo.Context) error {
		err := page(c, "Late")
		_ = echov5.Visit(c).Track(core.ArticleViewed("after-flush"))
		return err
	})
	e.GET("/stream", func(c *echo.Context) error {
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		if _, err := io.WriteString(w, adaptertest.StreamPrefix); err != nil {
			return err
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		return c.Echo().Renderer.Render(c, w, adaptertest.PageTemplate, adaptertest.PageData("Stream", echov5.Visit(c)))
	})
	e.GET("/flush-first", func(c *echo.Context) error {
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		return c.Echo().Renderer.Render(c, w, adaptertest.PageTemplate, adaptertest.PageData("Flushed", echov5.Visit(c)))
	})
	e.GET("/hijack", func(c *echo.Context) error {
		conn, buf, err := http.NewResponseController(c.Response()).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		_, _ = buf.WriteString(adaptertest.HijackResponse)
		return buf.Flush()
	})
	e.Static("/static", routes.StaticDir)
	e.GET("/api/stock", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"stock": 3}) })
	e.GET("/old", func(c *echo.Context) error { return c.Redirect(http.StatusFound, "/") })
	e.GET("/boom", func(*echo.Context) error { return errors.New("boom") }) // echo answers 500
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {                  // the app's auth middleware, after the adapter's
		return func(c *echo.Context) error {
			_ = echov5.Visit(c).SetUserKey(adaptertest.AuthUser)
			return next(c)
		}
	}
	e.GET("/account", func(c *echo.Context) error { return page(c, "Account") }, auth)
	e.POST("/consent/withdraw", func(c *echo.Context) error {
		_ = echov5.Visit(c).SetConsent(false)
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/csp", func(c *echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", adaptertest.CSPHeader)
		return page(c, "CSP")
	})
	e.GET("/missing-page", func(c *echo.Context) error {
		return echov5.Render(c, http.StatusNotFound, adaptertest.PageTemplate, adaptertest.PageData("Not found", echov5.Visit(c)))
	})
	e.GET("/error-page", func(c *echo.Context) error {
		_ = echov5.Visit(c).Track(core.ProductViewed("broken"))
		return echov5.Render(c, http.StatusInternalServerError, adaptertest.PageTemplate, adaptertest.PageData("Error", echov5.Visit(c)))
	})
	return e
}
