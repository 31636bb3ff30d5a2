package core

import (
	"html/template"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

func TestLink(t *testing.T) {
	tr, err := New(Config{APIKey: strings.Repeat("A", 40), Development: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(t.Context())
	tests := []struct {
		name   string
		action int64
		fields map[string]string
		want   string
	}{
		{"own url", 101, map[string]string{"url": "/products/p1"}, "/products/p1?pz=101"},
		{"keeps query", 7, map[string]string{"url": "/p?color=red"}, "/p?color=red&pz=7"},
		{"absolute", 7, map[string]string{"guide_url": "https://shop.example/p1#top"}, "https://shop.example/p1?pz=7#top"},
		{"id only", 5, map[string]string{"internal_id": "SKU 1/2"}, "/products/SKU%201%2F2?pz=5"},
		{"no action", 0, map[string]string{"url": "/p"}, "/p"},
		{"nothing to link", 5, map[string]string{"title": "x"}, ""},
		{"javascript stays for html/template to refuse", 5, map[string]string{"url": "javascript:alert(1)"}, "javascript:alert(1)?pz=5"},
	}
	for _, tt := range tests {
		if got := tr.Link(newItem(tt.action, tt.fields)); got != tt.want {
			t.Errorf("%s: Link = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAttributionOf(t *testing.T) {
	tests := []struct {
		query string
		want  int64
	}{
		{"pz=101", 101},
		{"a=1&pz=7&b=2", 7},
		{"pz=0", 0},
		{"pz=-1", 0},
		{"pz=007", 0},
		{"pz=99999999999", 0},
		{"pz=2147483648", 0},
		{"pz=2147483647", 2147483647},
		{"xpz=5", 0},
		{"pz=5&pz=6", 5},
		{"", 0},
	}
	for _, tt := range tests {
		if got := attributionOf(tt.query, "pz"); got != tt.want {
			t.Errorf("attributionOf(%q) = %d, want %d", tt.query, got, tt.want)
		}
	}
}

func TestTemplatesEscapeRecommendations(t *testing.T) {
	tr, err := New(Config{APIKey: strings.Repeat("A", 40), Development: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(t.Context())
	tpl := template.Must(template.New("t").Funcs(tr.FuncMap()).Parse(
		`{{range .}}<a href="{{personyzeLink .}}">{{.Title}}</a>{{end}}{{personyzeScript "n<1>"}}`))
	items := []Item{
		newItem(3, map[string]string{"url": "javascript:alert(1)", "title": "<script>x</script>"}),
		newItem(4, map[string]string{"url": "/p?a=1&b=2", "title": "Tom & Jerry"}),
	}
	var b strings.Builder
	if err := tpl.Execute(&b, items); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`href="#ZgotmplZ"`, `&lt;script&gt;x&lt;/script&gt;`, `href="/p?a=1&amp;b=2&amp;pz=4"`, `Tom &amp; Jerry`, `<script src="/personyze-env.js?v=`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>x") {
		t.Error("item title rendered unescaped")
	}
	if strings.Contains(out, "n&lt;1") || strings.Contains(out, "n<1") {
		t.Error("a nonce argument that is no nonce was copied into the page")
	}
}

// newItem builds an Item from fields (copied).
func newItem(actionID int64, fields map[string]string) Item {
	return Item{ActionID: actionID, fields: wire.FieldsOf(fields)}
}
