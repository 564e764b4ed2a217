package geerpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// Call is one RPC: what was asked, and, once Done delivers it, the outcome.
type Call struct {
	Seq           uint64
	ServiceMethod string     // "Service.Method"
	Args          any        // arguments to the method
	Reply         any        // where the reply is decoded, a pointer
	Error         error      // set when the call failed
	Done          chan *Call // receives the call when it completes
}

// done delivers the call. Done is buffered (Go makes sure of it), so this
// only drops the notice if the caller shares a channel that is full.
func (call *Call) done() {
	select {
	case call.Done <- call:
	default:
		log.Printf("geerpc: done channel full, dropping completion of %s (seq %d)", call.ServiceMethod, call.Seq)
	}
}

// ErrShutdown is returned for calls on a client that is closed or whose
// connection has failed.
var ErrShutdown = errors.New("geerpc: connection is shut down")

// Client multiplexes many concurrent calls over one connection. Requests
// carry a sequence number; responses may come back in any order and are
// matched to their call through the pending map.
type Client struct {
	cc      codec.Codec
	opt     *Option
	sending sender // one request is written whole before the next
	header  codec.Header

	mu       sync.Mutex // guards the fields below
	seq      uint64
	pending  map[uint64]*Call
	closing  bool // Close was called
	shutdown bool // the connection failed
}

// Close closes the connection; pending calls fail with ErrShutdown.
func (client *Client) Close() error {
	client.mu.Lock()
	defer client.mu.Unlock()
	if client.closing {
		return ErrShutdown
	}
	client.closing = true
	return client.cc.Close()
}

// IsAvailable reports whether the client can still make calls.
func (client *Client) IsAvailable() bool {
	client.mu.Lock()
	defer client.mu.Unlock()
	return !client.shutdown && !client.closing
}

func (client *Client) registerCall(call *Call) (uint64, error) {
	client.mu.Lock()
	defer client.mu.Unlock()
	if client.closing || client.shutdown {
		return 0, ErrShutdown
	}
	client.seq++
	call.Seq = client.seq
	client.pending[call.Seq] = call
	return call.Seq, nil
}

func (client *Client) removeCall(seq uint64) *Call {
	client.mu.Lock()
	defer client.mu.Unlock()
	call := client.pending[seq]
	delete(client.pending, seq)
	return call
}

// terminateCalls fails every pending call; from now on registerCall
// refuses new ones, so no call can wait for an answer that never comes.
// It holds the sending mutex to wait out a send that is between
// registerCall and Write, without counting as a writer (nothing to flush).
func (client *Client) terminateCalls(err error) {
	client.sending.mu.Lock()
	defer client.sending.mu.Unlock()
	client.mu.Lock()
	defer client.mu.Unlock()
	client.shutdown = true
	if client.closing {
		err = ErrShutdown
	} else {
		err = fmt.Errorf("geerpc: connection lost: %w", err)
		_ = client.cc.Close()
	}
	for seq, call := range client.pending {
		call.Error = err
		call.done()
		delete(client.pending, seq)
	}
}

// receive reads responses until the connection fails.
func (client *Client) receive() {
	var err error
	var h codec.Header // one for the loop: a new one per response is an allocation
	for err == nil {
		h = codec.Header{} // decoders leave fields a frame lacks untouched
		if err = client.cc.ReadHeader(&h); err != nil {
			break
		}
		call := client.removeCall(h.Seq)
		switch {
		case call == nil:
			// The call is gone (its send failed or it was given up);
			// read the body anyway to stay in step.
			err = client.cc.ReadBody(nil)
		case h.Error != "":
			call.Error = errors.New(h.Error)
			err = client.cc.ReadBody(nil)
			call.done()
		default:
			// A reply of the wrong type fails this call only; if the
			// stream itself broke, the next ReadHeader says so.
			if bodyErr := client.cc.ReadBody(call.Reply); bodyErr != nil {
				call.Error = fmt.Errorf("geerpc: read reply: %w", bodyErr)
			}
			call.done()
		}
	}
	client.terminateCalls(err)
}

func (client *Client) send(call *Call) {
	client.sending.lock()
	defer func() { _ = client.sending.unlock(client.cc) }() // a failed flush closes the conn; receive reports it

	seq, err := client.registerCall(call)
	if err != nil {
		call.Error = err
		call.done()
		return
	}
	client.header.ServiceMethod = call.ServiceMethod
	client.header.Seq = seq
	client.header.Error = ""
	if err := client.cc.Write(&client.header, call.Args); err != nil {
		// The receive loop may have failed the call already.
		if call := client.removeCall(seq); call != nil {
			call.Error = err
			call.done()
		}
	}
}

// Go starts a call and returns at once; the call is sent on done when it
// completes. A nil done gets a fresh channel. done must be buffered: an
// unbuffered channel could block the receive loop, so such a call fails at
// once (its Done then holds the call).
func (client *Client) Go(serviceMethod string, args, reply any, done chan *Call) *Call {
	call := &Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: done}
	switch {
	case done == nil:
		call.Done = make(chan *Call, 1)
	case cap(done) == 0:
		call.Error = errors.New("geerpc: done channel is unbuffered")
		call.Done = make(chan *Call, 1)
		call.done()
		return call
	}
	client.send(call)
	return call
}

// Call invokes serviceMethod and waits for it to complete, or for ctx to
// be done: then the call is taken out of the pending map (a late reply is
// read and dropped) and ctx's error is returned.
func (client *Client) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("geerpc: call %s: %w", serviceMethod, err)
	}
	call := client.Go(serviceMethod, args, reply, make(chan *Call, 1))
	select {
	case <-ctx.Done():
		if client.removeCall(call.Seq) == nil {
			// The receive loop (or a failure) already took the call
			// and is completing it; wait, so nobody writes to reply
			// after we return.
			<-call.Done
			return call.Error
		}
		return fmt.Errorf("geerpc: call %s: %w", serviceMethod, ctx.Err())
	case <-call.Done:
		return call.Error
	}
}

func parseOptions(opts ...*Option) (*Option, error) {
	if len(opts) == 0 || opts[0] == nil {
		return DefaultOption, nil
	}
	if len(opts) != 1 {
		return nil, errors.New("geerpc: at most one option")
	}
	opt := *opts[0]
	opt.MagicNumber = MagicNumber
	if opt.CodecType == "" {
		opt.CodecType = DefaultOption.CodecType
	}
	if opt.ConnectTimeout == 0 {
		opt.ConnectTimeout = DefaultConnectTimeout
	}
	return &opt, nil
}

// NewClient sends the option on conn and returns a client using it.
func NewClient(conn net.Conn, opt *Option) (*Client, error) {
	newCodec := codec.NewCodecFuncMap[opt.CodecType]
	if newCodec == nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: unknown codec type %q", opt.CodecType)
	}
	handshake, err := json.Marshal(opt)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: encode option: %w", err)
	}
	if _, err := conn.Write(append(handshake, '\n')); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: send option: %w", err)
	}
	return newClientCodec(newCodec(conn), opt), nil
}

func newClientCodec(cc codec.Codec, opt *Option) *Client {
	client := &Client{
		cc:      cc,
		opt:     opt,
		pending: make(map[uint64]*Call),
	}
	go client.receive()
	return client
}

type newClientFunc func(conn net.Conn, opt *Option) (*Client, error)

type clientResult struct {
	client *Client
	err    error
}

// dialTimeout dials, then runs the handshake f, all within ConnectTimeout.
func dialTimeout(f newClientFunc, network, address string, opts ...*Option) (*Client, error) {
	opt, err := parseOptions(opts...)
	if err != nil {
		return nil, err
	}
	if opt.ConnectTimeout < 0 {
		conn, err := net.Dial(network, address)
		if err != nil {
			return nil, fmt.Errorf("geerpc: dial: %w", err)
		}
		return f(conn, opt)
	}
	deadline := time.Now().Add(opt.ConnectTimeout)
	conn, err := (&net.Dialer{Deadline: deadline}).Dial(network, address)
	if err != nil {
		return nil, fmt.Errorf("geerpc: dial: %w", err)
	}
	// Buffered, so the handshake goroutine can always deliver and exit,
	// even when nobody waits for it any more.
	ch := make(chan clientResult, 1)
	go func() {
		client, err := f(conn, opt)
		ch <- clientResult{client: client, err: err}
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-timer.C:
		// Closing the connection unblocks the handshake; if it had just
		// succeeded, the client's receive loop ends on the closed conn.
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: connect timeout: expect within %s", opt.ConnectTimeout)
	case result := <-ch:
		return result.client, result.err
	}
}

// Dial connects to a geerpc server at address.
func Dial(network, address string, opts ...*Option) (*Client, error) {
	return dialTimeout(NewClient, network, address, opts...)
}

var _ io.Closer = (*Client)(nil)
