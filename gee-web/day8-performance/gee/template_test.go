package gee

import (
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFiles creates files (path → content) below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func templateEngine(t *testing.T) *Engine {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"greet.tmpl": `<p title="{{.}}">Hello, {{.}}!</p><a href="/u?name={{.}}">me</a>`,
		"date.tmpl":  `<p>{{.Name}} since {{.Since | FormatAsDate}}</p>`,
		"list.tmpl":  `<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>`,
		"half.tmpl":  `<p>before</p>{{.Explode}}<p>after</p>`,
		"other.txt":  `not a template`,
	})
	engine := New()
	engine.SetFuncMap(template.FuncMap{
		"FormatAsDate": func(t time.Time) string { return t.Format("2006-01-02") },
	})
	engine.LoadHTMLGlob(filepath.Join(dir, "*.tmpl"))
	return engine
}

type exploding struct{}

func (exploding) Explode() (string, error) { return "", fmt.Errorf("boom") }

func TestHTMLRendersTemplatesWithFuncMap(t *testing.T) {
	engine := templateEngine(t)
	engine.GET("/date", func(c *Context) {
		c.HTML(http.StatusOK, "date.tmpl", H{"Name": "gee", "Since": time.Date(2019, 8, 17, 0, 0, 0, 0, time.UTC)})
	})
	engine.GET("/list", func(c *Context) { c.HTML(http.StatusAccepted, "list.tmpl", []string{"a", "b"}) })

	w := serve(engine, "GET", "/date", nil)
	if w.Code != 200 || w.Body.String() != "<p>gee since 2019-08-17</p>" || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("date: %d %q %q", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
	w = serve(engine, "GET", "/list", nil)
	if w.Code != 202 || w.Body.String() != "<ul><li>a</li><li>b</li></ul>" {
		t.Fatalf("list: %d %q", w.Code, w.Body.String())
	}
}

func TestHTMLEscapesUserData(t *testing.T) {
	engine := templateEngine(t)
	engine.GET("/greet", func(c *Context) { c.HTML(http.StatusOK, "greet.tmpl", c.Query("name")) })
	w := serve(engine, "GET", `/greet?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22+x%3D`, nil)
	body := w.Body.String()
	if strings.Contains(body, "<script>") || strings.Contains(body, `" x=`) {
		t.Fatalf("user data not escaped: %q", body)
	}
	for _, want := range []string{
		"Hello, &lt;script&gt;alert(1)&lt;/script&gt;&#34; x=!",            // text
		`title="&lt;script&gt;alert(1)&lt;/script&gt;&#34; x="`,            // attribute
		`href="/u?name=%3cscript%3ealert%281%29%3c%2fscript%3e%22%20x%3d"`, // URL query
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body %q lacks %q", body, want)
		}
	}
}

func TestHTMLErrorsAreClean500s(t *testing.T) {
	engine := templateEngine(t)
	engine.GET("/missing", func(c *Context) { c.HTML(http.StatusOK, "nope.tmpl", nil) })
	engine.GET("/half", func(c *Context) { c.HTML(http.StatusOK, "half.tmpl", exploding{}) })

	w := serve(engine, "GET", "/missing", nil)
	if w.Code != 500 || !strings.Contains(w.Body.String(), `gee: cannot render template "nope.tmpl"`) {
		t.Fatalf("missing template: %d %q", w.Code, w.Body.String())
	}
	w = serve(engine, "GET", "/half", nil)
	if w.Code != 500 || strings.Contains(w.Body.String(), "before") || !strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("failing template: %d %q, want a 500 without the half-rendered page", w.Code, w.Body.String())
	}
}

func TestHTMLWithoutTemplatesIs500(t *testing.T) {
	engine := New()
	engine.GET("/", func(c *Context) { c.HTML(http.StatusOK, "index.tmpl", nil) })
	w := serve(engine, "GET", "/", nil)
	if w.Code != 500 || w.Body.String() != "gee: no HTML templates loaded; call LoadHTMLGlob first\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func TestLoadHTMLGlobPanicsOnBadTemplates(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"broken/a.tmpl":  `<p>{{if .Name}}</p>`,
		"unknown/a.tmpl": `<p>{{.When | FormatAsDate}}</p>`, // no SetFuncMap
	})
	tests := []struct{ name, pattern, want string }{
		{"no match", filepath.Join(dir, "*.nothing"), "pattern matches no files"},
		{"syntax error", filepath.Join(dir, "broken", "*.tmpl"), "unexpected EOF"},
		{"unknown function", filepath.Join(dir, "unknown", "*.tmpl"), `function "FormatAsDate" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(func() { New().LoadHTMLGlob(tt.pattern) })
			if !strings.HasPrefix(msg, "gee: cannot load HTML templates: ") || !strings.Contains(msg, tt.want) {
				t.Fatalf("panic = %q, want the gee prefix and %q", msg, tt.want)
			}
		})
	}
}
