package ginadapter_test

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/ginadapter"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no debug route listing in test output
	os.Exit(m.Run())
}

// TestConformance runs the shared adapter suite against the Gin adapter.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{Name: "gin", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		return conformanceApp(tr, routes, false)
	}})
}

// TestConformanceContextWithFallback runs the suite with engine.ContextWithFallback set,
// the handlers reading the Visit with core.FromContext(c).
func TestConformanceContextWithFallback(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{Name: "gin-fallback", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		return conformanceApp(tr, routes, true)
	}})
}

// conformanceApp is the suite's shop written the way a Gin user would write it. With
// fallback, the engine has ContextWithFallback and handlers use core.FromContext(c).
func conformanceApp(tr *core.Tracker, routes adaptertest.Routes, fallback bool) http.Handler {
	r := gin.New()
	r.ContextWithFallback = fallback
	// The set is parsed here rather than with LoadHTMLGlob so that its regions can be bound.
	r.SetHTMLTemplate(tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob))))
	r.Use(ginadapter.Middleware(tr))
	visit := ginadapter.Visit
	if fallback {
		visit = func(c *gin.Context) *core.Visit { return core.FromContext(c) }
	}
	page := func(c *gin.Context, title string) {
		c.HTML(http.StatusOK, adaptertest.PageTemplate, adaptertest.PageData(title, visit(c)))
	}
	r.GET("/", func(c *gin.Context) { page(c, "Home") })
	r.GET("/region", func(c *gin.Context) {
		c.HTML(http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", visit(c)))
	})
	r.GET("/products/:id", func(c *gin.Context) {
		_ = visit(c).Track(core.ProductViewed(c.Param("id")))
		page(c, "Product "+c.Param("id"))
	})
	r.POST("/cart/:id", func(c *gin.Context) {
		_ = visit(c).Track(core.ProductAddedToCart(c.Param("id")))
		c.Redirect(http.StatusSeeOther, "/cart")
	})
	r.GET("/fail", func(c *gin.Context) {
		_ = visit(c).Track(core.ProductViewed("gone"))
		_ = c.AbortWithError(adaptertest.ErrorStatus, errors.New("gone"))
	})
	r.GET("/silent", func(*gin.Context) {})
	r.GET("/late", func(c *gin.Context) {
		page(c, "Late")
		_ = visit(c).Track(core.ArticleViewed("after-flush"))
	})
	r.GET("/stream", func(c *gin.Context) {
		first := true
		c.Stream(func(w io.Writer) bool {
			if first { // c.Stream flushes after each step
				first = false
				_, _ = io.WriteString(w, adaptertest.StreamPrefix)
				return true
			}
			page(c, "Stream")
			return false
		})
	})
	r.GET("/flush-first", func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Writer.Flush()
		page(c, "Flushed")
	})
	r.GET("/hijack", func(c *gin.Context) {
		conn, buf, err := http.NewResponseController(c.Writer).Hijack()
		if err != nil {
			c.String(http.StatusInternalServerError, "no hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(adaptertest.HijackResponse)
		_ = buf.Flush()
	})
	r.Static("/static", routes.StaticDir)
	r.GET("/api/stock", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"stock": 3}) })
	r.GET("/old", func(c *gin.Context) { c.Redirect(http.StatusFound, "/") })
	r.GET("/boom", func(c *gin.Context) { _ = c.AbortWithError(http.StatusInternalServerError, errors.New("boom")) })
	auth := func(c *gin.Context) { // the app's auth middleware, after the adapter's
		_ = visit(c).SetUserKey(adaptertest.AuthUser)
		c.Next()
	}
	r.GET("/account", auth, func(c *gin.Context) { page(c, "Account") })
	r.POST("/consent/withdraw", func(c *gin.Context) {
		_ = visit(c).SetConsent(false)
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/csp", func(c *gin.Context) {
		c.Header("Content-Security-Policy", adaptertest.CSPHeader)
		page(c, "CSP")
	})
	// An app that renders into a buffer first, to turn a template error into a clean 500.
	tpl := template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob))
	buffered := func(c *gin.Context, status int, title string) {
		c.Status(status) // Gin records it; the header goes out with the body
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, adaptertest.PageTemplate, adaptertest.PageData(title, visit(c))); err != nil {
			c.String(http.StatusInternalServerError, "page could not be rendered")
			return
		}
		c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	}
	r.GET("/missing-page", func(c *gin.Context) { buffered(c, http.StatusNotFound, "Not found") })
	r.GET("/error-page", func(c *gin.Context) {
		_ = visit(c).Track(core.ProductViewed("broken"))
		buffered(c, http.StatusInternalServerError, "Error")
	})
	return r
}
