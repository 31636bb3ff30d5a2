package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReasonConstantsDocumented: every reason constant of classify.go (the one place the
// reasons are written) is named in the package documentation, so a new reason cannot be
// added without it. TestDocReasons checks the other direction: the code gives them.
func TestReasonConstantsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(string(doc), "//", " ")), " ")
	f, err := parser.ParseFile(token.NewFileSet(), "classify.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "reason") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		val, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.Contains(text, `"`+val+`"`) {
			t.Errorf("doc.go does not name %s = %q", vs.Names[0].Name, val)
		}
		return true
	})
	if n < 14 {
		t.Errorf("found %d reason constants in classify.go, want them all there (14 or more)", n)
	}
}
