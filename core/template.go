package core

import (
	"html/template"
	"strings"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

// FuncMap returns the template functions of this library, for html/template's Funcs, merged
// with the application's own extra maps (for Gin, whose engine keeps a single FuncMap:
// r.SetFuncMap(tr.FuncMap(appFuncs))); on a name clash the application's function wins.
//
//   - personyzeLink ITEM: the attributed link to a recommended item (see Tracker.Link).
//   - personyzeScript [VISIT] [NONCE]: the tiny script that reports the visitor's time zone
//     and screen size through a first-party cookie (see EnvCookieName). Given the page's
//     Visit ({{personyzeScript .Personyze}}) it renders nothing for a visit that is not a
//     tracked page view, and takes the nonce of the response's Content-Security-Policy
//     header when the page sets one; a string argument is the nonce. A missing argument
//     (a map without the key) counts as absent, so it never stops a page mid-render.
//
// On a nil Tracker (see the package function FuncMap) every helper renders nothing, so
// templates parse and render in tests without a Tracker.
//
// Recommendations themselves are data on the Visit ({{range .Personyze.Items}}), escaped
// by html/template like any other data.
func (t *Tracker) FuncMap(extra ...template.FuncMap) template.FuncMap {
	m := template.FuncMap{
		"personyzeLink": func(it Item) string {
			if t == nil {
				return ""
			}
			return t.Link(it)
		},
		"personyzeScript": func(args ...any) template.HTML {
			if t == nil {
				return ""
			}
			return envScript(args)
		},
	}
	for _, e := range extra {
		for name, fn := range e {
			m[name] = fn
		}
	}
	return m
}

// FuncMap returns the template functions of this library without a Tracker, merged with
// extra: every helper renders nothing. Use it where templates are parsed without a
// Tracker, such as an application's template tests.
func FuncMap(extra ...template.FuncMap) template.FuncMap {
	return (*Tracker)(nil).FuncMap(extra...)
}

// envScript renders personyzeScript for its arguments: a *Visit and a nonce string, in any
// order, each optional.
func envScript(args []any) template.HTML {
	var v *Visit
	nonce := ""
	for _, a := range args {
		switch a := a.(type) {
		case *Visit:
			v = a
		case string:
			nonce = a
		}
	}
	if v != nil {
		if !v.Active() || v.Kind() != KindPage {
			return ""
		}
		if nonce == "" && v.w != nil {
			nonce = cspNonce(v.w.Header().Values("Content-Security-Policy"))
		}
	}
	return visitor.EnvScript(nonce)
}

// cspNonce returns the nonce that a Content-Security-Policy allows scripts with: that of
// script-src-elem, else script-src, else default-src; "" when none names one.
func cspNonce(policies []string) string {
	var found [3]string
	for _, p := range policies {
		for p != "" {
			var dir string
			dir, p, _ = strings.Cut(p, ";")
			name, rest, _ := strings.Cut(strings.TrimSpace(dir), " ")
			i := -1
			switch strings.ToLower(name) {
			case "script-src-elem":
				i = 0
			case "script-src":
				i = 1
			case "default-src":
				i = 2
			}
			if i < 0 || found[i] != "" {
				continue
			}
			for _, src := range strings.Fields(rest) {
				if n, ok := strings.CutPrefix(src, "'nonce-"); ok && strings.HasSuffix(n, "'") && len(n) > 1 {
					found[i] = n[:len(n)-1]
					break
				}
			}
		}
	}
	for _, n := range found {
		if n != "" {
			return n
		}
	}
	return ""
}
