// extract copies named top-level declarations out of go's own source files into one file of another
// package, with the imports those declarations use (an import path can be redirected to a stand-in).
// test/vectors/record.ts uses it to compile cmd/go's internal functions that the probe ports —
// proxyList and newProxyRepo (cmd/go/internal/modfetch/proxy.go), dbDial and knownGOSUMDB (sumdb.go,
// key.go) — from the recording go's $GOROOT, since cmd/go's internal packages cannot be imported.
//
//	extract -pkg NAME -o OUT.go [-rewrite old=new]... FILE.go:Decl1,Decl2 ...
//
// It fails when a named declaration is missing, so a go that renames one cannot record silently.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

type rewrites map[string]string

func (r rewrites) String() string { return fmt.Sprint(map[string]string(r)) }
func (r rewrites) Set(s string) error {
	old, new, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("-rewrite wants old=new, got %q", s)
	}
	r[old] = new
	return nil
}

func main() {
	pkg := flag.String("pkg", "", "package name of the output file")
	out := flag.String("o", "", "output file")
	rw := rewrites{}
	flag.Var(rw, "rewrite", "import path old=new (repeatable)")
	flag.Parse()
	if *pkg == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: extract -pkg NAME -o OUT.go [-rewrite old=new]... FILE.go:Decl1,Decl2 ...")
		os.Exit(2)
	}

	fset := token.NewFileSet()
	var body bytes.Buffer
	imports := map[[2]string]bool{} // [import path, local name as written ("" when none)]
	for _, arg := range flag.Args() {
		file, list, ok := strings.Cut(arg, ":")
		if !ok {
			fail("want FILE.go:Decl1,Decl2, got %q", arg)
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			fail("%v", err)
		}
		want := map[string]bool{}
		for _, n := range strings.Split(list, ",") {
			want[n] = true
		}
		fmt.Fprintf(&body, "\n// From %s.\n", file)
		for _, d := range f.Decls {
			if kept := keep(d, want); kept != nil {
				body.WriteString("\n")
				if err := printer.Fprint(&body, fset, kept); err != nil {
					fail("%v", err)
				}
				body.WriteString("\n")
				for _, imp := range usedImports(f, kept) {
					imports[imp] = true
				}
			}
		}
		for n := range want {
			fail("%s: no top-level declaration %s", file, n)
		}
	}

	var src bytes.Buffer
	fmt.Fprintf(&src, "// Code extracted from go's own source by test/vectors/record/extract. DO NOT EDIT.\n\npackage %s\n\nimport (\n", *pkg)
	list := make([][2]string, 0, len(imports))
	for imp := range imports {
		list = append(list, imp)
	}
	sort.Slice(list, func(i, j int) bool { return list[i][0]+" "+list[i][1] < list[j][0]+" "+list[j][1] })
	for _, imp := range list {
		p, name := imp[0], imp[1]
		target := p
		if r, ok := rw[p]; ok {
			target = r
		}
		// A redirected import keeps the name the declarations use.
		if name == "" && target != p {
			name = path.Base(p)
		}
		fmt.Fprintf(&src, "\t%s %s\n", name, strconv.Quote(target))
	}
	src.WriteString(")\n")
	src.Write(body.Bytes())
	formatted, err := format.Source(src.Bytes())
	if err != nil {
		fail("formatting the extracted code: %v\n%s", err, src.String())
	}
	if err := os.WriteFile(*out, formatted, 0o644); err != nil {
		fail("%v", err)
	}
}

// keep returns the part of d that declares a wanted name (and crosses the name off), or nil.
func keep(d ast.Decl, want map[string]bool) ast.Decl {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil && want[d.Name.Name] {
			delete(want, d.Name.Name)
			d.Doc = nil
			return d
		}
	case *ast.GenDecl:
		var specs []ast.Spec
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if want[s.Name.Name] {
					delete(want, s.Name.Name)
					specs = append(specs, s)
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if want[n.Name] {
						delete(want, n.Name)
						specs = append(specs, s)
						break
					}
				}
			}
		}
		if len(specs) > 0 {
			return &ast.GenDecl{Tok: d.Tok, Lparen: d.Lparen, Specs: specs, Rparen: d.Rparen}
		}
	}
	return nil
}

// usedImports lists the imports of f that decl refers to: [path, local name as written].
func usedImports(f *ast.File, decl ast.Decl) [][2]string {
	used := map[string]bool{}
	ast.Inspect(decl, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			// A package name is an identifier the parser could not resolve (a local or a package-level
			// name of the file has an object), so a variable named like a package is not counted.
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	var out [][2]string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name, local := "", path.Base(p)
		if imp.Name != nil {
			name, local = imp.Name.Name, imp.Name.Name
		}
		if used[local] {
			out = append(out, [2]string{p, name})
		}
	}
	return out
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "extract: "+format+"\n", args...)
	os.Exit(1)
}
