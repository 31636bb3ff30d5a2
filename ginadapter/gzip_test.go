package ginadapter_test

import (
	"html/template"
	"net/http"
	"testing"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/ginadapter"
)

// TestRegionStreamedThroughGzip: behind gin-contrib/gzip, registered before the Personyze
// middleware as usual, the shell still goes out before Personyze answers and the region
// follows in the same compressed response.
func TestRegionStreamedThroughGzip(t *testing.T) {
	adaptertest.RegionStreamed(t, adaptertest.Adapter{Name: "gin-gzip", New: func(tr *core.Tracker, routes adaptertest.Routes) http.Handler {
		r := gin.New()
		r.SetHTMLTemplate(tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseGlob(routes.TemplateGlob))))
		r.Use(gzip.Gzip(gzip.DefaultCompression), ginadapter.Middleware(tr))
		r.GET("/region", func(c *gin.Context) {
			c.HTML(http.StatusOK, adaptertest.RegionTemplate, adaptertest.PageData("Region", ginadapter.Visit(c)))
		})
		return r
	}}, adaptertest.StreamOptions{Gzip: true})
}
