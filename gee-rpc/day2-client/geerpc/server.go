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
	"runtime"
	"sync"
	"sync/atomic"

	"gee-rpc/day2-client/geerpc/codec"
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

// Server serves geerpc connections.
type Server struct {
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
	server.serveCodec(newCodec(&handshakeConn{Reader: rest, ReadWriteCloser: conn}))
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
}

func (server *Server) serveCodec(cc codec.Codec) {
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
		go server.handleRequest(cc, req, sending, wg)
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
	// This chapter's server takes a string argument and answers with a
	// fixed reply; services come in day3.
	req.argv = reflect.New(reflect.TypeFor[string]())
	if err := cc.ReadBody(req.argv.Interface()); err != nil {
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

func (server *Server) handleRequest(cc codec.Codec, req *request, sending *sender, wg *sync.WaitGroup) {
	defer wg.Done()
	req.replyv = reflect.ValueOf(fmt.Sprintf("geerpc resp %d", req.h.Seq))
	server.sendResponse(cc, &req.h, req.replyv.Interface(), sending)
}
