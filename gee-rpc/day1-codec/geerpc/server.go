// Package geerpc is a small RPC framework in the spirit of net/rpc.
//
// A connection starts with an Option, JSON-encoded and followed by one
// newline; after it come frames, each a codec.Header and a body encoded with
// the codec the Option named. This chapter's server answers every request
// with a fixed reply.
package geerpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"reflect"
	"sync"
	"time"

	"gee-rpc/day1-codec/geerpc/codec"
)

// MagicNumber marks a connection as speaking geerpc.
const MagicNumber = 0x3bef5c

// Option is the first thing a client sends on a connection.
type Option struct {
	MagicNumber int        // must be MagicNumber
	CodecType   codec.Type // how the frames that follow are encoded
}

// DefaultOption uses the gob codec.
var DefaultOption = &Option{
	MagicNumber: MagicNumber,
	CodecType:   codec.GobType,
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

	logger *log.Logger // nil means the standard logger
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
	server.serveCodec(newCodec(&handshakeConn{Reader: rest, ReadWriteCloser: conn, idle: server.IdleTimeout}))
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

// request is one call as the server sees it.
type request struct {
	h            *codec.Header
	argv, replyv reflect.Value
}

func (server *Server) serveCodec(cc codec.Codec) {
	sending := new(sync.Mutex) // a response is written whole before the next
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
			server.sendResponse(cc, req.h, invalidRequest, sending)
			continue
		}
		wg.Add(1)
		go server.handleRequest(cc, req, sending, wg)
	}
	wg.Wait()
	_ = cc.Close()
}

func (server *Server) readRequestHeader(cc codec.Codec) (*codec.Header, error) {
	var h codec.Header
	if err := cc.ReadHeader(&h); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, fmt.Errorf("geerpc: read header: %w", err)
	}
	h.Error = "" // a request carries no error; never echo one back
	return &h, nil
}

// readRequest reads one frame. A nil request with an error means the stream
// is broken; a request with an error means the header was fine but the body
// was not, and the body has been consumed, so the caller answers with the
// error and carries on.
func (server *Server) readRequest(cc codec.Codec) (*request, error) {
	h, err := server.readRequestHeader(cc)
	if err != nil {
		return nil, err
	}
	req := &request{h: h}
	// This chapter's server takes a string argument and answers with a
	// fixed reply; services come in day3.
	req.argv = reflect.New(reflect.TypeFor[string]())
	if err := cc.ReadBody(req.argv.Interface()); err != nil {
		return req, fmt.Errorf("geerpc: read body: %w", err)
	}
	return req, nil
}

func (server *Server) sendResponse(cc codec.Codec, h *codec.Header, body any, sending *sync.Mutex) {
	sending.Lock()
	defer sending.Unlock()
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

func (server *Server) handleRequest(cc codec.Codec, req *request, sending *sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()
	req.replyv = reflect.ValueOf(fmt.Sprintf("geerpc resp %d", req.h.Seq))
	server.sendResponse(cc, req.h, req.replyv.Interface(), sending)
}
