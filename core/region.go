package core

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Region is the content of a personalized region of a page: the part that shows
// recommendations or placeholders, rendered once the page's call has answered (see Regions
// in the package documentation). Render writes it to w; it reads the Visit like any
// template does. A templ component (templ.Component) is a Region as it is.
type Region interface {
	Render(ctx context.Context, w io.Writer) error
}

// TemplateRegion returns the Region that executes the template name of set with data: the
// region of an html/template page. personyzeRegion builds it for templates.
func TemplateRegion(set *template.Template, name string, data any) Region {
	return templateRegion{set: set, name: name, data: data}
}

// templateRegion is TemplateRegion's Region.
type templateRegion struct {
	set  *template.Template
	name string
	data any
}

func (r templateRegion) Render(_ context.Context, w io.Writer) error {
	return r.set.ExecuteTemplate(w, r.name, r.data)
}

// Templates binds the template function personyzeRegion of set to set, so that it can
// render the region templates that set defines, now or at the end of the response, and
// returns set. Call it once on each template set the application executes, after parsing
// (the set must have been parsed with FuncMap's functions):
//
//	tpl := tr.Templates(template.Must(template.New("").Funcs(tr.FuncMap()).ParseFS(files, "*.html")))
//
// With Gin: r.SetHTMLTemplate(tr.Templates(tpl)). A set cloned from a bound one renders
// the regions of the set it was cloned from: bind the clone too when it defines regions of
// its own (binding costs nothing at run time). html/template functions do not see the
// template that calls them, which is why the set must be told.
func (t *Tracker) Templates(set *template.Template) *template.Template {
	if set == nil {
		return nil
	}
	return set.Funcs(template.FuncMap{"personyzeRegion": func(v any, name string, data any) (template.HTML, error) {
		if set.Lookup(name) == nil {
			return "", fmt.Errorf("personyze: personyzeRegion: the template set has no template %q", name)
		}
		var b strings.Builder
		err := visitOf(v).RenderRegion(&b, name, TemplateRegion(set, name, data))
		return template.HTML(b.String()), err
	}})
}

// errUnbound is personyzeRegion's error in a set that Tracker.Templates did not bind.
var errUnbound = errors.New("personyze: personyzeRegion needs its template set: call tr.Templates(set) after parsing it")

// unboundRegion is personyzeRegion in FuncMap: it lets templates parse, and says at
// execution how to bind it.
func unboundRegion(any, string, any) (template.HTML, error) { return "", errUnbound }

// visitOf returns the Visit a template passed (nil for anything else, such as a missing
// map key): personyzeRegion never stops a page over a missing Visit.
func visitOf(a any) *Visit {
	v, _ := a.(*Visit)
	return v
}
