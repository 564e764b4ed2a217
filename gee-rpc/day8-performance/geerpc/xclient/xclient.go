package xclient

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"gee-rpc/day8-performance/geerpc"
)

// XClient calls whichever servers its Discovery names, keeping one
// geerpc.Client per server and replacing it once it stops working.
type XClient struct {
	d    Discovery
	mode SelectMode
	opt  *geerpc.Option

	mu      sync.Mutex // guards clients and closed, never held while dialing
	clients map[string]*geerpc.Client
	closed  bool
}

// ErrClosed is returned by calls on a closed XClient.
var ErrClosed = errors.New("geerpc: xclient is closed")

// NewXClient returns an XClient; opt (nil for the default) is used for
// every connection.
func NewXClient(d Discovery, mode SelectMode, opt *geerpc.Option) *XClient {
	return &XClient{d: d, mode: mode, opt: opt, clients: make(map[string]*geerpc.Client)}
}

// Close closes every connection; later calls fail with ErrClosed.
func (xc *XClient) Close() error {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	xc.closed = true
	for addr, client := range xc.clients {
		_ = client.Close()
		delete(xc.clients, addr)
	}
	return nil
}

// dial returns the client for rpcAddr, dialing a new one if there is none
// or the old one broke. The dial happens without the lock, so a slow
// server does not hold up calls to the others, and within ctx, the call's.
func (xc *XClient) dial(ctx context.Context, rpcAddr string) (*geerpc.Client, error) {
	xc.mu.Lock()
	client, closed := xc.clients[rpcAddr], xc.closed
	xc.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if client != nil && client.IsAvailable() {
		return client, nil
	}
	// None yet, or a broken one (its connection is closed already).
	client, err := geerpc.XDialContext(ctx, rpcAddr, xc.opt)
	if err != nil {
		return nil, err
	}

	xc.mu.Lock()
	defer xc.mu.Unlock()
	if xc.closed {
		_ = client.Close()
		return nil, ErrClosed
	}
	if existing := xc.clients[rpcAddr]; existing != nil && existing.IsAvailable() {
		// Another call dialed the same server meanwhile; keep one.
		_ = client.Close()
		return existing, nil
	}
	xc.clients[rpcAddr] = client
	return client, nil
}

func (xc *XClient) call(ctx context.Context, rpcAddr, serviceMethod string, args, reply any) error {
	client, err := xc.dial(ctx, rpcAddr)
	if err != nil {
		return err
	}
	return client.Call(ctx, serviceMethod, args, reply)
}

// Call invokes serviceMethod on one server chosen by the select mode.
func (xc *XClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	rpcAddr, err := xc.d.Get(ctx, xc.mode)
	if err != nil {
		return err
	}
	return xc.call(ctx, rpcAddr, serviceMethod, args, reply)
}

// Broadcast invokes serviceMethod on every server at once. It returns the
// first error and cancels the calls still running, dials included, which
// end at once; without an error it fills reply (a pointer, or nil to
// ignore replies) from one of the servers.
func (xc *XClient) Broadcast(ctx context.Context, serviceMethod string, args, reply any) error {
	var replyType reflect.Type
	if reply != nil {
		rv := reflect.ValueOf(reply)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return fmt.Errorf("geerpc: broadcast reply must be a non-nil pointer, got %T", reply)
		}
		replyType = rv.Elem().Type()
	}
	servers, err := xc.d.GetAll(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // always released, whatever happens below

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex // guards firstErr, replyDone and reply
		firstErr  error
		replyDone = reply == nil
	)
	for _, rpcAddr := range servers {
		wg.Go(func() {
			// A reply value per call: the servers answer concurrently.
			var clonedReply any
			if replyType != nil {
				clonedReply = reflect.New(replyType).Interface()
			}
			err := xc.call(ctx, rpcAddr, serviceMethod, args, clonedReply)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("geerpc: broadcast to %s: %w", rpcAddr, err)
					cancel()
				}
				return
			}
			if !replyDone && firstErr == nil {
				reflect.ValueOf(reply).Elem().Set(reflect.ValueOf(clonedReply).Elem())
				replyDone = true
			}
		})
	}
	wg.Wait()
	return firstErr
}
