package geerpc

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day7-registry/geerpc/codec"
)

// Slow's method blocks until release is closed.
type Slow struct {
	release chan struct{}
	started atomic.Int32 // calls of Wait so far
}

// Wait returns args once released.
func (s *Slow) Wait(args int, reply *int) error {
	s.started.Add(1)
	<-s.release
	*reply = args
	return nil
}

// newSlowServer serves Foo and Slow; close slow.release to let every
// Slow.Wait finish.
func newSlowServer(t *testing.T) (addr string, slow *Slow) {
	t.Helper()
	server, addr, _ := newTestServer(t)
	slow = &Slow{release: make(chan struct{})}
	if err := server.Register(slow); err != nil {
		t.Fatal(err)
	}
	return addr, slow
}

func pendingCount(client *Client) int {
	client.mu.Lock()
	defer client.mu.Unlock()
	return len(client.pending)
}

func TestCallHonoursContext(t *testing.T) {
	addr, slow := newSlowServer(t)
	client := dialTest(t, addr, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := client.Call(ctx, "Slow.Wait", 1, new(int))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "geerpc: call Slow.Wait") {
		t.Fatalf("deadline: err = %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		// Cancel once the server runs the call: cancelling while the
		// request is being written would cut the write (and end the
		// connection; see TestCallReturnsAtDeadlineWhenServerStopsReading).
		for slow.started.Load() < 2 {
			runtime.Gosched()
		}
		cancel()
	}()
	err = client.Call(ctx, "Slow.Wait", 2, new(int))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: err = %v", err)
	}
	if n := pendingCount(client); n != 0 {
		t.Fatalf("%d calls left pending after the context ended", n)
	}

	// The late replies are read and dropped; the client still works.
	close(slow.release)
	var reply int
	if err := client.Call(context.Background(), "Slow.Wait", 3, &reply); err != nil || reply != 3 {
		t.Fatalf("after timeouts: %d, %v", reply, err)
	}
	if err := client.Call(ctx, "Foo.Sum", Args{1, 2}, &reply); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with a done context: err = %v", err)
	}
}

func TestHandleTimeoutSendsExactlyOneErrorResponse(t *testing.T) {
	addr, slow := newSlowServer(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	opt := &Option{MagicNumber: MagicNumber, CodecType: codec.GobType, HandleTimeout: 20 * time.Millisecond}
	if _, err := conn.Write(optionBytes(t, opt)); err != nil {
		t.Fatal(err)
	}
	cc := codec.NewGobCodec(conn)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := cc.Write(&codec.Header{ServiceMethod: "Slow.Wait", Seq: 1}, 1); err != nil {
		t.Fatal(err)
	}
	var h codec.Header
	if err := cc.ReadHeader(&h); err != nil {
		t.Fatal(err)
	}
	if h.Seq != 1 || !strings.Contains(h.Error, "request handle timeout: expect within 20ms") {
		t.Fatalf("got %+v, want a timeout error for seq 1", h)
	}
	if err := cc.ReadBody(nil); err != nil {
		t.Fatal(err)
	}
	// Let the method finish late, then ask something else: the next
	// frame must be the answer to seq 2, not a second answer to seq 1.
	close(slow.release)
	if err := cc.Write(&codec.Header{ServiceMethod: "Foo.Sum", Seq: 2}, Args{1, 2}); err != nil {
		t.Fatal(err)
	}
	h = codec.Header{}
	var reply int
	if err := cc.ReadHeader(&h); err != nil {
		t.Fatal(err)
	}
	if err := cc.ReadBody(&reply); err != nil {
		t.Fatal(err)
	}
	if h.Seq != 2 || h.Error != "" || reply != 3 {
		t.Fatalf("got %+v reply %d, want seq 2 reply 3", h, reply)
	}
}

// Regression: the well-known version's handler goroutine blocked forever
// on an unbuffered channel once its call had timed out.
func TestHandleTimeoutDoesNotLeakGoroutines(t *testing.T) {
	addr, slow := newSlowServer(t)
	client := dialTest(t, addr, &Option{HandleTimeout: 10 * time.Millisecond})
	// Warm up so the connection's own goroutines are counted.
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int)); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			err := client.Call(context.Background(), "Slow.Wait", i, new(int))
			if err == nil || !strings.Contains(err.Error(), "handle timeout") {
				t.Errorf("call %d: err = %v, want a handle timeout", i, err)
			}
		})
	}
	wg.Wait()
	close(slow.release) // the 50 methods finish now, long after their timeout
	waitGoroutines(t, baseline)
}

// Regression (client side): a call given up on its context must leave
// nothing behind, neither a goroutine nor a pending entry.
func TestCallTimeoutDoesNotLeakGoroutines(t *testing.T) {
	addr, slow := newSlowServer(t)
	client := dialTest(t, addr, nil)
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int)); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if err := client.Call(ctx, "Slow.Wait", i, new(int)); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("call %d: err = %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := pendingCount(client); n != 0 {
		t.Fatalf("%d calls left pending", n)
	}
	close(slow.release)
	waitGoroutines(t, baseline)
}

// hangingListener accepts connections and never reads from them.
func hangingListener(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = lis.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return lis.Addr().String()
}

// blockingHandshake waits for the server to say something, which a
// hanging server never does.
func blockingHandshake(conn net.Conn, opt *Option) (*Client, error) {
	_, err := conn.Read(make([]byte, 1))
	return nil, err
}

func TestConnectTimeout(t *testing.T) {
	addr := hangingListener(t)
	start := time.Now()
	_, err := dialContext(context.Background(), blockingHandshake, "tcp", addr, &Option{ConnectTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "geerpc: connect: ConnectTimeout 200ms") {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %s", elapsed)
	}

	if opt, _ := parseOptions(&Option{}); opt.ConnectTimeout != DefaultConnectTimeout {
		t.Fatalf("zero ConnectTimeout became %s, want the default", opt.ConnectTimeout)
	}
}

// Regression: the well-known version left the handshake goroutine blocked
// forever on an unbuffered channel when the dial timed out.
func TestDialTimeoutDoesNotLeakGoroutines(t *testing.T) {
	addr := hangingListener(t)
	baseline := runtime.NumGoroutine()
	for range 20 {
		if _, err := dialContext(context.Background(), blockingHandshake, "tcp", addr, &Option{ConnectTimeout: 5 * time.Millisecond}); err == nil {
			t.Fatal("dial did not time out")
		}
	}
	waitGoroutines(t, baseline)
}

// Regression: the context bounded only the wait for the answer, so a
// call whose request could not be written (the server stopped reading)
// blocked in its write long past its deadline.
func TestCallReturnsAtDeadlineWhenServerStopsReading(t *testing.T) {
	client := dialTest(t, hangingListener(t), nil)
	big := make([]byte, 16<<20) // four times what loopback buffers hold
	err := callWithin(t, 5*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		return client.Call(ctx, "Foo.Sum", big, new(int))
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	// Half a frame went out: the connection cannot be used any more.
	waitUnavailable(t, client)
}

// A call waiting for its turn behind a write that cannot finish returns
// at its own deadline, and nothing is left behind once the client closes.
func TestCallQueuedBehindBlockedWriteReturnsAtItsDeadline(t *testing.T) {
	addr := hangingListener(t)
	baseline := runtime.NumGoroutine()
	client, err := Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	stuck := make(chan *Call, 1)
	go func() { // no deadline: this write blocks until the client closes
		stuck <- client.Go("Foo.Sum", make([]byte, 16<<20), new(int), nil)
	}()
	waitPending(t, client, 1)
	err = callWithin(t, 5*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		return client.Call(ctx, "Foo.Sum", Args{1, 2}, new(int))
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if n := pendingCount(client); n != 1 {
		t.Fatalf("%d calls pending, want only the stuck one", n)
	}
	_ = client.Close()
	if call := waitCall(t, <-stuck); call.Error == nil {
		t.Fatal("the stuck call succeeded")
	}
	waitGoroutines(t, baseline)
}

// raceConn's writes go through, but each one, once done, cancels the
// call's context and waits for the cut: the write wins the race.
type raceConn struct {
	net.Conn
	cancel atomic.Pointer[context.CancelFunc]
	cut    chan struct{}
}

func (c *raceConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if cancel := c.cancel.Swap(nil); cancel != nil {
		(*cancel)()
		<-c.cut
	}
	return n, err
}

func (c *raceConn) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() {
		c.cut <- struct{}{}
	}
	return c.Conn.SetWriteDeadline(t)
}

// A context that ends just after its request was written must not leave
// the write deadline behind for the calls that come next.
func TestWriteThatBeatsItsDeadlineLeavesConnectionUsable(t *testing.T) {
	_, addr, _ := newTestServer(t)
	inner, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn := &raceConn{Conn: inner, cut: make(chan struct{})}
	client, err := NewClient(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	conn.cancel.Store(&cancel)
	_ = client.Call(ctx, "Foo.Sum", Args{1, 2}, new(int)) // the answer or ctx's error
	var reply int
	if err := callWithin(t, 5*time.Second, func() error {
		return client.Call(context.Background(), "Foo.Sum", Args{3, 4}, &reply)
	}); err != nil || reply != 7 {
		t.Fatalf("next call: %d, %v", reply, err)
	}
}

func TestDialContextBoundsDialAndHandshake(t *testing.T) {
	addr := hangingListener(t)
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	opt := &Option{ConnectTimeout: time.Minute} // only ctx can end it in time
	if _, err := dialContext(ctx, blockingHandshake, "tcp", addr, opt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: err = %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := DialContext(ctx, "tcp", addr, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
	waitGoroutines(t, baseline)
	client, err := DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = client.Close()
}

// callWithin runs f and fails the test if it takes longer than limit.
func callWithin(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("still blocked after %s", limit)
		return nil
	}
}

// waitPending polls until client has n pending calls, for up to 5 s.
func waitPending(t *testing.T, client *Client, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for pendingCount(client) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls pending, want %d", pendingCount(client), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitUnavailable polls until the client has shut down, for up to 5 s.
func waitUnavailable(t *testing.T, client *Client) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for client.IsAvailable() {
		if time.Now().After(deadline) {
			t.Fatal("client still available")
		}
		time.Sleep(time.Millisecond)
	}
}
