package echov5_test

import (
	"html/template"
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/echoadapter/echov5"
)

// TestRegionStreamedThroughGzip: behind Echo v5's middleware.Gzip, installed before the
// Personyze middleware as usual, the shell still goes out before Personyze answers and the
// region follows in the same compressed response.
func TestRegionStreamedThroughGzip(t *testing.T) {
	adaptertest.RegionStreamed(t, adaptertest.Adapter{Name: "echo-v5-gzip", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		e := echo.New()
		e.Renderer = &echo.TemplateRenderer{Template: tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))}
		e.Use(middleware.Gzip(), echov5.Middleware(tr))
		e.GET("/region", func(c *echo.Context) error {
			return echov5.Render(c, http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", echov5.Visit(c)))
		})
		return e
	}}, adaptertest.StreamOptions{Gzip: true})
}
