package bench

import (
	"bufio"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	day7 "gee-web/day7-panic-recover/gee"
	"gee-web/day8-performance/gee"

	"github.com/gin-gonic/gin"
	"github.com/julienschmidt/httprouter"
	"github.com/labstack/echo/v4"
)

// route is one line of the route table: a method and a pattern in
// ":name" syntax.
type route struct{ method, pattern string }

func loadRoutes(tb testing.TB) []route {
	f, err := os.Open("testdata/github-api-routes.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var routes []route
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		routes = append(routes, route{fields[0], fields[1]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(routes) != 203 {
		tb.Fatalf("read %d routes, want 203", len(routes))
	}
	return routes
}

var paramSegment = regexp.MustCompile(`:(\w+)`)

// requestPath turns a pattern into a concrete path: ":owner" becomes
// "owner-value".
func requestPath(pattern string) string {
	return paramSegment.ReplaceAllString(pattern, "${1}-value")
}

// servemuxPattern converts ":name" to the "{name}" wildcards of Go 1.22.
func servemuxPattern(r route) string {
	return r.method + " " + paramSegment.ReplaceAllString(r.pattern, "{$1}")
}

// discard is a ResponseWriter that throws everything away, so that the
// benchmarks measure routing, not I/O.
type discard struct {
	header http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(code int)        { d.status = code }

// implementations builds each router with every route of the table.
var implementations = []struct {
	name  string
	build func([]route) http.Handler
}{
	{"gee", func(routes []route) http.Handler {
		engine := gee.New()
		h := func(*gee.Context) {}
		for _, r := range routes {
			engine.Handle(r.method, r.pattern, h)
		}
		return engine
	}},
	{"gee-day7", func(routes []route) http.Handler {
		engine := day7.New()
		h := func(*day7.Context) {}
		for _, r := range routes {
			engine.Handle(r.method, r.pattern, h)
		}
		return engine
	}},
	{"gin", func(routes []route) http.Handler {
		gin.SetMode(gin.ReleaseMode)
		engine := gin.New()
		h := func(*gin.Context) {}
		for _, r := range routes {
			engine.Handle(r.method, r.pattern, h)
		}
		return engine
	}},
	{"httprouter", func(routes []route) http.Handler {
		router := httprouter.New()
		h := func(http.ResponseWriter, *http.Request, httprouter.Params) {}
		for _, r := range routes {
			router.Handle(r.method, r.pattern, h)
		}
		return router
	}},
	{"echo", func(routes []route) http.Handler {
		e := echo.New()
		h := func(echo.Context) error { return nil }
		for _, r := range routes {
			e.Add(r.method, r.pattern, h)
		}
		return e
	}},
	{"servemux", func(routes []route) http.Handler {
		mux := http.NewServeMux()
		h := func(http.ResponseWriter, *http.Request) {}
		for _, r := range routes {
			mux.HandleFunc(servemuxPattern(r), h)
		}
		return mux
	}},
}

func newRequests(routes []route) []*http.Request {
	reqs := make([]*http.Request, len(routes))
	for i, r := range routes {
		req, err := http.NewRequest(r.method, requestPath(r.pattern), nil)
		if err != nil {
			panic(err)
		}
		req.RequestURI = req.URL.RequestURI()
		reqs[i] = req
	}
	return reqs
}

func findRoute(tb testing.TB, routes []route, method, pattern string) []route {
	for _, r := range routes {
		if r.method == method && r.pattern == pattern {
			return []route{r}
		}
	}
	tb.Fatalf("route %s %s not in the table", method, pattern)
	return nil
}

func runCase(b *testing.B, served []route) {
	routes := loadRoutes(b)
	reqs := newRequests(served)
	for _, impl := range implementations {
		b.Run(impl.name, func(b *testing.B) {
			handler := impl.build(routes)
			w := &discard{header: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				for _, req := range reqs {
					handler.ServeHTTP(w, req)
				}
			}
		})
	}
}

// BenchmarkStatic serves one static route.
func BenchmarkStatic(b *testing.B) {
	runCase(b, findRoute(b, loadRoutes(b), "GET", "/user/repos"))
}

// BenchmarkParam serves one route with three parameters.
func BenchmarkParam(b *testing.B) {
	runCase(b, findRoute(b, loadRoutes(b), "GET", "/repos/:owner/:repo/issues/:number"))
}

// BenchmarkAll serves every one of the 203 routes per op.
func BenchmarkAll(b *testing.B) {
	runCase(b, loadRoutes(b))
}

// TestEveryImplementationRoutesEveryRequest makes sure the benchmarks
// measure matches, not 404s: every request must leave the writer at 200
// (the do-nothing handlers write no status; a 404 or 405 answer would).
func TestEveryImplementationRoutesEveryRequest(t *testing.T) {
	routes := loadRoutes(t)
	reqs := newRequests(routes)
	for _, impl := range implementations {
		handler := impl.build(routes)
		for i, req := range reqs {
			w := &discard{header: make(http.Header), status: 200}
			handler.ServeHTTP(w, req)
			if w.status != 200 {
				t.Errorf("%s: %s %s answered %d", impl.name, routes[i].method, req.URL.Path, w.status)
			}
		}
	}
}
