package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// exFunc is one function or method of a chapter's framework code: the unit an exercise
// blanks, grades and hints at.
type exFunc struct {
	Dir  string // package folder relative to the module root, slash-separated: "gee", "geecache/lru"
	Pkg  string // package name
	File string // file relative to the module root: "gee/trie.go"
	Recv string // receiver base type without * and type parameters ("node"); "" for a function
	Name string // "insert"
	Nth  int    // init functions share a name: which one of the file's inits this is (0, 1, ...)
	ID   string // what the reader types and the panic names: "node.insert", "lru.Cache.Get"
	Line int    // line of the declaration in the reference
	Doc  string // the doc comment's text

	norm string // the declaration printed without comments, chapter name replaced: compared across chapters
	src  string // the declaration as written in the reference, doc comment included

	// The body in the reference, as line:column of its braces, to map coverage blocks onto it.
	bodyFrom, bodyTo token.Position
}

// key identifies a function across chapters: same package folder, receiver and name.
func (f exFunc) key() string {
	k := f.Dir + "|" + f.Recv + "." + f.Name
	if f.Name == "init" && f.Recv == "" {
		k += fmt.Sprintf("@%s#%d", filepath.Base(f.File), f.Nth)
	}
	return k
}

// qualified is Recv.Name, or Name for a plain function.
func (f exFunc) qualified() string {
	if f.Recv == "" {
		return f.Name
	}
	return f.Recv + "." + f.Name
}

// baseID is the name a reader types: qualified, and prefixed with the package name when the
// function lives in a sub-package ("lru.Cache.Get"), since several packages of one chapter
// may have a New or a Get.
func (f exFunc) baseID() string {
	if strings.Contains(f.Dir, "/") {
		return f.Pkg + "." + f.qualified()
	}
	return f.qualified()
}

// exFrameworkDirs lists the framework packages of a chapter module: every folder below the
// module root holding Go code that is not a main package. The chapter-root demo is not one.
func exFrameworkDirs(modRoot string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(modRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != modRoot && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
			return filepath.SkipDir
		}
		if path != modRoot && fileExists(filepath.Join(path, "go.mod")) {
			return filepath.SkipDir // a nested module is not part of this one
		}
		if path == modRoot {
			return nil
		}
		pkg, ok := exPackageName(path)
		if ok && pkg != "main" {
			rel, err := filepath.Rel(modRoot, path)
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

// exPackageName reads the package clause of the non-test Go files of dir. A folder holds one
// package, but may hold a generator marked "//go:build ignore" that says package main: any
// other name wins over main.
func exPackageName(dir string) (string, bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	name := ""
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, n), nil, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		if f.Name.Name != "main" {
			return f.Name.Name, true
		}
		name = "main"
	}
	return name, name != ""
}

// exParseDir returns the functions and methods of the package in modRoot/dir, skipping tests and
// generated files. names are the chapter's own names (module path, folder name): they are
// replaced by one placeholder in the comparison text, so that a function differing from its
// predecessor only by the chapter's name counts as unchanged.
func exParseDir(modRoot, dir string, names []string) ([]exFunc, error) {
	abs := filepath.Join(modRoot, filepath.FromSlash(dir))
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, err
	}
	var funcs []exFunc
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(abs, n))
		if err != nil {
			return nil, err
		}
		got, err := exParseFile(exJoin(dir, n), src, names)
		if err != nil {
			return nil, err
		}
		for i := range got {
			got[i].Dir = dir
		}
		funcs = append(funcs, got...)
	}
	return funcs, nil
}

// exJoin joins a slash-separated folder and a file name; "" and "." are the module root.
func exJoin(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}

// exParseFile returns the functions of one Go file (none if the file is generated).
func exParseFile(file string, src []byte, names []string) ([]exFunc, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if ast.IsGenerated(f) {
		return nil, nil
	}
	var funcs []exFunc
	inits := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ef := exFunc{
			Pkg:      f.Name.Name,
			File:     file,
			Recv:     exRecvName(fd),
			Name:     fd.Name.Name,
			Line:     fset.Position(fd.Pos()).Line,
			Doc:      fd.Doc.Text(),
			bodyFrom: fset.Position(fd.Body.Lbrace),
			bodyTo:   fset.Position(fd.Body.Rbrace),
		}
		if ef.Recv == "" && ef.Name == "init" {
			ef.Nth = inits
			inits++
		}
		start := fd.Pos()
		if fd.Doc != nil {
			start = fd.Doc.Pos()
		}
		ef.src = string(src[fset.Position(start).Offset:fset.Position(fd.End()).Offset])
		ef.norm = exNormalise(src, fset, fd, names)
		funcs = append(funcs, ef)
	}
	return funcs, nil
}

// exRecvName is the receiver's base type name: "node" for (n *node), "Set" for (s *Set[T]).
func exRecvName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return fmt.Sprintf("%T", t)
		}
	}
}

// exNormalise reduces a declaration to its tokens, without comments, layout or the
// semicolons Go inserts at line ends, and with the chapter's names replaced, so that a
// comment, a reflowed line or the chapter's own name does not count as a change.
func exNormalise(src []byte, fset *token.FileSet, fd *ast.FuncDecl, names []string) string {
	from, to := fset.Position(fd.Pos()).Offset, fset.Position(fd.End()).Offset
	text := src[from:to]
	var sc scanner.Scanner
	sc.Init(token.NewFileSet().AddFile("", -1, len(text)), text, nil, 0)
	var b strings.Builder
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		if lit == "" {
			lit = tok.String()
		}
		b.WriteString(lit)
		b.WriteByte(' ')
	}
	s := b.String()
	for _, n := range names {
		if n != "" {
			s = strings.ReplaceAll(s, n, "\x00CHAPTER\x00")
		}
	}
	return s
}

// exChapterFuncs parses every framework package of a chapter module.
func exChapterFuncs(modRoot string, names []string) ([]exFunc, error) {
	dirs, err := exFrameworkDirs(modRoot)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no framework package below %s", modRoot)
	}
	var all []exFunc
	for _, d := range dirs {
		got, err := exParseDir(modRoot, d, names)
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
	}
	return all, nil
}

// exChangedFuncs returns the functions of cur that prev does not have, or has with another
// text. With no predecessor (a day1), every function is new.
func exChangedFuncs(prev, cur []exFunc) []exFunc {
	old := make(map[string]string, len(prev))
	for _, f := range prev {
		old[f.key()] = f.norm
	}
	var changed []exFunc
	for _, f := range cur {
		if n, ok := old[f.key()]; !ok || n != f.norm {
			changed = append(changed, f)
		}
	}
	return changed
}

// exAssignIDs gives every function its ID: baseID, and where two functions of the set share
// one (two init functions, two packages of the same name), the file is appended: "init@codec.go".
func exAssignIDs(funcs []exFunc) {
	count := map[string]int{}
	for _, f := range funcs {
		count[f.baseID()]++
	}
	for i := range funcs {
		id := funcs[i].baseID()
		if count[id] > 1 {
			id += "@" + funcs[i].File
			if funcs[i].Nth > 0 {
				id += fmt.Sprintf("#%d", funcs[i].Nth+1)
			}
		}
		funcs[i].ID = id
	}
}

// exFileOrder sorts functions by file, then line.
func exFileOrder(funcs []exFunc) {
	sort.SliceStable(funcs, func(i, j int) bool {
		if funcs[i].File != funcs[j].File {
			return funcs[i].File < funcs[j].File
		}
		return funcs[i].Line < funcs[j].Line
	})
}
