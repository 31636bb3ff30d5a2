package shop

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"strconv"

	"github.com/gopersonyze/personyze/core"
)

// pageNames are the templates under templates/ that render a whole page; the
// other files hold the layout and the blocks it includes.
var pageNames = []string{"home", "product", "article", "cart", "wishlist", "thanks", "notfound"}

// Renderer holds the parsed page templates. It is built once at startup and
// only read afterwards, so it is safe for concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// NewRenderer parses the embedded templates with the tracker's template
// functions (personyzeLink, personyzeScript, personyzeRegion) plus the shop's
// own (price, debugInfo). Each page gets its own copy of the layout so that
// every page can define its "content" block, and each copy is bound to the
// tracker (tr.Templates) so that its personalized regions never hold the page:
// the recommendations, the placeholders and the debug panel stream in when
// Personyze is slow (see core's Regions).
func NewRenderer(tr *core.Tracker) (*Renderer, error) {
	funcs := template.FuncMap{"price": formatPrice, "debugInfo": debugInfo}
	maps.Copy(funcs, tr.FuncMap())
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS,
		"templates/layout.html", "templates/recs.html", "templates/debug.html")
	if err != nil {
		return nil, fmt.Errorf("shop: parse layout: %w", err)
	}
	r := &Renderer{pages: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("shop: clone layout for %s: %w", name, err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("shop: parse %s: %w", name, err)
		}
		r.pages[name] = tr.Templates(t)
	}
	return r, nil
}

// Render writes the page to w. The page is rendered into a buffer first so a
// template error becomes an error, not half a page.
func (r *Renderer) Render(w io.Writer, p *Page) error {
	t, ok := r.pages[p.Template]
	if !ok {
		return fmt.Errorf("shop: no page template %q", p.Template)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("shop: render %s: %w", p.Template, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Write answers an http.ResponseWriter with res: a redirect, or the page with
// its status. The net/http example uses it; Gin and Echo use their own
// rendering through Renderer.
func (r *Renderer) Write(w http.ResponseWriter, req *http.Request, res Result) error {
	if res.IsRedirect() {
		http.Redirect(w, req, res.Location, res.Status)
		return nil
	}
	// The layout reads recommendations, which makes the page's Personyze call,
	// before the status below is written: say it first, so that a 404 page is
	// not counted as a page view. Its only error here would be ErrTooLate (the
	// handler read recommendations already), which must not stop the page.
	_ = res.Page.Visit.SetStatus(res.Status)
	var buf bytes.Buffer
	if err := r.Render(&buf, res.Page); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(res.Status)
	_, err := buf.WriteTo(w)
	return err
}

// formatPrice formats a catalog price (float64) or a recommendation's price
// (a string from Personyze) as dollars; text that is not a number is shown
// as it came.
func formatPrice(v any) string {
	switch p := v.(type) {
	case float64:
		return fmt.Sprintf("$%.2f", p)
	case int:
		return fmt.Sprintf("$%d.00", p)
	case string:
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return p
		}
		return fmt.Sprintf("$%.2f", f)
	default:
		return fmt.Sprint(v)
	}
}
