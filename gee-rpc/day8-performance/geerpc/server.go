// Package geerpc is a small RPC framework in the spirit of net/rpc.
//
// A connection starts with an Option, JSON-encoded and followed by one
// newline; after it come frames, each a codec.Header and a body encoded with
// the codec the Option named. Services are registered by reflection, with
// net/rpc's method rules.
package geerpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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

// Server serves geerpc connections.
type Server struct {
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
	s, err := newService(rcvr, server.logf)
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

func (server *Server) findService(serviceMethod string) (*service, *methodType, error) {
	serviceName, methodName, ok := strings.Cut(serviceMethod, ".")
	if !ok || strings.Contains(methodName, ".") {
		return nil, nil, fmt.Errorf("geerpc: service/method request ill-formed: %q", serviceMethod)
	}
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
// hangs up or sends something it cannot parse. It closes conn when done.
func (server *Server) ServeConn(conn io.ReadWriteCloser) {
	defer func() { _ = conn.Close() }()
	opt, rest, err := readOption(conn)
	if err != nil {
		server.logf("%v; connection closed", err)
		return
	}
	newCodec := codec.NewCodecFuncMap[opt.CodecType]
	if newCodec == nil {
		server.logf("geerpc: unknown codec type %q; connection closed", opt.CodecType)
		return
	}
	server.serveCodec(newCodec(&handshakeConn{Reader: rest, ReadWriteCloser: conn}), &opt)
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
	rest := io.MultiReader(dec.Buffered(), conn)
	var newline [1]byte
	if _, err := io.ReadFull(rest, newline[:]); err != nil {
		return opt, nil, fmt.Errorf("geerpc: read option: %w", err)
	}
	if newline[0] != '\n' {
		return opt, nil, fmt.Errorf("geerpc: option must end with a newline, got %q", newline[0])
	}
	if opt.MagicNumber != MagicNumber {
		return opt, nil, fmt.Errorf("geerpc: invalid magic number %#x", opt.MagicNumber)
	}
	return opt, rest, nil
}

// handshakeConn reads from what is left after the option, and writes to
// and closes the connection itself.
type handshakeConn struct {
	io.Reader
	io.ReadWriteCloser
}

// Read reads what followed the option.
func (c *handshakeConn) Read(p []byte) (int, error) { return c.Reader.Read(p) }

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
	sending := new(sender) // a response is written whole before the next
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
	_ = cc.Close()
}

func (server *Server) readRequestHeader(cc codec.Codec, h *codec.Header) error {
	if err := cc.ReadHeader(h); err != nil {
		if errors.Is(err, io.EOF) {
			return err
		}
		return fmt.Errorf("geerpc: read header: %w", err)
	}
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

// sender lets many goroutines write frames on one codec. Each frame is
// written whole under the lock, and the buffer is flushed only by a writer
// that sees nobody else waiting: frames that queue up while one is being
// written leave together in one system call, and the last frame of a burst
// always flushes.
type sender struct {
	mu sync.Mutex
	// waiting counts the writers between lock and unlock, the one holding
	// mu included; a Mutex cannot tell whether anyone is queued for it.
	waiting atomic.Int32
}

func (s *sender) lock() {
	s.waiting.Add(1)
	s.mu.Lock()
}

// unlock flushes cc unless another writer is waiting, then releases the
// lock; that writer will flush. A writer that finds nobody waiting yields
// once before it decides: goroutines that are ready to write, such as the
// handlers of requests that arrived in one packet, then queue up behind
// it, and their frames leave with its own in one system call. A yield
// costs far less than the write it saves. A failed flush closes cc: the buffer keeps
// its error, so nothing more can be sent, and closing makes the reading
// side fail too, so nobody waits for an answer that cannot come.
func (s *sender) unlock(cc codec.Codec) error {
	defer s.mu.Unlock()
	if s.waiting.Add(-1) > 0 {
		return nil
	}
	runtime.Gosched()
	if s.waiting.Load() > 0 {
		return nil
	}
	if err := cc.Flush(); err != nil {
		_ = cc.Close()
		return err
	}
	return nil
}

func (server *Server) sendResponse(cc codec.Codec, h *codec.Header, body any, sending *sender) {
	sending.lock()
	err := cc.Write(h, body)
	if err != nil && h.Error == "" {
		// The reply could not be encoded: tell the client instead of
		// leaving its call waiting. If the connection is gone this
		// fails too, and the client's pending calls fail with it.
		h.Error = err.Error()
		err = cc.Write(h, invalidRequest)
	}
	if flushErr := sending.unlock(cc); err == nil {
		err = flushErr
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
