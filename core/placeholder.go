package core

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/gopersonyze/personyze/core/internal/meta"
)

// htmlOnce holds an HTML action's rendered fragment, built on first use.
type htmlOnce struct {
	once sync.Once
	s    string
}

// Placeholder renders the HTML actions Personyze targeted at the placeholder with this name
// (as defined in Personyze's dashboard), in Personyze's order and at most the placeholder's
// units_count_max of them; nothing when there are none, when the Visit is inactive, or
// when the actions' metadata was not known in time (it is then loaded for later pages).
// In a template:
//
//	<div id="home-banner">{{.Personyze.Placeholder "home-banner"}}</div>
//
// The HTML is trusted content: it is what the account's own dashboard defines (the
// action's content_begin and content_end around the data Personyze computed), so it is
// returned as template.HTML and html/template inserts it unescaped, the way Personyze's own
// JavaScript would insert it. Give the Personyze dashboard the trust you give your
// templates. Links in it that stay on the site (relative URLs) get the attribution
// parameter, so a click on the action's call to action is reported as its "target" status
// when the visitor arrives; items marked with data-personyze-click-target="products ID" (or
// "articles ID") get the plain attribution of a recommendation link instead.
//
// The actions' libs_app (Personyze JavaScript libraries for app web views) is not loaded:
// a site that uses HTML actions relying on Personyze's JavaScript runtime (pop-ups, close
// buttons) includes Personyze's own script tag itself.
//
// Each rendered action is reported to Personyze as "executed".
func (v *Visit) Placeholder(name string) template.HTML {
	if name == "" || !v.tracking() {
		return ""
	}
	v.flush()
	param := v.t.cfg.AttributionParam
	var b strings.Builder
	var shown []int64
	v.mu.Lock()
	v.ctl.read = true
	limit := -1
	for _, a := range v.actions {
		if a.meta == nil || a.meta.Kind() != meta.ContentHTML {
			continue
		}
		pl := a.place(name)
		if pl == nil {
			continue
		}
		if limit < 0 {
			limit = pl.UnitsCountMax
		}
		if limit > 0 && len(shown) >= limit {
			break
		}
		b.WriteString(a.fragment(param))
		shown = append(shown, a.ID)
	}
	v.mu.Unlock()
	for _, id := range shown {
		v.report(ActionStatus(id, statusExecuted, ""))
	}
	return template.HTML(b.String())
}

// attributeLinks adds the attribution parameter to the href of every <a> in s whose URL
// stays on the site (no scheme, no host, not only a fragment): "t<id>" (a click on action
// id's call to action), or "<id>" for a link marked as a product or article click. All
// other bytes are kept as they are.
func attributeLinks(s, param string, id int64) string {
	if !strings.Contains(s, "<a") && !strings.Contains(s, "<A") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		raw := string(z.Raw()) // a copy: Token lowers tag names in the tokenizer's buffer
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			tok := z.Token()
			if tok.DataAtom == atom.A && attributeAnchor(&tok, param, id) {
				b.WriteString(tok.String())
				continue
			}
		}
		b.WriteString(raw)
	}
}

// attributeAnchor rewrites the anchor's on-site href; it reports whether it did.
func attributeAnchor(tok *html.Token, param string, id int64) bool {
	value := "t" + strconv.FormatInt(id, 10)
	hi := -1
	for i, at := range tok.Attr {
		switch at.Key {
		case "href":
			hi = i
		case "data-personyze-click-target":
			if k, _, _ := strings.Cut(strings.TrimSpace(at.Val), " "); k == "products" || k == "articles" {
				value = strconv.FormatInt(id, 10)
			}
		}
	}
	if hi < 0 {
		return false
	}
	href := strings.TrimSpace(tok.Attr[hi].Val)
	if href == "" || href[0] == '#' {
		return false
	}
	u, err := url.Parse(href)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || strings.HasPrefix(href, "//") {
		return false
	}
	setQueryParam(u, param, value)
	tok.Attr[hi].Val = u.String()
	return true
}
