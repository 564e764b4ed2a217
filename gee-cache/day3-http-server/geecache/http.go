package geecache

import (
	"errors"
	"fmt"
	"log"
	"net"
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
	self     string // this node's base URL, normalised
	basePath string
}

// NewHTTPPool returns a pool for the node reachable at self
// (e.g. "http://localhost:8001").
func NewHTTPPool(self string) *HTTPPool {
	return &HTTPPool{
		self:     normalizeURL(self),
		basePath: DefaultBasePath,
	}
}

// normalizeURL gives one spelling to the addresses of a node: it adds
// "http://" when no scheme is given, lower-cases scheme and host, spells
// localhost as 127.0.0.1, drops a default port and trailing slashes.
// Anything that does not parse as a URL is returned trimmed, as it is.
func normalizeURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.TrimSpace(raw), "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	hostport := host
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return scheme + "://" + hostport + strings.TrimRight(u.EscapedPath(), "/")
}

// Log writes a message prefixed with the node's address.
func (p *HTTPPool) Log(format string, v ...any) {
	log.Printf("[Server %s] %s", p.self, fmt.Sprintf(format, v...))
}

// ServeHTTP answers GET <base>/<group>/<key> with the value as
// application/octet-stream. A path outside the base path is 404, a
// malformed path 400, an unknown group 404, and a loader error 500 with
// the error's message as the body. The load runs with the request's
// context, so it sees a client that gives up. HEAD gets the same checks
// and, when they pass, a 200 without a body and without a load.
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
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.Method == http.MethodHead {
		return // a probe must not cost the data source a load
	}
	view, err := group.Get(r.Context(), key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
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
