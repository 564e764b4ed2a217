package geecache

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
)

// DefaultBasePath is the path prefix under which an HTTPPool serves peers.
const DefaultBasePath = "/_geecache/"

// HTTPPool serves the groups of this process to peers over HTTP:
// GET <base>/<group>/<key>, with group and key each path-escaped
// (url.PathEscape), so that keys holding spaces or slashes arrive intact.
type HTTPPool struct {
	self     string // this node's base URL, e.g. "http://localhost:8001"
	basePath string
}

// NewHTTPPool returns a pool for the node reachable at self
// (e.g. "http://localhost:8001").
func NewHTTPPool(self string) *HTTPPool {
	return &HTTPPool{
		self:     self,
		basePath: DefaultBasePath,
	}
}

// Log writes a message prefixed with the node's address.
func (p *HTTPPool) Log(format string, v ...any) {
	log.Printf("[Server %s] %s", p.self, fmt.Sprintf(format, v...))
}

// ServeHTTP answers GET <base>/<group>/<key> with the value as
// application/octet-stream. A path outside the base path is 404, a
// malformed path 400, an unknown group 404, and a loader error 500 with
// the error's message as the body.
func (p *HTTPPool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(escaped, p.basePath) {
		http.NotFound(w, r)
		return
	}
	p.Log("%s %s", r.Method, escaped)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "geecache: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	groupName, key, err := splitPath(escaped[len(p.basePath):])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	group := GetGroup(groupName)
	if group == nil {
		http.Error(w, "geecache: no such group: "+groupName, http.StatusNotFound)
		return
	}
	view, err := group.Get(key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(view.b)
}

// splitPath splits "<escaped group>/<escaped key>" and unescapes both.
// An escaped group holds no raw '/', so the first '/' ends it; the rest,
// slashes included, is the key.
func splitPath(rest string) (group, key string, err error) {
	escGroup, escKey, ok := strings.Cut(rest, "/")
	if !ok || escGroup == "" || escKey == "" {
		return "", "", errors.New("geecache: bad request: want <basepath>/<group>/<key>")
	}
	if group, err = url.PathUnescape(escGroup); err != nil {
		return "", "", fmt.Errorf("geecache: bad group escaping: %v", err)
	}
	if key, err = url.PathUnescape(escKey); err != nil {
		return "", "", fmt.Errorf("geecache: bad key escaping: %v", err)
	}
	return group, key, nil
}
