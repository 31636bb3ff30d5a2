package echoadapter_test

import (
	"html/template"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/echoadapter"
)

// TestRegionStreamedThroughGzip: behind Echo's middleware.Gzip, installed before the
// Personyze middleware as usual, the shell still goes out before Personyze answers and the
// region follows in the same compressed response.
func TestRegionStreamedThroughGzip(t *testing.T) {
	adaptertest.RegionStreamed(t, adaptertest.Adapter{Name: "echo-gzip", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.Renderer = renderer{tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob)))}
		e.Use(middleware.Gzip(), echoadapter.Middleware(tr))
		e.GET("/region", func(c echo.Context) error {
			return echoadapter.Render(c, http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", echoadapter.Visit(c)))
		})
		return e
	}}, adaptertest.StreamOptions{Gzip: true})
}
