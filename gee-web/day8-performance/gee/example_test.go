package gee_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"gee-web/day8-performance/gee"
)

func Example() {
	engine := gee.New()
	engine.GET("/hello", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s from %s\n", c.Query("name"), c.Path)
	})

	for _, path := range []string{"/hello?name=gee", "/nope"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 hello gee from /hello
	// 404 404 NOT FOUND: /nope
}

func ExampleContext_JSON() {
	engine := gee.New()
	engine.GET("/user", func(c *gee.Context) {
		c.JSON(http.StatusOK, gee.H{"name": c.Query("name"), "admin": false})
	})
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest("GET", "/user?name=ada", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())
	// Output:
	// 200 application/json
	// {"admin":false,"name":"ada"}
}

func ExampleContext_Param() {
	engine := gee.New()
	engine.GET("/hello/:name", func(c *gee.Context) {
		c.String(http.StatusOK, "hello %s\n", c.Param("name"))
	})
	engine.GET("/assets/*filepath", func(c *gee.Context) {
		c.String(http.StatusOK, "file %s\n", c.Param("filepath"))
	})

	for _, path := range []string{"/hello/geektutu", "/assets/css/site.css"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Body.String())
	}
	// Output:
	// hello geektutu
	// file css/site.css
}

func ExampleRouterGroup_Group() {
	engine := gee.New()
	v1 := engine.Group("/v1")
	v1.GET("/hello/:name", func(c *gee.Context) {
		c.String(http.StatusOK, "v1 says hello to %s\n", c.Param("name"))
	})
	admin := v1.Group("/admin")
	admin.GET("/stats", func(c *gee.Context) {
		c.String(http.StatusOK, "stats at %s\n", c.Path)
	})

	for _, path := range []string{"/v1/hello/ada", "/v1/admin/stats"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Body.String())
	}
	// Output:
	// v1 says hello to ada
	// stats at /v1/admin/stats
}

func ExampleRouterGroup_Use() {
	engine := gee.New()
	engine.Use(func(c *gee.Context) {
		fmt.Println("engine: before")
		c.Next()
		fmt.Println("engine: after, status", c.Writer.Status())
	})
	admin := engine.Group("/admin")
	admin.Use(func(c *gee.Context) {
		if c.Query("token") != "secret" {
			c.Fail(http.StatusUnauthorized, "unauthorized")
		}
	})
	admin.GET("/panel", func(c *gee.Context) {
		fmt.Println("handler")
		c.String(http.StatusOK, "welcome\n")
	})

	for _, target := range []string{"/admin/panel", "/admin/panel?token=secret"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		fmt.Print(w.Body.String())
	}
	// Output:
	// engine: before
	// engine: after, status 401
	// {"message":"unauthorized"}
	// engine: before
	// handler
	// engine: after, status 200
	// welcome
}

func ExampleContext_HTML() {
	engine := gee.New()
	engine.SetFuncMap(template.FuncMap{ // before LoadHTMLGlob: date.tmpl calls it
		"FormatAsDate": func(t time.Time) string { return t.Format("2006-01-02") },
	})
	engine.LoadHTMLGlob("../templates/*.tmpl") // the demo's templates
	engine.Static("/assets", "../static")
	engine.GET("/greet", func(c *gee.Context) {
		c.HTML(http.StatusOK, "greet.tmpl", gee.H{"Name": c.Query("name")})
	})

	for _, path := range []string{"/greet?name=%3Cb%3Egee%3C%2Fb%3E", "/assets/hello.txt"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Body.String())
	}
	// Output:
	// <!DOCTYPE html>
	// <html>
	// <head><title>greet</title><link rel="stylesheet" href="/assets/css/site.css"></head>
	// <body><p>Hello, &lt;b&gt;gee&lt;/b&gt;!</p></body>
	// </html>
	// hello from the static folder
}

func ExampleRecoveryWithWriter() {
	engine := gee.New()
	engine.Use(gee.RecoveryWithWriter(io.Discard)) // gee.Recovery() logs to stderr
	engine.GET("/panic", func(c *gee.Context) {
		var m map[string]int
		m["boom"] = 1 // assignment to entry in nil map
	})
	engine.GET("/ok", func(c *gee.Context) { c.String(http.StatusOK, "still serving\n") })

	for _, path := range []string{"/panic", "/ok"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 500 {"message":"Internal Server Error"}
	// 200 still serving
}
