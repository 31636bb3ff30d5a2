package readme

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
// and every HTML block parses and renders with the library's functions and no nonce in
// its data.
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
	for _, blk := range goBlocks {
		if slices.ContainsFunc(names, func(n string) bool { return regs[n] == blk.text }) {
			continue
		}
		best, at := closest(blk.text, regs, names)
		t.Errorf("README.md:%d: this Go block is not compiled code: it matches no readme:begin region of examples/readme.\n"+
			"Closest region %s differs at block line %d:\n  README: %q\n  region: %q\n"+
			"Fix the snippet (write it in examples/readme, compile it, copy it), never the test.",
			blk.line, best, at+1, lineAt(blk.text, at), lineAt(regs[best], at))
	}
	for _, blk := range fencedBlocks(t, readme, "html") {
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

// readme:begin simulator
func TestProductPage(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1}) // demo catalog by default
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(nethttp.Middleware(tr)(myMux))
	defer app.Close()

	// A browser navigating to the page (http.Get's Go-http-client User-Agent is a bot).
	req, _ := http.NewRequest("GET", app.URL+"/products/p1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tr.Close(context.Background())                      // wait for background calls
	calls := sim.Requests()                             // the page's call, then any in the background (action statuses)
	if len(calls) == 0 || len(calls[0].Commands) != 2 { // [Product Viewed p1] [Navigate /products/p1]
		t.Fatalf("Personyze saw %d calls: %+v", len(calls), calls)
	}

	sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHang}) // or FaultStatus, FaultGarbage,
	// FaultTruncated, FaultHuge, FaultReset, FaultEmpty, FaultLatency
}

// readme:end

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
