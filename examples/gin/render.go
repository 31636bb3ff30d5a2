package main

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin/render"
	"github.com/gopersonyze/personyze/examples/shop"
)

// htmlRender lets c.HTML render the shop's pages, each of which has its own
// copy of the layout (Gin's single-template LoadHTMLGlob cannot express that).
type htmlRender struct{ pages *shop.Renderer }

// Instance implements render.HTMLRender; data is the *shop.Page.
func (h htmlRender) Instance(_ string, data any) render.Render {
	p, _ := data.(*shop.Page)
	return pageRender{pages: h.pages, page: p}
}

// pageRender renders one page.
type pageRender struct {
	pages *shop.Renderer
	page  *shop.Page
}

// Render implements render.Render. A page that cannot be rendered is answered
// with a 500 here: Gin only records the error, and would send the status
// c.HTML set with an empty body. The ginadapter middleware has told the visit
// the status c.HTML set before the layout reads recommendations, so a 404 page
// is not a page view.
func (p pageRender) Render(w http.ResponseWriter) error {
	var buf bytes.Buffer
	if err := p.pages.Render(&buf, p.page); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return err
	}
	p.WriteContentType(w)
	_, err := buf.WriteTo(w)
	return err
}

// WriteContentType implements render.Render.
func (p pageRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
}
