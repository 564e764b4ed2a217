package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// exPanicPrefix starts the message every blanked function panics with; a test failing with
// it tells the reader which function it is waiting for.
const exPanicPrefix = "exercise: implement "

// exTarget names one function of a file to blank.
type exTarget struct {
	Recv, Name string
	Nth        int    // which init, for init functions
	ID         string // named in the panic
}

func exTargetOf(f exFunc) exTarget { return exTarget{Recv: f.Recv, Name: f.Name, Nth: f.Nth, ID: f.ID} }

// exFindDecls returns, for each target, the function declaration of file f that it names.
func exFindDecls(f *ast.File, targets []exTarget) (map[exTarget]*ast.FuncDecl, error) {
	found := map[exTarget]*ast.FuncDecl{}
	inits := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		recv, nth := exRecvName(fd), 0
		if recv == "" && fd.Name.Name == "init" {
			nth = inits
			inits++
		}
		for _, t := range targets {
			if t.Recv == recv && t.Name == fd.Name.Name && t.Nth == nth {
				found[t] = fd
			}
		}
	}
	for _, t := range targets {
		if found[t] == nil {
			return nil, fmt.Errorf("no function %s in the file", t.ID)
		}
	}
	return found, nil
}

// exBlank returns src with the body of every target replaced by a panic naming it. The rest of
// the file stays as it is: signatures, doc comments, types. Imports that only the removed
// bodies used are removed, so that the copy compiles, and the result is gofmt'ed.
func exBlank(file string, src []byte, targets []exTarget, namer *exImportNamer) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	decls, err := exFindDecls(f, targets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	type splice struct {
		from, to int
		text     string
	}
	var splices []splice
	for t, fd := range decls {
		splices = append(splices, splice{
			from: fset.Position(fd.Body.Lbrace).Offset,
			to:   fset.Position(fd.Body.Rbrace).Offset + 1,
			text: "{\n\tpanic(" + strconv.Quote(exPanicPrefix+t.ID) + ")\n}",
		})
	}
	sort.Slice(splices, func(i, j int) bool { return splices[i].from > splices[j].from })
	out := append([]byte(nil), src...)
	for _, s := range splices {
		out = append(out[:s.from], append([]byte(s.text), out[s.to:]...)...)
	}
	out, err = exPruneImports(file, src, out, namer)
	if err != nil {
		return nil, err
	}
	return format.Source(out)
}

// exIsBlank reports whether a declaration's body is just the panic exBlank writes.
func exIsBlank(fd *ast.FuncDecl) bool {
	if fd.Body == nil || len(fd.Body.List) != 1 {
		return false
	}
	es, ok := fd.Body.List[0].(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "panic" {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	msg, err := strconv.Unquote(lit.Value)
	return err == nil && strings.HasPrefix(msg, exPanicPrefix)
}

// exImportUses counts, per name, the selector expressions x.Sel whose x the parser could not
// resolve inside the file: those are references to imported packages (or to package-level
// names of other files, which never share a name with an import of this file).
func exImportUses(f *ast.File) map[string]int {
	uses := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				uses[id.Name]++
			}
		}
		return true
	})
	return uses
}

// exPruneImports removes from after (before with some bodies replaced) every import that
// before used by name and after no longer uses. An import whose name cannot be worked out is
// left alone: the copy's compile check in gee check would then say so.
func exPruneImports(file string, before, after []byte, namer *exImportNamer) ([]byte, error) {
	fset := token.NewFileSet()
	fb, err := parser.ParseFile(token.NewFileSet(), file, before, 0)
	if err != nil {
		return nil, err
	}
	fa, err := parser.ParseFile(fset, file, after, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s after blanking: %w", file, err)
	}
	usedBefore, usedAfter := exImportUses(fb), exImportUses(fa)
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	var cuts [][2]int
	for _, d := range fa.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		var specCuts [][2]int
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue
			}
			name := namer.name(p)
			if is.Name != nil {
				name = is.Name.Name
			}
			if name == "_" || name == "." || usedBefore[name] == 0 || usedAfter[name] > 0 {
				continue
			}
			from, to := is.Pos(), is.End()
			if is.Doc != nil {
				from = is.Doc.Pos()
			}
			if is.Comment != nil {
				to = is.Comment.End()
			}
			specCuts = append(specCuts, exWholeLines(after, off(from), off(to)))
		}
		if len(specCuts) > 0 && len(specCuts) == len(gd.Specs) {
			from := gd.Pos()
			if gd.Doc != nil {
				from = gd.Doc.Pos()
			}
			specCuts = [][2]int{exWholeLines(after, off(from), off(gd.End()))}
		}
		cuts = append(cuts, specCuts...)
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i][0] > cuts[j][0] })
	out := append([]byte(nil), after...)
	for _, c := range cuts {
		out = append(out[:c[0]], out[c[1]:]...)
	}
	return out, nil
}

// exWholeLines widens [from, to) to whole lines when nothing else stands on them.
func exWholeLines(src []byte, from, to int) [2]int {
	start := bytes.LastIndexByte(src[:from], '\n') + 1
	if strings.TrimSpace(string(src[start:from])) != "" {
		start = from
	}
	end := to
	if nl := bytes.IndexByte(src[to:], '\n'); nl >= 0 && strings.TrimSpace(string(src[to:to+nl])) == "" {
		end = to + nl + 1
	}
	return [2]int{start, end}
}

// exImportNamer works out the name an import path is used by when the import does not name it:
// the package clause of the module's own folder, else the path's last element with Go's
// conventions (true of every standard package; a major-version suffix is not the name,
// "go-sqlite3" is "sqlite3").
type exImportNamer struct {
	modPath string // module path of the code being blanked
	modRoot string // its folder
	cache   map[string]string
}

func newExImportNamer(modPath, modRoot string) *exImportNamer {
	return &exImportNamer{modPath: modPath, modRoot: modRoot, cache: map[string]string{}}
}

var exMajorVersion = regexp.MustCompile(`^v[0-9]+$`)

func (n *exImportNamer) name(p string) string {
	if name, ok := n.cache[p]; ok {
		return name
	}
	name := ""
	switch {
	case p == n.modPath || strings.HasPrefix(p, n.modPath+"/"):
		name, _ = exPackageName(filepath.Join(n.modRoot, filepath.FromSlash(strings.TrimPrefix(p, n.modPath))))
	}
	if name == "" {
		parts := strings.Split(p, "/")
		name = parts[len(parts)-1]
		if exMajorVersion.MatchString(name) && len(parts) > 1 {
			name = parts[len(parts)-2]
		}
		name = strings.TrimPrefix(name, "go-")
		if i := strings.Index(name, ".v"); i > 0 {
			name = name[:i]
		}
		name = strings.NewReplacer("-", "_", ".", "_").Replace(name)
	}
	n.cache[p] = name
	return name
}
