package geerpc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Paths served by HTTPHandler and HandleHTTP; for paths of your own, mount
// the Server (RPC) and its DebugHandler on a mux yourself.
const (
	DefaultRPCPath   = "/_geerpc_"
	DefaultDebugPath = "/debug/geerpc"
)

// connected is the status line's text after "HTTP/1.0 ".
const connected = "200 Connected to Gee RPC"

// ServeHTTP answers an HTTP CONNECT by taking over the connection and
// speaking geerpc on it, at whatever path it is mounted. Any other method
// gets 405.
func (server *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodConnect {
		w.Header().Set("Allow", http.MethodConnect)
		http.Error(w, "405 must CONNECT", http.StatusMethodNotAllowed)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		server.logf("geerpc: hijack %s: %v", req.RemoteAddr, err)
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.0 "+connected+"\n\n"); err != nil {
		server.logf("geerpc: answer CONNECT from %s: %v", req.RemoteAddr, err)
		_ = conn.Close()
		return
	}
	// The HTTP server may already have read the option and the first
	// frames into buf; read on through it so nothing is lost. A net.Conn
	// still, so that ServeConn's deadlines apply.
	server.ServeConn(&bufferedConn{Conn: conn, r: buf.Reader})
}

// HTTPHandler returns a handler serving the server's RPC at DefaultRPCPath
// and its debug page at DefaultDebugPath (404 for any other path). Mount it
// on a mux or http.Server of your own: unlike HandleHTTP it can be used for
// any number of servers in one process.
func (server *Server) HTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(DefaultRPCPath, server)
	mux.Handle(DefaultDebugPath, server.DebugHandler())
	return mux
}

// DebugHandler returns the handler of the server's debug page.
func (server *Server) DebugHandler() http.Handler { return debugHTTP{server} }

// HandleHTTP mounts HTTPHandler's two paths on http.DefaultServeMux, for
// programs that serve one geerpc server with http.ListenAndServe(addr, nil).
// DefaultServeMux takes each path once, so a second call in the same
// process (for any server) panics; use HTTPHandler for more than one.
func (server *Server) HandleHTTP() {
	handler := server.HTTPHandler()
	http.Handle(DefaultRPCPath, handler)
	http.Handle(DefaultDebugPath, handler)
}

// HandleHTTP mounts DefaultServer's HTTPHandler on http.DefaultServeMux,
// once per process like (*Server).HandleHTTP.
func HandleHTTP() { DefaultServer.HandleHTTP() }

// bufferedConn reads through the buffer that read the HTTP request or
// response, in case it read past it.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

// Read reads through the buffer.
func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// NewHTTPClient sends CONNECT for DefaultRPCPath on conn, checks the
// answer, and returns a client speaking geerpc on the connection.
func NewHTTPClient(conn net.Conn, opt *Option) (*Client, error) {
	return connectHTTP(conn, DefaultRPCPath, opt)
}

func connectHTTP(conn net.Conn, path string, opt *Option) (*Client, error) {
	if _, err := io.WriteString(conn, "CONNECT "+path+" HTTP/1.0\n\n"); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: send CONNECT: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: read CONNECT response: %w", err)
	}
	if resp.Status != connected {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: unexpected HTTP response %q", resp.Status)
	}
	return NewClient(&bufferedConn{Conn: conn, r: br}, opt)
}

// DialHTTP connects to a geerpc server behind an HTTP server's
// DefaultRPCPath.
func DialHTTP(network, address string, opts ...*Option) (*Client, error) {
	return DialHTTPPath(network, address, DefaultRPCPath, opts...)
}

// DialHTTPPath connects to a geerpc server mounted at path on an HTTP
// server.
func DialHTTPPath(network, address, path string, opts ...*Option) (*Client, error) {
	return dialHTTPContext(context.Background(), network, address, path, opts...)
}

func dialHTTPContext(ctx context.Context, network, address, path string, opts ...*Option) (*Client, error) {
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n") {
		return nil, fmt.Errorf("geerpc: bad HTTP path %q", path)
	}
	connect := func(conn net.Conn, opt *Option) (*Client, error) { return connectHTTP(conn, path, opt) }
	return dialContext(ctx, connect, network, address, opts...)
}

// XDial is XDialContext with a context that never ends.
func XDial(rpcAddr string, opts ...*Option) (*Client, error) {
	return XDialContext(context.Background(), rpcAddr, opts...)
}

// XDialContext dials rpcAddr of the form protocol@address: "tcp@host:port",
// "http@host:port" (HTTP CONNECT over TCP) or "unix@/path/to/socket". ctx
// bounds dialing and the handshake, and so does the ConnectTimeout.
func XDialContext(ctx context.Context, rpcAddr string, opts ...*Option) (*Client, error) {
	protocol, addr, err := SplitAddr(rpcAddr)
	if err != nil {
		return nil, err
	}
	if protocol == "http" {
		return dialHTTPContext(ctx, "tcp", addr, DefaultRPCPath, opts...)
	}
	return DialContext(ctx, protocol, addr, opts...)
}

// SplitAddr splits rpcAddr into its protocol and address, and checks them:
// tcp@host:port or http@host:port with a port number, or unix@/path, at
// most 256 bytes of printable ASCII without spaces or commas.
func SplitAddr(rpcAddr string) (protocol, addr string, err error) {
	protocol, addr, _ = strings.Cut(rpcAddr, "@")
	ok := len(rpcAddr) <= 256 && !strings.ContainsFunc(rpcAddr, func(c rune) bool { return c <= ' ' || c > '~' || c == ',' })
	switch protocol {
	case "tcp", "http":
		host, port, splitErr := net.SplitHostPort(addr)
		n, portErr := strconv.ParseUint(port, 10, 16)
		ok = ok && splitErr == nil && host != "" && portErr == nil && n > 0
	case "unix":
		ok = ok && strings.HasPrefix(addr, "/")
	default:
		ok = false
	}
	if !ok {
		return "", "", fmt.Errorf("geerpc: bad address %q, expect tcp@host:port, http@host:port or unix@/path", rpcAddr)
	}
	return protocol, addr, nil
}
