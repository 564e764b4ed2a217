package gee_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"gee-web/day1-http-base/gee"
)

func Example() {
	engine := gee.New()
	engine.GET("/hello", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "hello from %s\n", req.URL.Path)
	})

	for _, path := range []string{"/hello", "/nope"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 hello from /hello
	// 404 404 NOT FOUND: /nope
}
