package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The gee-web part of the tour. It builds the final chapter (gee-web/day8-performance), starts
// it on a free loopback port and uses it the way a browser or an API client would: pages, route
// parameters, query strings and forms, JSON, HEAD on a GET route, groups with their middleware, a
// value passed from middleware to handler (Set/Get), a redirect that stops the chain (Abort),
// 404 and 405, a template page fed hostile input, static files and attempts to escape the static
// folder, and a panicking handler that must not take the server down.

func init() { registerTour("gee-web", webTour) }

func webTour(t *Tour) error {
	bin, err := t.Build(t.FinalChapter("gee-web"))
	if err != nil {
		return err
	}
	addr := t.FreeAddr()
	base := "http://" + addr

	t.Say("The final chapter's demo: gee.Default() (Logger + Recovery) with every feature of the chapters.")
	p, err := t.Start("gee-web", bin, "-addr", addr)
	if err != nil {
		return err
	}
	if err := p.WaitFor("listening on "+base, 30*time.Second); err != nil {
		return err
	}

	t.Say("A plain page, rendered from templates/index.tmpl.")
	a, err := t.Request(http.MethodGet, base+"/", "")
	if t.CheckAnswer(a, err, http.StatusOK, "<h1>Hello Gee</h1>") {
		t.Check(strings.HasPrefix(a.Header.Get("Content-Type"), "text/html"), "Content-Type is HTML: %q", a.Header.Get("Content-Type"))
	}

	t.Say("A :param route inside the /v2 group, whose middleware sets X-Gee-Group.")
	a, err = t.Request(http.MethodGet, base+"/v2/hello/geektutu", "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		t.Check(a.Body == "hello geektutu, you're at /v2/hello/geektutu\n", "c.Param(\"name\") is geektutu: %q", a.Body)
		t.Check(a.Header.Get("X-Gee-Group") == "v2", "the /v2 group middleware ran: X-Gee-Group = %q", a.Header.Get("X-Gee-Group"))
	}
	t.Say("HEAD on the same GET route (curl -I): the GET handler's headers, no body.")
	get := a
	a, err = t.Request(http.MethodHead, base+"/v2/hello/geektutu", "")
	if t.CheckAnswer(a, err, http.StatusOK, "") && get != nil {
		t.Check(a.Body == "", "no body: %q", a.Body)
		t.Check(a.Header.Get("Content-Length") == get.Header.Get("Content-Length") && a.Header.Get("Content-Type") == get.Header.Get("Content-Type"),
			"Content-Length %q and Content-Type %q as for GET", a.Header.Get("Content-Length"), a.Header.Get("Content-Type"))
		t.Check(a.Header.Get("X-Gee-Group") == "v2", "the group middleware ran for HEAD too")
	}
	a, err = t.Request(http.MethodGet, base+"/v1/hello?name=tour", "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		t.Check(a.Body == "hello tour, you're at /v1/hello\n", "c.Query(\"name\") is tour: %q", a.Body)
		t.Check(a.Header.Get("X-Gee-Group") == "", "a /v1 route does not get the /v2 middleware's header")
	}

	t.Say("A *wildcard route takes the rest of the path.")
	a, err = t.Request(http.MethodGet, base+"/files/css/deep/site.css", "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		var got map[string]string
		decodeErr := json.Unmarshal([]byte(a.Body), &got)
		t.Check(decodeErr == nil && got["filepath"] == "css/deep/site.css", "JSON filepath is css/deep/site.css: %q", a.Body)
	}

	t.Say("A POST form answered with JSON.")
	form := url.Values{"username": {"geektutu"}, "password": {"1234"}}.Encode()
	a, err = t.Request(http.MethodPost, base+"/v2/login", form, "Content-Type", "application/x-www-form-urlencoded")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		t.Check(a.Header.Get("Content-Type") == "application/json", "Content-Type is application/json: %q", a.Header.Get("Content-Type"))
		var got map[string]string
		decodeErr := json.Unmarshal([]byte(a.Body), &got)
		t.Check(decodeErr == nil && got["username"] == "geektutu" && got["password"] == "1234", "the form fields come back: %q", a.Body)
	}

	t.Say("The /admin group's middleware stops requests without a token (c.Fail) and passes the token's user to the handler (c.Set, c.Get).")
	a, err = t.Request(http.MethodGet, base+"/admin/stats", "")
	t.CheckAnswer(a, err, http.StatusUnauthorized, `{"message":"missing or wrong X-Token"}`)
	a, err = t.Request(http.MethodGet, base+"/admin/stats", "", "X-Token", "secret")
	t.CheckAnswer(a, err, http.StatusOK, `{"requests":42,"user":"geektutu"}`)

	t.Say("The /account group's middleware redirects visitors without a session cookie and calls c.Abort(), so the handler does not answer too.")
	status, location, body, err := requestWithoutRedirect(t, base+"/account")
	if t.Check(err == nil, "GET /account without a cookie: %v", err) {
		t.Check(status == http.StatusFound && location == "/", "302 to /: got %d Location %q", status, location)
		t.Check(!strings.Contains(body, "your account"), "the handler did not run: body %q", body)
	}
	a, err = t.Request(http.MethodGet, base+"/account", "", "Cookie", "session=1")
	t.CheckAnswer(a, err, http.StatusOK, "your account")

	t.Say("Unknown paths get 404; a path that exists for another method gets 405 with Allow.")
	a, err = t.Request(http.MethodGet, base+"/nothing/here", "")
	t.CheckAnswer(a, err, http.StatusNotFound, "404 NOT FOUND: /nothing/here")
	a, err = t.Request(http.MethodDelete, base+"/v2/hello/geektutu", "")
	if t.CheckAnswer(a, err, http.StatusMethodNotAllowed, "405 METHOD NOT ALLOWED: DELETE /v2/hello/geektutu") {
		t.Check(a.Header.Get("Allow") == "GET, HEAD", "Allow: %q, want GET, HEAD (GET routes answer HEAD)", a.Header.Get("Allow"))
	}
	a, err = t.Request(http.MethodGet, base+"/v2/login", "")
	if t.CheckAnswer(a, err, http.StatusMethodNotAllowed, "") {
		t.Check(a.Header.Get("Allow") == "POST", "Allow: %q, want POST", a.Header.Get("Allow"))
	}

	t.Say("A template page fed a <script> in the query: html/template escapes it.")
	a, err = t.Request(http.MethodGet, base+"/greet?name="+url.QueryEscape(`<script>alert("x")</script>`), "")
	if t.CheckAnswer(a, err, http.StatusOK, "<p>Hello, &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;!</p>") {
		t.Check(!strings.Contains(a.Body, "<script>"), "no raw <script> in the page")
	}
	a, err = t.Request(http.MethodGet, base+"/date", "")
	t.CheckAnswer(a, err, http.StatusOK, "the Gee series started on: 2019-08-17")

	t.Say("A static file from the chapter's static/ folder.")
	a, err = t.Request(http.MethodGet, base+"/assets/css/site.css", "")
	if t.CheckAnswer(a, err, http.StatusOK, "h1 { color: teal; }") {
		t.Check(strings.HasPrefix(a.Header.Get("Content-Type"), "text/css"), "Content-Type is text/css: %q", a.Header.Get("Content-Type"))
	}

	t.Say("HEAD on the same file: its headers, no body.")
	a, err = t.Request(http.MethodHead, base+"/assets/css/site.css", "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		t.Check(a.Body == "" && a.Header.Get("Content-Length") != "", "no body, Content-Length %q", a.Header.Get("Content-Length"))
	}

	t.Say("Attempts to climb out of static/ (the Go client sends these paths as written).")
	for _, target := range []string{
		"/assets/../main.go",
		"/assets/%2e%2e/%2e%2e/go.work",
		"/assets/..%2f..%2f..%2fgo.work",
		"/assets/css/..%5c..%5cmain.go",
	} {
		a, err = t.Request(http.MethodGet, base+target, "")
		if err != nil {
			t.Check(false, "request failed: %v", err)
			continue
		}
		leaked := strings.Contains(a.Body, "package main") || strings.Contains(a.Body, "use (")
		t.Check(a.Status != http.StatusOK && !leaked, "refused with %d, no file contents leaked", a.Status)
	}

	t.Say("A handler that panics (index out of range) gets a 500 from Recovery...")
	a, err = t.Request(http.MethodGet, base+"/panic", "")
	t.CheckAnswer(a, err, http.StatusInternalServerError, `{"message":"Internal Server Error"}`)
	t.Say("...and the server keeps serving.")
	a, err = t.Request(http.MethodGet, base+"/v2/hello/again", "")
	t.CheckAnswer(a, err, http.StatusOK, "hello again")

	t.Say("The server's log: the recovered panic with its trace, and the Logger's real statuses.")
	out := p.Output()
	t.Check(strings.Contains(out, "panic recovered: GET /panic: runtime error: index out of range [100] with length 1"), "the panic is logged with method, path and value")
	t.Check(strings.Contains(out, "Traceback:") && strings.Contains(out, "main.go:"), "with a trace that points into main.go")
	for _, line := range []string{"500 | GET     /panic", "200 | GET     /assets/css/site.css", "200 | HEAD    /assets/css/site.css", "404 | GET     /nothing/here", "405 | DELETE  /v2/hello/geektutu", "401 | GET     /admin/stats", "200 | HEAD    /v2/hello/geektutu", "302 | GET     /account"} {
		t.Check(strings.Contains(out, line), "logged %q", line)
	}

	t.Say("SIGTERM: the demo shuts down gracefully.")
	p.Stop()
	t.Check(strings.Contains(p.Output(), "shutting down"), "the demo printed \"shutting down\"")
	return nil
}

// requestWithoutRedirect sends a GET and reports the answer as it is, a redirect included: the
// tour's client follows redirects, which would hide whether a redirecting middleware stopped the
// chain (a handler that ran anyway appends its body to the redirect's).
func requestWithoutRedirect(t *Tour, url string) (status int, location, body string, err error) {
	client := &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		return 0, "", "", err
	}
	t.printf("\n  → GET %s (redirects not followed)\n", url)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	t.printf("  ← %s  Location: %s\n", resp.Status, resp.Header.Get("Location"))
	return resp.StatusCode, resp.Header.Get("Location"), string(data), err
}
