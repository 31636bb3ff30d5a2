package main

import (
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

// Render implements render.Render.
func (p pageRender) Render(w http.ResponseWriter) error {
	p.WriteContentType(w)
	return p.pages.Render(w, p.page)
}

// WriteContentType implements render.Render.
func (p pageRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
}
