package core_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"os"

	"github.com/gopersonyze/personyze/core"
)

// A page's recommendations as a region: the template "recs" is placed with personyzeRegion
// and the set is bound with Tracker.Templates after parsing. Here, outside any request (a
// template test), the region renders in place, with its fallback since there is no answer;
// behind the middleware it renders in place when Personyze answers within
// Config.InlineWait and is streamed into the same response otherwise.
func ExampleTracker_Templates() {
	var tr *core.Tracker // a template test needs no Tracker; an app passes its own
	tpl := tr.Templates(template.Must(template.New("page").Funcs(tr.FuncMap()).Parse(
		`<main>…</main><div class="recs-slot">{{personyzeRegion .Personyze "recs" .}}</div>` +
			`{{define "recs"}}<ul>{{range .Personyze.Items}}<li>{{.Title}}</li>{{else}}<li>Bestsellers</li>{{end}}</ul>{{end}}`)))
	v := core.FromContext(context.Background()) // the Visit of a request outside the middleware
	_ = tpl.Execute(os.Stdout, map[string]any{"Personyze": v})
	// Output: <main>…</main><div class="recs-slot"><ul><li>Bestsellers</li></ul></div>
}

// greeting is a Region that is not an html/template: any value with Render(ctx, w), such as
// a templ component.
type greeting struct{ v *core.Visit }

func (g greeting) Render(_ context.Context, w io.Writer) error {
	_, err := fmt.Fprintf(w, "<p>%d recommendations</p>", len(g.v.Items()))
	return err
}

func ExampleVisit_RenderRegion() {
	v := core.FromContext(context.Background())
	_ = v.RenderRegion(os.Stdout, "greeting", greeting{v})
	// Output: <p>0 recommendations</p>
}
