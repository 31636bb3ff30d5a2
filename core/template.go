package core

import "html/template"

// FuncMap returns the template functions of this library, for html/template's Funcs, merged
// with the application's own extra maps (for Gin, whose engine keeps a single FuncMap:
// r.SetFuncMap(tr.FuncMap(appFuncs))); on a name clash the application's function wins.
//
//   - personyzeLink ITEM: the attributed link to a recommended item (see Tracker.Link).
//   - personyzeScript [VISIT] [NONCE]: the tiny script that reports the visitor's time zone
//     and screen size through a first-party cookie (see EnvCookieName). Given the page's
//     Visit ({{personyzeScript .Personyze}}) it renders nothing for a visit that is not a
//     tracked page view, and reads the response's Content-Security-Policy headers (set by
//     the application before the template runs); a string argument is the page's nonce. A
//     missing argument (a map without the key) counts as absent, so it never stops a page
//     mid-render.
//
// personyzeScript renders the first form that every enforced policy allows, judged by the
// directive that governs script elements (script-src-elem, else script-src, else
// default-src; Report-Only policies do not count):
//
//  1. no policy restricts scripts: the inline script with the nonce argument when there is
//     one, else <script src> of the same-origin file (Config.EnvScriptPath), which also
//     works under a policy added later or in a <meta> tag that allows 'self';
//  2. the inline script with a nonce that the policies list (the argument first);
//  3. <script src> of the same-origin file, allowed by 'self', *, or a scheme- or
//     host-source matching the request's host (with a listed nonce under 'strict-dynamic');
//  4. the inline script without nonce, allowed by 'unsafe-inline' or the script's
//     'sha256-…' hash;
//  5. nothing, when every form would be refused: rather no time zone than a violation.
//
// A nonce is taken only if it is a base64 value, as CSP defines it; anything else is no
// nonce and is never copied into the page.
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
		"personyzeRegion": unboundRegion,
		"personyzeScript": func(args ...any) template.HTML {
			if t == nil {
				return ""
			}
			return t.envScript(args)
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
// order, each optional. A nonce that is not a CSP nonce (base64) counts as absent.
func (t *Tracker) envScript(args []any) template.HTML {
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
	if !isNonce(nonce) {
		nonce = ""
	}
	if v == nil {
		return t.env.tag(nil, nonce, "", "")
	}
	if !v.Active() || v.Kind() != KindPage {
		return ""
	}
	var policies []string
	if v.w != nil {
		policies = v.w.Header().Values("Content-Security-Policy")
	}
	scheme := "http"
	if isHTTPS(v.r) {
		scheme = "https"
	}
	return t.env.tag(policies, nonce, scheme, v.r.Host)
}
