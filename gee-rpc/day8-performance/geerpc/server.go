// Package geerpc is a small RPC framework in the spirit of net/rpc.
//
// A connection starts with an Option, JSON-encoded and followed by one
// newline; after it come frames, each a codec.Header and a body encoded with
// the codec the Option named. Services are registered by reflection, with
// net/rpc's method rules.
package geerpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"reflect"
	"strings"
	"sync"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// MagicNumber marks a connection as speaking geerpc.
const MagicNumber = 0x3bef5c

// Option is the first thing a client sends on a connection.
type Option struct {
	MagicNumber int        // must be MagicNumber
	CodecType   codec.Type // how the frames that follow are encoded
	// ConnectTimeout bounds dialing plus the handshake, on the client.
	// Zero means DefaultConnectTimeout; a negative value means no limit.
	ConnectTimeout time.Duration
	// HandleTimeout bounds each method call on the server; past it the
	// client gets an error response. Zero means no limit.
	HandleTimeout time.Duration
}

// DefaultConnectTimeout is used when an Option leaves ConnectTimeout zero.
const DefaultConnectTimeout = 10 * time.Second

// DefaultOption uses the gob codec and a 10 second connect timeout.
var DefaultOption = &Option{
	MagicNumber:    MagicNumber,
	CodecType:      codec.GobType,
	ConnectTimeout: DefaultConnectTimeout,
}

// maxOptionSize bounds the handshake so a peer cannot make the server
// buffer an endless "option".
const maxOptionSize = 4096

// DefaultHandshakeTimeout is used when a Server leaves HandshakeTimeout zero.
const DefaultHandshakeTimeout = 10 * time.Second

// Server serves geerpc connections. Its timeouts bound how long it waits
// for a peer that does not speak, on connections that have read deadlines
// (every net.Conn does).
type Server struct {
	// HandshakeTimeout bounds the wait for a new connection's option.
	// Zero means DefaultHandshakeTimeout; a negative value means no limit.
	HandshakeTimeout time.Duration
	// IdleTimeout, if positive, closes a connection on which nothing
	// arrives for that long. Calls already running are still answered.
	IdleTimeout time.Duration

	logger     *log.Logger // nil means the standard logger
	serviceMap sync.Map    // name -> *service
}

// NewServer returns a new Server.
func NewServer() *Server {
	return &Server{}
}

// DefaultServer is the Server used by the package-level functions.
var DefaultServer = NewServer()

func (server *Server) logf(format string, args ...any) {
	if server.logger != nil {
		server.logger.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// Register publishes the exported methods of rcvr that follow net/rpc's
// rules, under the name of rcvr's type. Methods that do not fit are
// skipped with a log line; a type without any usable method is an error.
func (server *Server) Register(rcvr any) error {
	return server.register("", rcvr)
}

// RegisterName is Register with name instead of the type's name, as in
// net/rpc: the name need not be exported, but it must not be empty.
func (server *Server) RegisterName(name string, rcvr any) error {
	if name == "" {
		return fmt.Errorf("geerpc: register: no service name for type %T", rcvr)
	}
	return server.register(name, rcvr)
}

func (server *Server) register(name string, rcvr any) error {
	s, err := newService(name, rcvr, server.logf)
	if err != nil {
		return err
	}
	if _, dup := server.serviceMap.LoadOrStore(s.name, s); dup {
		return fmt.Errorf("geerpc: register: service already defined: %s", s.name)
	}
	return nil
}

// Register publishes rcvr on DefaultServer.
func Register(rcvr any) error { return DefaultServer.Register(rcvr) }

// RegisterName publishes rcvr on DefaultServer under name.
func RegisterName(name string, rcvr any) error { return DefaultServer.RegisterName(name, rcvr) }

// findService splits "Service.Method" at its last dot, as net/rpc does, so
// a service name may contain dots.
func (server *Server) findService(serviceMethod string) (*service, *methodType, error) {
	dot := strings.LastIndex(serviceMethod, ".")
	if dot < 0 {
		return nil, nil, fmt.Errorf("geerpc: service/method request ill-formed: %q", serviceMethod)
	}
	serviceName, methodName := serviceMethod[:dot], serviceMethod[dot+1:]
	svci, ok := server.serviceMap.Load(serviceName)
	if !ok {
		return nil, nil, fmt.Errorf("geerpc: can't find service %q", serviceName)
	}
	svc := svci.(*service)
	mtype := svc.method[methodName]
	if mtype == nil {
		return nil, nil, fmt.Errorf("geerpc: can't find method %q", serviceMethod)
	}
	return svc, mtype, nil
}

// Accept serves every connection lis accepts, each in its own goroutine,
// until lis is closed.
func (server *Server) Accept(lis net.Listener) {
	for {
		conn, err := lis.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				server.logf("geerpc: accept: %v", err)
			}
			return
		}
		go server.ServeConn(conn)
	}
}

// Accept serves lis with DefaultServer.
func Accept(lis net.Listener) { DefaultServer.Accept(lis) }

// ServeConn reads the Option, then serves frames on conn until the peer
// hangs up, sends something it cannot parse or stays silent too long. It
// closes conn when done.
func (server *Server) ServeConn(conn io.ReadWriteCloser) {
	defer func() { _ = conn.Close() }()
	timeout := server.HandshakeTimeout
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	setReadDeadline(conn, timeout)
	opt, rest, err := readOption(conn)
	if err != nil {
		server.logf("%v; connection closed", err)
		return
	}
	setReadDeadline(conn, 0)
	newCodec := codec.NewCodecFuncMap[opt.CodecType]
	if newCodec == nil {
		server.logf("geerpc: unknown codec type %q; connection closed", opt.CodecType)
		return
	}
	server.serveCodec(newCodec(&handshakeConn{Reader: rest, ReadWriteCloser: conn, idle: server.IdleTimeout}), &opt)
}

// setReadDeadline makes reads on conn fail once d has passed (d <= 0: never
// fail), if conn has read deadlines at all.
func setReadDeadline(conn any, d time.Duration) {
	if c, ok := conn.(interface{ SetReadDeadline(time.Time) error }); ok {
		var t time.Time
		if d > 0 {
			t = time.Now().Add(d)
		}
		_ = c.SetReadDeadline(t)
	}
}

// readOption decodes the JSON Option and the newline after it. A JSON
// decoder reads ahead, and the client may have sent its first frames in
// the same packet, so the bytes it buffered beyond the option are handed
// back in front of conn instead of being lost.
func readOption(conn io.Reader) (Option, io.Reader, error) {
	var opt Option
	dec := json.NewDecoder(io.LimitReader(conn, maxOptionSize))
	if err := dec.Decode(&opt); err != nil {
		return opt, nil, fmt.Errorf("geerpc: read option: %w", err)
	}
	if opt.MagicNumber != MagicNumber { // a stranger: do not wait for more
		return opt, nil, fmt.Errorf("geerpc: invalid magic number %#x", opt.MagicNumber)
	}
	rest := io.MultiReader(dec.Buffered(), conn)
	var newline [1]byte
	if _, err := io.ReadFull(rest, newline[:]); err != nil {
		return opt, nil, fmt.Errorf("geerpc: read option: %w", err)
	}
	if newline[0] != '\n' {
		return opt, nil, fmt.Errorf("geerpc: option must end with a newline, got %q", newline[0])
	}
	return opt, rest, nil
}

// handshakeConn reads from what is left after the option, and writes to
// and closes the connection itself.
type handshakeConn struct {
	io.Reader
	io.ReadWriteCloser
	idle time.Duration // if positive, each read fails after this long
}

// Read reads what followed the option, within the idle timeout.
func (c *handshakeConn) Read(p []byte) (int, error) {
	if c.idle > 0 {
		setReadDeadline(c.ReadWriteCloser, c.idle)
	}
	return c.Reader.Read(p)
}

// invalidRequest is the body of an error response.
var invalidRequest = struct{}{}

// request is one call as the server sees it. The header is a field, not a
// pointer, so that reading a request costs one allocation rather than two.
type request struct {
	h            codec.Header
	argv, replyv reflect.Value
	mtype        *methodType
	svc          *service
}

func (server *Server) serveCodec(cc codec.Codec, opt *Option) {
	sending := newSender(cc, func(err error) { server.logf("geerpc: write response: %v", err) })
	wg := new(sync.WaitGroup)
	for {
		req, err := server.readRequest(cc)
		if err != nil {
			if req == nil {
				if !errors.Is(err, io.EOF) {
					server.logf("%v; connection closed", err)
				}
				break
			}
			req.h.Error = err.Error()
			server.sendResponse(cc, &req.h, invalidRequest, sending)
			continue
		}
		wg.Add(1)
		go server.handleRequest(cc, req, sending, wg, opt.HandleTimeout)
	}
	wg.Wait()
	if err := sending.flush(cc); err != nil {
		server.logf("geerpc: write response: %v", err)
	}
	sending.close()
	_ = cc.Close()
}

func (server *Server) readRequestHeader(cc codec.Codec, h *codec.Header) error {
	if err := cc.ReadHeader(h); err != nil {
		if errors.Is(err, io.EOF) {
			return err
		}
		return fmt.Errorf("geerpc: read header: %w", err)
	}
	h.Error = "" // a request carries no error; never echo one back
	return nil
}

// readRequest reads one frame. A nil request with an error means the stream
// is broken; a request with an error means the header was fine but the body
// was not, and the body has been consumed, so the caller answers with the
// error and carries on.
func (server *Server) readRequest(cc codec.Codec) (*request, error) {
	req := new(request)
	err := server.readRequestHeader(cc, &req.h)
	if err != nil {
		return nil, err
	}
	req.svc, req.mtype, err = server.findService(req.h.ServiceMethod)
	if err != nil {
		// Consume the body anyway, or it would be read as the next
		// header and break the connection.
		if bodyErr := cc.ReadBody(nil); bodyErr != nil {
			return nil, fmt.Errorf("geerpc: read body: %w", bodyErr)
		}
		return req, err
	}
	req.argv = req.mtype.newArgv()
	req.replyv = req.mtype.newReplyv()
	argvi := req.argv.Interface()
	if req.argv.Kind() != reflect.Pointer {
		argvi = req.argv.Addr().Interface()
	}
	if err := cc.ReadBody(argvi); err != nil {
		return req, fmt.Errorf("geerpc: read body: %w", err)
	}
	return req, nil
}

// sendResponse writes the response; the sender's flusher sends it, with
// whatever other responses are written meanwhile.
func (server *Server) sendResponse(cc codec.Codec, h *codec.Header, body any, sending *sender) {
	_ = sending.lock(context.Background())
	defer sending.release()
	defer sending.finishLater()
	err := cc.Write(h, body)
	if err != nil && h.Error == "" {
		// The reply could not be encoded: tell the client instead of
		// leaving its call waiting. If the connection is gone this
		// fails too, and the client's pending calls fail with it.
		h.Error = err.Error()
		err = cc.Write(h, invalidRequest)
	}
	if err != nil {
		server.logf("geerpc: write response: %v", err)
	}
}

// handleRequest calls the method and sends exactly one response: the
// reply, the method's error, or, if timeout passes first, a timeout error.
func (server *Server) handleRequest(cc codec.Codec, req *request, sending *sender, wg *sync.WaitGroup, timeout time.Duration) {
	defer wg.Done()
	if timeout <= 0 {
		server.respond(cc, req, req.svc.call(req.mtype, req.argv, req.replyv), sending)
		return
	}
	// Buffered, so a method that finishes after the timeout can still
	// deliver its result and exit instead of blocking forever.
	finished := make(chan error, 1)
	go func() {
		finished <- req.svc.call(req.mtype, req.argv, req.replyv)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-finished:
		server.respond(cc, req, err, sending)
	case <-timer.C:
		// The method keeps running, but its reply is never sent.
		req.h.Error = fmt.Sprintf("geerpc: request handle timeout: expect within %s", timeout)
		server.sendResponse(cc, &req.h, invalidRequest, sending)
	}
}

// respond sends the method's reply, or its error.
func (server *Server) respond(cc codec.Codec, req *request, err error, sending *sender) {
	if err != nil {
		if _, panicked := err.(*panicError); panicked {
			server.logf("%v", err)
		}
		req.h.Error = err.Error()
		server.sendResponse(cc, &req.h, invalidRequest, sending)
		return
	}
	server.sendResponse(cc, &req.h, req.replyv.Interface(), sending)
}
