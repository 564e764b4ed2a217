// Command day7-panic-recover is the demo of gee-web day7-panic-recover: the
// whole framework on gee.Default(), whose Recovery middleware answers a
// panicking handler (GET /panic) with a 500 while the server keeps serving.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"gee-web/day7-panic-recover/gee"
)

const usageText = `Usage: go run ./gee-web/day7-panic-recover [-addr host:port] [-root dir]

Serves a small gee demo until SIGINT or SIGTERM. The templates and static
files live in the chapter folder (templates/, static/); -root points at it
when it is neither the working directory nor where the program was built. Try:

  curl http://127.0.0.1:9999/
  curl 'http://127.0.0.1:9999/greet?name=<script>alert(1)</script>'
  curl http://127.0.0.1:9999/students
  curl http://127.0.0.1:9999/date
  curl http://127.0.0.1:9999/assets/css/site.css
  curl --path-as-is http://127.0.0.1:9999/assets/../main.go
  curl -i http://127.0.0.1:9999/panic
  curl http://127.0.0.1:9999/files/css/site.css
  curl http://127.0.0.1:9999/v1/
  curl 'http://127.0.0.1:9999/v1/hello?name=geektutu'
  curl http://127.0.0.1:9999/v2/hello/geektutu
  curl -I http://127.0.0.1:9999/v2/hello/geektutu
  curl http://127.0.0.1:9999/v2/login -d username=geektutu -d password=1234
  curl -i -X DELETE http://127.0.0.1:9999/v2/hello/geektutu
  curl -i http://127.0.0.1:9999/admin/stats
  curl -H 'X-Token: secret' http://127.0.0.1:9999/admin/stats
  curl -i http://127.0.0.1:9999/account
  curl -b session=1 http://127.0.0.1:9999/account
  curl http://127.0.0.1:9999/nothing

Every request is logged to standard error.

Flags:
`

type student struct {
	Name string
	Age  int
}

// newEngine builds the demo's routes; root holds templates/ and static/.
func newEngine(root string) *gee.Engine {
	engine := gee.Default()
	engine.SetFuncMap(template.FuncMap{
		"FormatAsDate": func(t time.Time) string { return t.Format("2006-01-02") },
	})
	engine.LoadHTMLGlob(filepath.Join(root, "templates", "*.tmpl"))
	engine.Static("/assets", filepath.Join(root, "static"))

	engine.GET("/", func(c *gee.Context) {
		c.HTML(http.StatusOK, "index.tmpl", gee.H{"Title": "Gee"})
	})
	engine.GET("/greet", func(c *gee.Context) {
		c.HTML(http.StatusOK, "greet.tmpl", gee.H{"Name": c.Query("name")})
	})
	engine.GET("/students", func(c *gee.Context) {
		c.HTML(http.StatusOK, "students.tmpl", gee.H{
			"Title":    "gee students",
			"Students": []student{{Name: "Geektutu", Age: 20}, {Name: "Jack", Age: 22}},
		})
	})
	engine.GET("/date", func(c *gee.Context) {
		c.HTML(http.StatusOK, "date.tmpl", gee.H{
			"Title": "the Gee series started on",
			"Now":   time.Date(2019, time.August, 17, 0, 0, 0, 0, time.UTC),
		})
	})
	engine.GET("/panic", func(c *gee.Context) {
		names := []string{"geektutu"}
		c.String(http.StatusOK, "%s\n", names[100]) // index out of range
	})
	engine.GET("/files/*filepath", func(c *gee.Context) {
		c.JSON(http.StatusOK, gee.H{"filepath": c.Param("filepath")})
	})

	v1 := engine.Group("/v1")
	v1.GET("/", func(c *gee.Context) {
		c.HTML(http.StatusOK, "index.tmpl", gee.H{"Title": "Gee v1"})
	})
	v1.GET("/hello", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s, you're at %s\n", c.Query("name"), c.Path)
	})

	v2 := engine.Group("/v2")
	v2.Use(func(c *gee.Context) {
		c.SetHeader("X-Gee-Group", "v2")
		c.Next()
	})
	v2.GET("/hello/:name", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s, you're at %s\n", c.Param("name"), c.Path)
	})
	v2.POST("/login", func(c *gee.Context) {
		c.JSON(http.StatusOK, gee.H{
			"username": c.PostForm("username"),
			"password": c.PostForm("password"),
		})
	})

	admin := engine.Group("/admin")
	admin.Use(func(c *gee.Context) {
		if c.Req.Header.Get("X-Token") != "secret" {
			c.Fail(http.StatusUnauthorized, "missing or wrong X-Token")
			return
		}
		c.Set("user", "geektutu") // whom the token belongs to
	})
	admin.GET("/stats", func(c *gee.Context) {
		user, _ := c.Get("user")
		c.JSON(http.StatusOK, gee.H{"requests": 42, "user": user})
	})

	// Without a session cookie the middleware sends the visitor to the home
	// page, and Abort keeps the handler from answering as well.
	account := engine.Group("/account")
	account.Use(func(c *gee.Context) {
		if _, err := c.Req.Cookie("session"); err != nil {
			http.Redirect(c.Writer, c.Req, "/", http.StatusFound)
			c.Abort()
		}
	})
	account.GET("/", func(c *gee.Context) {
		c.String(http.StatusOK, "your account\n")
	})
	return engine
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "`host:port` to listen on; port 0 picks a free port")
	root := flag.String("root", defaultRoot(), "`dir`ectory holding templates/ and static/")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usageText)
		flag.PrintDefaults()
	}
	flag.Parse()
	if _, err := os.Stat(filepath.Join(*root, "templates")); err != nil {
		fmt.Fprintf(os.Stderr, "error: no templates folder in %s; pass -root <chapter folder>\n", *root)
		os.Exit(2)
	}
	if err := serve(*addr, newEngine(*root)); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// defaultRoot finds the folder holding templates/ and static/: the working
// directory if it has them, else the folder of this source file as recorded
// at build time. That is an absolute path for go run and go build, and the
// module path "gee-web/<chapter>" (relative to the repo root) with -trimpath.
func defaultRoot() string {
	if _, err := os.Stat("templates"); err == nil {
		return "."
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Dir(file)
	}
	return "."
}

// serve listens first, so the printed address is real even for port 0, then
// serves until SIGINT or SIGTERM and shuts down gracefully.
func serve(addr string, handler http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
