package gee_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"gee-web/day4-group/gee"
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
