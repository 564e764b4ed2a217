// Command day4-group is the demo of gee-web day4-group: routes registered in
// the groups /v1 and /v2 next to routes on the engine itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gee-web/day4-group/gee"
)

const usageText = `Usage: go run ./gee-web/day4-group [-addr host:port]

Serves a small gee demo until SIGINT or SIGTERM. Try:

  curl http://127.0.0.1:9999/
  curl http://127.0.0.1:9999/files/css/site.css
  curl http://127.0.0.1:9999/v1/
  curl 'http://127.0.0.1:9999/v1/hello?name=geektutu'
  curl http://127.0.0.1:9999/v2/hello/geektutu
  curl -I http://127.0.0.1:9999/v2/hello/geektutu
  curl http://127.0.0.1:9999/v2/login -d username=geektutu -d password=1234
  curl -i -X DELETE http://127.0.0.1:9999/v2/hello/geektutu
  curl http://127.0.0.1:9999/nothing

Flags:
`

// newEngine builds the demo's routes.
func newEngine() *gee.Engine {
	engine := gee.New()
	engine.GET("/", func(c *gee.Context) {
		c.HTML(http.StatusOK, "<h1>Hello Gee</h1>\n")
	})
	engine.GET("/files/*filepath", func(c *gee.Context) {
		c.JSON(http.StatusOK, gee.H{"filepath": c.Param("filepath")})
	})

	v1 := engine.Group("/v1")
	v1.GET("/", func(c *gee.Context) {
		c.HTML(http.StatusOK, "<h1>Hello Gee v1</h1>\n")
	})
	v1.GET("/hello", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s, you're at %s\n", c.Query("name"), c.Path)
	})

	v2 := engine.Group("/v2")
	v2.GET("/hello/:name", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s, you're at %s\n", c.Param("name"), c.Path)
	})
	v2.POST("/login", func(c *gee.Context) {
		c.JSON(http.StatusOK, gee.H{
			"username": c.PostForm("username"),
			"password": c.PostForm("password"),
		})
	})
	return engine
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "`host:port` to listen on; port 0 picks a free port")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usageText)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := serve(*addr, newEngine()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
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
