package core

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("update-api", false, "rewrite testdata/api.txt from the current exported API")

// apiPackages are the public packages whose exported surface is recorded, relative to core.
var apiPackages = []string{".", "personyzetest", "adaptertest", "personyzeotel", "personyzeprom", "personyzeredis", "../nethttp", "../ginadapter",
	"../echoadapter", "../echoadapter/echov5"}

// TestAPISnapshot fails when the exported API of the public packages differs from
// testdata/api.txt, so that every change to it is deliberate: run
// `go test ./core -run TestAPISnapshot -update-api` and commit the file with the change.
func TestAPISnapshot(t *testing.T) {
	var b strings.Builder
	for _, dir := range apiPackages {
		lines, err := exportedAPI(dir)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.ToSlash(filepath.Clean(filepath.Join("core", dir)))
		for _, l := range lines {
			fmt.Fprintf(&b, "%s: %s\n", name, l)
		}
	}
	got := b.String()
	const file = "testdata/api.txt"
	if *updateAPI {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (create it with -update-api)", err)
	}
	if got != string(want) {
		t.Errorf("the exported API differs from %s; if the change is deliberate, run\n"+
			"\tgo test ./core -run TestAPISnapshot -update-api\nand commit the file.\n%s",
			file, lineDiff(string(want), got))
	}
}

// TestAPISnapshotDetects shows that the snapshot sees a new export: the check can fail.
func TestAPISnapshotDetects(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\n// X is new.\nfunc X() {}\n\nfunc y() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, err := exportedAPI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "func X()" {
		t.Fatalf("exportedAPI = %q, want [func X()]", lines)
	}
}

// exportedAPI lists the exported declarations of the package in dir (test files excluded):
// functions and methods with their signatures, types, exported struct fields and interface
// methods, constants and variables. Sorted, one per line.
func exportedAPI(dir string) ([]string, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	node := func(n any) string {
		var buf bytes.Buffer
		_ = printer.Fprint(&buf, fset, n)
		return strings.Join(strings.Fields(buf.String()), " ")
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				recv := ""
				if d.Recv != nil {
					rt := d.Recv.List[0].Type
					base := rt
					if s, ok := base.(*ast.StarExpr); ok {
						base = s.X
					}
					if id, ok := base.(*ast.Ident); !ok || !id.IsExported() {
						continue
					}
					recv = "(" + node(rt) + ") "
				}
				out = append(out, "func "+recv+d.Name.Name+strings.TrimPrefix(node(d.Type), "func"))
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						out = append(out, typeLines(s, node)...)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								out = append(out, d.Tok.String()+" "+n.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// typeLines describes a type declaration: its kind, and its exported fields or methods.
func typeLines(s *ast.TypeSpec, node func(any) string) []string {
	name := s.Name.Name
	if s.Assign.IsValid() {
		return []string{"type " + name + " = " + node(s.Type)}
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		out := []string{"type " + name + " struct"}
		for _, f := range t.Fields.List {
			for _, n := range f.Names {
				if n.IsExported() {
					out = append(out, "field "+name+"."+n.Name+" "+node(f.Type))
				}
			}
			if len(f.Names) == 0 { // embedded
				out = append(out, "embedded "+name+" "+node(f.Type))
			}
		}
		return out
	case *ast.InterfaceType:
		out := []string{"type " + name + " interface"}
		for _, m := range t.Methods.List {
			for _, n := range m.Names {
				out = append(out, "method "+name+"."+n.Name+strings.TrimPrefix(node(m.Type), "func"))
			}
		}
		return out
	default:
		return []string{"type " + name + " " + node(s.Type)}
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
