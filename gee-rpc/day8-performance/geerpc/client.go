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

// ServerError is an error the server reported for a call: the method's
// own error, an unknown method, an argument it could not decode. Any other
// error of a call comes from the connection or the client itself, so
// errors.As(err, new(ServerError)) tells the two apart.
type ServerError string

// Error returns the server's message as it is.
func (e ServerError) Error() string { return string(e) }

// Client multiplexes many concurrent calls over one connection. Requests
// carry a sequence number; responses may come back in any order and are
// matched to their call through the pending map.
type Client struct {
	cc      codec.Codec
	conn    net.Conn     // its write deadline cuts a send short
	sending *sender      // a request is written whole before the next
	header  codec.Header // of the request being written; the token guards it
	sendErr error        // why the flusher failed; written before the conn closes

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
// It holds the sending token to wait out a send that is between
// registerCall and Write: that send fails its call itself.
func (client *Client) terminateCalls(err error) {
	client.sending.token <- struct{}{}
	defer client.sending.release()
	client.sending.close()
	client.mu.Lock()
	defer client.mu.Unlock()
	client.shutdown = true
	if client.sendErr != nil {
		err = client.sendErr // a request could not be sent: say so, not the read error it caused
	}
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
			call.Error = ServerError(h.Error)
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

// send registers the call and writes its request, unless ctx ends first:
// while the call waits for its turn to write, or during the write itself.
// later leaves the flush to the sender's flusher.
func (client *Client) send(ctx context.Context, call *Call, later bool) {
	if err := client.sending.lock(ctx); err != nil {
		call.Error = fmt.Errorf("geerpc: call %s: %w", call.ServiceMethod, err)
		call.done()
		return
	}
	defer client.sending.release()
	seq, err := client.registerCall(call)
	if err != nil {
		client.sending.finishLater()
		call.Error = err
		call.done()
		return
	}
	client.header = codec.Header{ServiceMethod: call.ServiceMethod, Seq: seq}
	if err := client.write(ctx, call.Args, later); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("geerpc: call %s: %w", call.ServiceMethod, ctx.Err())
		}
		// The receive loop may have failed the call already.
		if call := client.removeCall(seq); call != nil {
			call.Error = err
			call.done()
		}
	}
}

// write writes the request in client.header and finishes: it sends the
// request unless another writer waits (it will), or the flusher does so
// later. If ctx ends first, a write deadline in the past makes a blocked
// write return. Half a frame cannot be taken back, so the codec then
// closes the connection, as after any failed send.
func (client *Client) write(ctx context.Context, args any, later bool) error {
	if later {
		err := client.cc.Write(&client.header, args)
		client.sending.finishLater()
		return err
	}
	writeAndFinish := func() error {
		err := client.cc.Write(&client.header, args)
		if flushErr := client.sending.finish(client.cc); err == nil {
			err = flushErr
		}
		return err
	}
	if ctx.Done() == nil { // a context that never ends needs no watch
		return writeAndFinish()
	}
	cut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = client.conn.SetWriteDeadline(time.Unix(1, 0))
		close(cut)
	})
	err := writeAndFinish()
	if !stop() {
		<-cut // the write may have finished first: lift the deadline
		_ = client.conn.SetWriteDeadline(time.Time{})
	}
	return err
}

// Go sends a call and returns without waiting for its answer; the call is
// sent on done when it completes. A nil done gets a fresh channel. done
// must be buffered: an unbuffered channel could block the receive loop, so
// such a call fails at once (its Done then holds the call).
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
	client.send(context.Background(), call, true)
	return call
}

// Call invokes serviceMethod and waits for it to complete, or for ctx to
// be done, whichever comes first, whether the call is still waiting to be
// sent, being sent or waiting for its answer. A call given up on is taken
// out of the pending map (a late reply is read and dropped) and ctx's
// error is returned.
func (client *Client) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	call := &Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: make(chan *Call, 1)}
	client.send(ctx, call, false)
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

// NewClient sends the option on conn and returns a client using it. A nil
// opt means DefaultOption; fields opt leaves zero get their defaults, as
// with Dial.
func NewClient(conn net.Conn, opt *Option) (*Client, error) {
	opt, _ = parseOptions(opt) // one option cannot be too many
	newCodec := codec.NewCodecFuncMap[opt.CodecType]
	if newCodec == nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: unknown codec type %q", opt.CodecType)
	}
	handshake, _ := json.Marshal(opt) // an Option always encodes
	if _, err := conn.Write(append(handshake, '\n')); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: send option: %w", err)
	}
	client := &Client{cc: newCodec(conn), conn: conn, pending: make(map[uint64]*Call)}
	client.sending = newSender(client.cc, func(err error) {
		client.mu.Lock()
		defer client.mu.Unlock()
		client.sendErr = err
	})
	go client.receive()
	return client, nil
}

type newClientFunc func(conn net.Conn, opt *Option) (*Client, error)

type clientResult struct {
	client *Client
	err    error
}

// dialContext dials, then runs the handshake f, all within ctx and the
// option's ConnectTimeout.
func dialContext(ctx context.Context, f newClientFunc, network, address string, opts ...*Option) (*Client, error) {
	opt, err := parseOptions(opts...)
	if err != nil {
		return nil, err
	}
	if opt.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opt.ConnectTimeout,
			fmt.Errorf("ConnectTimeout %s: %w", opt.ConnectTimeout, context.DeadlineExceeded))
		defer cancel()
	}
	conn, err := new(net.Dialer).DialContext(ctx, network, address)
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
	select {
	case <-ctx.Done():
		// Closing the connection unblocks the handshake; if it had just
		// succeeded, the client's receive loop ends on the closed conn.
		_ = conn.Close()
		return nil, fmt.Errorf("geerpc: connect: %w", context.Cause(ctx))
	case result := <-ch:
		return result.client, result.err
	}
}

// DialContext connects to a geerpc server at address. ctx bounds dialing
// and the handshake, and so does the option's ConnectTimeout.
func DialContext(ctx context.Context, network, address string, opts ...*Option) (*Client, error) {
	return dialContext(ctx, NewClient, network, address, opts...)
}

// Dial is DialContext with a context that never ends.
func Dial(network, address string, opts ...*Option) (*Client, error) {
	return DialContext(context.Background(), network, address, opts...)
}

var _ io.Closer = (*Client)(nil)
