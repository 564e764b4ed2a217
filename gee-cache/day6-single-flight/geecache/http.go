package geecache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"gee-cache/day6-single-flight/geecache/consistenthash"
)

// DefaultBasePath is the path prefix under which an HTTPPool serves peers.
const DefaultBasePath = "/_geecache/"

// Defaults of the HTTPPoolOptions left zero.
const (
	DefaultReplicas      = 50              // virtual nodes per peer on the ring
	DefaultPeerTimeout   = 3 * time.Second // bound of one request to a peer
	DefaultMaxReplyBytes = 64 << 20        // largest answer read from a peer
)

// HTTPPoolOptions configure an HTTPPool. Every node of a cluster needs the
// same BasePath, Replicas and HashFn, or they disagree on who owns a key.
type HTTPPoolOptions struct {
	BasePath      string              // path prefix of peer requests; "" is DefaultBasePath
	Replicas      int                 // virtual nodes per peer on the ring
	HashFn        consistenthash.Hash // hash of the ring; nil is crc32.ChecksumIEEE
	Transport     http.RoundTripper   // carries requests to peers; nil is http.DefaultTransport
	Timeout       time.Duration       // bound of one request to a peer; negative is none
	MaxReplyBytes int64               // largest peer answer read; negative rejects all
}

// HTTPPool serves the groups of this process to peers over HTTP:
// GET <base>/<group>/<key>, with group and key each path-escaped
// (url.PathEscape), so that keys holding spaces or slashes arrive intact.
// It is also the PeerPicker that sends each key to its owner.
type HTTPPool struct {
	self     string // this node's base URL, normalised
	basePath string

	opts        HTTPPoolOptions
	lookupGroup func(name string) *Group // GetGroup; tests give each node its own
	mu          sync.RWMutex             // guards peers and httpGetters
	peers       *consistenthash.Map
	httpGetters map[string]*httpGetter // keyed by normalised peer URL
}

// NewHTTPPool returns a pool for the node reachable at self
// (e.g. "http://localhost:8001"), with the default options.
func NewHTTPPool(self string) *HTTPPool {
	return NewHTTPPoolOpts(self, nil)
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

// NewHTTPPoolOpts returns a pool for the node reachable at self, configured
// by o (nil: the defaults).
func NewHTTPPoolOpts(self string, o *HTTPPoolOptions) *HTTPPool {
	p := &HTTPPool{self: normalizeURL(self), basePath: DefaultBasePath, lookupGroup: GetGroup}
	if o != nil {
		p.opts = *o
	}
	if base := strings.Trim(p.opts.BasePath, "/"); base != "" {
		p.basePath = "/" + base + "/" // one spelling, whatever slashes were given
	}
	p.opts.Replicas = cmp.Or(p.opts.Replicas, DefaultReplicas)
	p.opts.Timeout = cmp.Or(p.opts.Timeout, DefaultPeerTimeout)
	p.opts.MaxReplyBytes = min(cmp.Or(p.opts.MaxReplyBytes, DefaultMaxReplyBytes), 1<<62)
	return p
}

// Set replaces the list of peers: the base URLs of every node, this one
// included. Addresses are normalised (see normalizeURL) and duplicates
// ignored, so every node builds the same ring from the same list however
// it is spelled, and a node recognises itself in it.
func (p *HTTPPool) Set(peers ...string) {
	client := &http.Client{Timeout: p.opts.Timeout, Transport: p.opts.Transport}
	ring := consistenthash.New(p.opts.Replicas, p.opts.HashFn)
	getters := make(map[string]*httpGetter, len(peers))
	for _, peer := range peers {
		peer = normalizeURL(peer)
		if peer == "" || getters[peer] != nil {
			continue
		}
		ring.Add(peer)
		getters[peer] = &httpGetter{peer: peer, baseURL: peer + p.basePath, client: client, maxReply: p.opts.MaxReplyBytes}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.peers = ring
	p.httpGetters = getters
}

// PickPeer returns the owner of key. It returns false before Set, and when
// the owner is this node: a node never asks itself over HTTP.
func (p *HTTPPool) PickPeer(key string) (PeerGetter, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.peers == nil {
		return nil, false
	}
	peer := p.peers.Get(key)
	if peer == "" || peer == p.self {
		return nil, false
	}
	p.Log("Pick peer %s for key %q", peer, key)
	return p.httpGetters[peer], true
}

// httpGetter fetches values from one peer's HTTPPool.
type httpGetter struct {
	peer     string
	baseURL  string // peer + base path
	client   *http.Client
	maxReply int64
}

// Get asks the peer for group/key, path-escaping both exactly as the
// server unescapes them; the request ends when ctx does. A 500 answer
// carries the owner's loader error and becomes a *PeerLoadError; any other
// failure is a transport error.
func (h *httpGetter) Get(ctx context.Context, group string, key string) ([]byte, error) {
	u := h.baseURL + url.PathEscape(group) + "/" + url.PathEscape(key)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("geecache: asking peer: %w", err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("geecache: asking peer: %w", err)
	}
	defer resp.Body.Close()
	// Read at most one byte past the limit: a peer that sends more cannot
	// make this node allocate more.
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.maxReply+1))
	if err == nil && int64(len(body)) > h.maxReply {
		err = fmt.Errorf("answer is over the limit of %d bytes", h.maxReply)
	}
	if err != nil {
		return nil, fmt.Errorf("geecache: reading answer of peer %s: %w", h.peer, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusInternalServerError:
		return nil, &PeerLoadError{Peer: h.peer, Key: key, Message: strings.TrimSpace(string(body))}
	default:
		return nil, fmt.Errorf("geecache: peer %s answered %s: %s", h.peer, resp.Status, strings.TrimSpace(string(body)))
	}
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
	group := p.lookupGroup(groupName)
	if group == nil {
		http.Error(w, "geecache: no such group: "+groupName, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.Method == http.MethodHead {
		return // a probe must not cost the data source a load
	}
	group.stats.serverRequests.Add(1)
	view, err := group.get(r.Context(), key, false)
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
