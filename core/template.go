package core

import (
	"html/template"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// FuncMap returns the template functions of this library, for html/template's Funcs:
//
//   - personyzeLink ITEM: the attributed link to a recommended item (see Tracker.Link).
//   - personyzeScript [NONCE]: the tiny script that reports the visitor's time zone and
//     screen size through a first-party cookie (see EnvCookieName); pass the page's CSP nonce
//     when the site uses a Content-Security-Policy.
//
// Recommendations themselves are data on the Visit ({{range .Personyze.Items}}), escaped
// by html/template like any other data.
func (t *Tracker) FuncMap() template.FuncMap {
	return template.FuncMap{
		"personyzeLink": t.Link,
		"personyzeScript": func(nonce ...string) template.HTML {
			if len(nonce) > 0 {
				return visitor.EnvScript(nonce[0])
			}
			return visitor.EnvScript("")
		},
	}
}
