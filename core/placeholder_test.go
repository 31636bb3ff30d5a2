package core

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestPlaceholdersAndCampaigns: the home page renders the HTML action targeted at
// "home-banner" (its call-to-action link attributed as a target click), the product page
// the one targeted at "product-sidebar"; HTML actions never count as recommendation items,
// an unknown placeholder renders nothing, and campaign names reach handlers and templates.
func TestPlaceholdersAndCampaigns(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	var mu sync.Mutex
	var camps []string
	var unknown string
	w.mux.HandleFunc("GET /campaigns", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		mu.Lock()
		camps, unknown = v.Campaigns(), string(v.Placeholder("no-such-place"))
		mu.Unlock()
	})
	c := w.browser()
	home := w.get(c, "/")
	if !strings.Contains(home, `<div id="banner"><div class="personyze-banner"><strong>Summer sale: free shipping on every order this week</strong> <a class="personyze-cta" href="/?pz=t301">Shop the sale</a></div></div>`) {
		t.Errorf("home page banner:\n%s", home)
	}
	if !strings.Contains(home, `<aside></aside>`) || !strings.Contains(home, `<p id="sale">`) {
		t.Errorf("home page sidebar or campaign element:\n%s", home)
	}
	if n := strings.Count(home, "<li>"); n != 2*personyzetest.DefaultItemsPerAction {
		t.Errorf("home page has %d items, want the %d of popular products and articles", n, 2*personyzetest.DefaultItemsPerAction)
	}
	product := w.get(c, "/products/p1")
	if !strings.Contains(product, `<aside><p class="personyze-note">Free returns within 30 days</p></aside>`) {
		t.Errorf("product page sidebar:\n%s", product)
	}
	w.get(c, "/campaigns")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(camps, "Summer sale") || !slices.Contains(camps, "Product recommendations") || slices.Contains(camps, "Cart reminder") {
		t.Errorf("Campaigns() = %q", camps)
	}
	if unknown != "" {
		t.Errorf("unknown placeholder rendered %q", unknown)
	}
}

// TestPlaceholderLimit: a placeholder shows at most units_count_max actions, in order, and
// an HTML action whose data would parse as items never counts as a recommendation once its
// content type is known.
func TestPlaceholderLimit(t *testing.T) {
	acc := personyzetest.Account{
		Placeholders: []personyzetest.Placeholder{{ID: 1, Name: "strip", UnitsCountMax: 2}},
		Conditions:   []personyzetest.Condition{{ID: 20, Name: "All", Actions: []int64{401, 402, 403}}},
	}
	for _, id := range []int64{401, 402, 403} {
		acc.Actions = append(acc.Actions, personyzetest.Action{ID: id, Name: "a", ContentType: personyzetest.ContentTypeHTML,
			ContentParam: "x", ContentBegin: "<i>", ContentEnd: "</i>", Placeholders: []int64{1},
			Data: map[string]string{"x": string(rune('0' + id - 400)), "data": `{"title":"not an item"}`}})
	}
	w := newWorld(t, personyzetest.Options{Account: &acc}, nil)
	var got string
	var items []Item
	w.mux.HandleFunc("GET /strip", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		got, items = string(v.Placeholder("strip")), v.Items()
	})
	w.get(w.browser(), "/strip")
	if got != "<i>1</i><i>2</i>" {
		t.Errorf("strip = %q, want the first two", got)
	}
	for _, it := range items {
		if it.ActionID > 400 {
			t.Errorf("HTML action %d gave item %v", it.ActionID, it.Fields())
		}
	}
}

func TestAttributeLinks(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<a href="/">x</a>`, `<a href="/?pz=t7">x</a>`},
		{`<A HREF="/sale?a=1#top" class=c>x</A>`, `<a href="/sale?a=1&amp;pz=t7#top" class="c">x</A>`},
		{`<a href="https://other.example/">x</a>`, `<a href="https://other.example/">x</a>`},
		{`<a href="//other.example/">x</a>`, `<a href="//other.example/">x</a>`},
		{`<a href="#close">x</a><a href="mailto:a@b">m</a><a>no href</a>`, `<a href="#close">x</a><a href="mailto:a@b">m</a><a>no href</a>`},
		{`<a data-personyze-click-target="products p1" href="/products/p1">p</a>`, `<a data-personyze-click-target="products p1" href="/products/p1?pz=7">p</a>`},
		{`<script>var s = '<a href="/">';</script>`, `<script>var s = '<a href="/">';</script>`},
		{`plain <b>text</b> & more`, `plain <b>text</b> & more`},
		{`<a href="/x" title='a"b'>`, `<a href="/x?pz=t7" title="a&#34;b">`},
	}
	for _, tt := range tests {
		if got := attributeLinks(tt.in, "pz", 7); got != tt.want {
			t.Errorf("attributeLinks(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestTargetOf(t *testing.T) {
	tests := []struct {
		q    string
		want int64
	}{{"pz=t301", 301}, {"a=1&pz=t5", 5}, {"pz=301", 0}, {"pz=t", 0}, {"pz=t0", 0}, {"pz=tx", 0}, {"pz=t-1", 0}, {"xpz=t3", 0}}
	for _, tt := range tests {
		if got := targetOf(tt.q, "pz"); got != tt.want {
			t.Errorf("targetOf(%q) = %d, want %d", tt.q, got, tt.want)
		}
	}
}

func TestInactiveVisitParityMethods(t *testing.T) {
	v := FromContext(t.Context())
	if v.Placeholder("home-banner") != "" || v.InCampaign("Summer sale") || len(v.Campaigns()) != 0 {
		t.Error("an inactive Visit renders something")
	}
	if err := v.CloseAction(5, 2); err != nil {
		t.Error(err)
	}
	if err := v.CloseAction(0, 2); err == nil {
		t.Error("CloseAction(0) accepted")
	}
}
