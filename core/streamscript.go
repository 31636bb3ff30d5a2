package core

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// swapJS is the script that puts streamed regions in place (see "Regions" in the package
// documentation). For each <template for="ID"> still in the document (a browser with
// declarative partial updates has applied and removed it already) it finds the marker
// <?start name="ID"> (a comment node to browsers without the feature), removes what follows
// it up to <?end> (the fallback), moves the template's content there, removes the template,
// and fires "personyze:region" on the document with the region's id. It replaces nodes, never
// restyles: the application's CSS applies to the region as to the rest of the page. Pure
// ASCII without "<", so it fits an inline <script> and a file alike.
const swapJS = `(function(){"use strict";` +
	`function m(n){var d;if(n.nodeType===8){d=n.data;if(d.charAt(0)!=="?")return"";return d.slice(1).trim()}` +
	`if(n.nodeType===7)return(n.target+" "+n.data).trim();return""}` +
	`function find(id){var w=document.createTreeWalker(document.body||document.documentElement,129),n,want='start name="'+id+'"';` +
	`while((n=w.nextNode()))if(m(n)===want)return n;return null}` +
	`function swap(){var ts=document.querySelectorAll("template[for]");for(var i=0;ts.length>i;i++){` +
	`var t=ts[i],id=t.getAttribute("for"),s=find(id);if(!s)continue;var p=s.parentNode,n=s.nextSibling;` +
	`while(n&&m(n)!=="end"){var x=n.nextSibling;p.removeChild(n);n=x}` +
	`p.insertBefore(document.importNode(t.content,true),n);t.parentNode.removeChild(t);` +
	`document.dispatchEvent(new CustomEvent("personyze:region",{detail:{id:id}}))}}` +
	`swap();if(document.readyState==="loading")document.addEventListener("DOMContentLoaded",swap)})();`

// swapInline is the inline element of swapJS, with nonce when not "".
func swapInline(nonce string) template.HTML {
	if nonce == "" {
		return template.HTML("<script>" + swapJS + "</script>")
	}
	return template.HTML(`<script nonce="` + template.HTMLEscapeString(nonce) + `">` + swapJS + "</script>")
}

// newSwapAsset prepares the stream script for path (a validated Config.StreamScriptPath).
func newSwapAsset(path string) *envAsset { return newScriptAsset(path, swapJS, swapInline) }

// assetFor returns the script r asks for (personyzeScript's or the stream script), or nil.
func (t *Tracker) assetFor(r *http.Request) *envAsset {
	switch {
	case t.env.claims(r):
		return t.env
	case t.swap.claims(r):
		return t.swap
	}
	return nil
}

// validateStreaming checks the streaming fields of an effective Config (defaults applied).
func (cfg *Config) validateStreaming() error {
	if cfg.InlineWait < 0 || cfg.InlineWait > cfg.Timeout {
		return &ConfigError{Field: "InlineWait", Problem: fmt.Sprintf("is %v, outside 0..Timeout (%v)", cfg.InlineWait, cfg.Timeout),
			Fix: "use a short positive duration (tens of milliseconds), or 0 for the default " + defaultInlineWait.String()}
	}
	if cfg.StreamBudget > 0 && cfg.StreamBudget < cfg.Timeout {
		return &ConfigError{Field: "StreamBudget", Problem: fmt.Sprintf("is %v, shorter than Timeout (%v)", cfg.StreamBudget, cfg.Timeout),
			Fix: "use at least Timeout, 0 for the default " + defaultStreamBudget.String() + ", or a negative value to turn streaming off"}
	}
	if err := validateEnvScriptPath(cfg.StreamScriptPath); err != nil {
		ce := err.(*ConfigError)
		ce.Field = "StreamScriptPath"
		ce.Fix = strings.Replace(ce.Fix, defaultEnvScriptPath, defaultStreamScriptPath, 1)
		return ce
	}
	if cfg.StreamScriptPath == cfg.EnvScriptPath {
		return &ConfigError{Field: "StreamScriptPath", Problem: fmt.Sprintf("%q is EnvScriptPath too", cfg.StreamScriptPath),
			Fix: "give the two scripts different paths, or leave both empty for the defaults"}
	}
	return nil
}
