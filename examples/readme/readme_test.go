package readme

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// block is a fenced code block of the README.
type block struct {
	line int // of the opening fence, 1-based
	text string
}

// fencedBlocks returns the README's code blocks in language lang.
func fencedBlocks(t *testing.T, readme, lang string) []block {
	t.Helper()
	var out []block
	var cur *block
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(readme))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && trimmed == "```"+lang:
			cur, lines = &block{line: n}, nil
		case cur != nil && trimmed == "```":
			cur.text = normalize(lines)
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			lines = append(lines, l)
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unterminated ```%s block", cur.line, lang)
	}
	return out
}

// normalize makes snippet text comparable: leading tabs become four spaces, trailing
// blanks and blank first and last lines go, and the common indentation is removed.
func normalize(lines []string) string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		i := 0
		for i < len(l) && l[i] == '\t' {
			i++
		}
		out = append(out, strings.TrimRight(strings.Repeat("    ", i)+l[i:], " \t"))
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	indent := -1
	for _, l := range out {
		if l == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range out {
		if len(l) >= indent && indent > 0 {
			out[i] = l[indent:]
		}
	}
	return strings.Join(out, "\n")
}

// regions returns the readme:begin/readme:end regions of this package's Go files by name.
func regions(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var name string
		var lines []string
		for n, l := range strings.Split(string(b), "\n") {
			trimmed := strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(trimmed, "// readme:begin "):
				name, lines = f+":"+strings.TrimPrefix(trimmed, "// readme:begin "), nil
			case trimmed == "// readme:end":
				if name == "" {
					t.Fatalf("%s:%d: readme:end without readme:begin", f, n+1)
				}
				out[name] = normalize(lines)
				name = ""
			case name != "":
				lines = append(lines, l)
			}
		}
		if name != "" {
			t.Fatalf("%s: region %s has no readme:end", f, name)
		}
	}
	return out
}

// TestREADME: every Go block of the README is one of the compiled regions of this package,
// and every region is in the README; every HTML block is one of the templates the
// quick-start tests render (templates/), and parses and renders with the library's
// functions and no nonce in its data.
func TestREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	regs := regions(t)
	names := make([]string, 0, len(regs))
	for name := range regs {
		names = append(names, name)
	}
	slices.Sort(names)
	goBlocks := fencedBlocks(t, readme, "go")
	if len(goBlocks) == 0 {
		t.Fatal("no ```go block found in README.md")
	}
	used := map[string]bool{}
	for _, blk := range goBlocks {
		if i := slices.IndexFunc(names, func(n string) bool { return regs[n] == blk.text }); i >= 0 {
			used[names[i]] = true
			continue
		}
		best, at := closest(blk.text, regs, names)
		t.Errorf("README.md:%d: this Go block is not compiled code: it matches no readme:begin region of examples/readme.\n"+
			"Closest region %s differs at block line %d:\n  README: %q\n  region: %q\n"+
			"Fix the snippet (write it in examples/readme, compile it, copy it), never the test.",
			blk.line, best, at+1, lineAt(blk.text, at), lineAt(regs[best], at))
	}
	for _, n := range names {
		if !used[n] {
			t.Errorf("region %s is in no Go block of README.md: copy it into the README, or delete it "+
				"(what leaves the README lives on as an Example of the package it documents)", n)
		}
	}
	templates := templateFiles(t)
	for _, blk := range fencedBlocks(t, readme, "html") {
		if !slices.Contains(templates, blk.text) {
			t.Errorf("README.md:%d: this HTML block is none of the templates in examples/readme/templates, "+
				"which TestQuickStartFrameworks renders: copy it from there", blk.line)
		}
		tpl, err := template.New("readme").Funcs(core.FuncMap()).Parse(blk.text)
		if err != nil {
			t.Errorf("README.md:%d: HTML block does not parse with core.FuncMap(): %v", blk.line, err)
			continue
		}
		data := map[string]any{"Personyze": core.FromContext(context.Background())} // no Nonce
		if err := tpl.Execute(io.Discard, data); err != nil {
			t.Errorf("README.md:%d: HTML block does not render without a Nonce in its data: %v", blk.line, err)
		}
	}
}

// templateFiles returns the normalized text of every file in templates/.
func templateFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("templates/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in examples/readme/templates (%v)", err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, normalize(strings.Split(string(b), "\n")))
	}
	return out
}

// closest returns the region sharing the longest prefix of lines with text (on a tie, the
// most lines anywhere), and the index of the first line that differs.
func closest(text string, regs map[string]string, names []string) (string, int) {
	tl := strings.Split(text, "\n")
	best, bestAt, bestShared := "", -1, -1
	for _, n := range names {
		rl := strings.Split(regs[n], "\n")
		i := 0
		for i < len(tl) && i < len(rl) && tl[i] == rl[i] {
			i++
		}
		shared := 0
		for _, l := range tl {
			if slices.Contains(rl, l) {
				shared++
			}
		}
		if i > bestAt || (i == bestAt && shared > bestShared) {
			best, bestAt, bestShared = n, i, shared
		}
	}
	return best, bestAt
}

func lineAt(text string, i int) string {
	l := strings.Split(text, "\n")
	if i < len(l) {
		return l[i]
	}
	return "(end of snippet)"
}

// myMux is the application of the simulator snippets: a product page that tracks its view.
var myMux = func() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		v := core.FromContext(r.Context())
		_ = v.Track(core.ProductViewed(r.PathValue("id")))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<h1>%s</h1>%d recommendations", r.PathValue("id"), len(v.Items()))
	})
	return mux
}()

func TestAdapterEnv(t *testing.T) {
	// readme:begin env
	e := adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler {
		return nethttp.Middleware(tr)(myMux)
	}, adaptertest.EnvOptions{}) // simulator + Tracker + app, closed at test end
	e.Get(e.Browser(), "/products/p1")       // one visitor with a cookie jar, as a browser
	names := adaptertest.Names(e.LastCall()) // [Product Viewed Navigate]
	// readme:end
	if !slices.Equal(names, []string{"Product Viewed", "Navigate"}) {
		t.Errorf("names %v", names)
	}
}

// TestQuickStartFrameworks runs the quick start's Gin and Echo lines with the README's
// template (templates/product.html): a browser's product page shows the recommendations
// and the placeholder's HTML action, and Personyze sees the product view with the page view.
func TestQuickStartFrameworks(t *testing.T) {
	gin.SetMode(gin.TestMode) // no debug route listing in the test output
	for _, tc := range []struct {
		name string
		app  func(*core.Tracker) *http.Server
	}{{"gin", ginApp}, {"echo", echoApp}} {
		t.Run(tc.name, func(t *testing.T) {
			e := adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler { return tc.app(tr).Handler },
				adaptertest.EnvOptions{Sim: personyzetest.Options{Seed: 1}})
			resp, body := e.Get(e.Browser(), "/products/p1")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			for _, want := range []string{"<h2>Recommended for you</h2>", "?pz=", "<aside><"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
			if names := adaptertest.Names(e.LastCall()); !slices.Equal(names, []string{"Product Viewed", "Navigate"}) {
				t.Errorf("Personyze saw %v, want [Product Viewed Navigate]", names)
			}
		})
	}
}
