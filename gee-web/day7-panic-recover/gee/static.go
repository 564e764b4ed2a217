package gee

import (
	"net/http"
	"path"
	"strings"
)

// Static serves the files below the folder root under relativePath: after
// Static("/assets", "./static"), GET /assets/css/site.css answers the file
// ./static/css/site.css. Only regular files are served (no directory
// listings), with the Range and If-Modified-Since handling of
// http.ServeContent; HEAD reaches the GET route, as on every route, and
// ServeContent answers it without a body. A request that tries to climb out
// of root with ".." (also URL-escaped, as %2e%2e or %2f) is answered 400 and
// never reaches the file system.
func (group *RouterGroup) Static(relativePath string, root string) {
	handler := group.createStaticHandler(http.Dir(root))
	group.GET(path.Join(relativePath, "/*filepath"), handler)
}

func (group *RouterGroup) createStaticHandler(fs http.FileSystem) HandlerFunc {
	return func(c *Context) {
		name := c.Param("filepath") // already percent-decoded by net/http
		if hasDotDotSegment(name) {
			c.String(http.StatusBadRequest, "400 BAD REQUEST: invalid path %s\n", c.Path)
			return
		}
		// http.Dir cleans the name against "/" too, so even a ".." that got
		// past the check above could not leave root.
		file, err := fs.Open(name)
		if err != nil {
			c.String(http.StatusNotFound, "404 NOT FOUND: %s\n", c.Path)
			return
		}
		// Closed on every path: the well-known version opened the file to
		// check that it exists and never closed it.
		defer file.Close()
		info, err := file.Stat()
		if err != nil || info.IsDir() {
			c.String(http.StatusNotFound, "404 NOT FOUND: %s\n", c.Path)
			return
		}
		http.ServeContent(c.Writer, c.Req, info.Name(), info.ModTime(), file)
	}
}

// hasDotDotSegment reports whether name has a ".." segment, with either
// slash as separator (a backslash is a separator on Windows).
func hasDotDotSegment(name string) bool {
	for _, segment := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if segment == ".." {
			return true
		}
	}
	return false
}
