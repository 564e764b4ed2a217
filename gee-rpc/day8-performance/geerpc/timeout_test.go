package geerpc

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// Slow's method blocks until release is closed.
type Slow struct{ release chan struct{} }

// Wait returns args once released.
func (s *Slow) Wait(args int, reply *int) error {
	<-s.release
	*reply = args
	return nil
}

// newSlowServer serves Foo and Slow; close the returned channel to let
// every Slow.Wait finish.
func newSlowServer(t *testing.T) (addr string, release chan struct{}) {
	t.Helper()
	server, addr, _ := newTestServer(t)
	slow := &Slow{release: make(chan struct{})}
	if err := server.Register(slow); err != nil {
		t.Fatal(err)
	}
	return addr, slow.release
}

// waitGoroutines polls until at most max goroutines run, for up to 5 s.
func waitGoroutines(t *testing.T, max int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= max {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines still running, want at most %d:\n%s", n, max, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pendingCount(client *Client) int {
	client.mu.Lock()
	defer client.mu.Unlock()
	return len(client.pending)
}

func TestCallHonoursContext(t *testing.T) {
	addr, release := newSlowServer(t)
	client := dialTest(t, addr, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := client.Call(ctx, "Slow.Wait", 1, new(int))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "geerpc: call Slow.Wait") {
		t.Fatalf("deadline: err = %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		// Cancel once the call is pending.
		for pendingCount(client) == 0 {
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
	close(release)
	var reply int
	if err := client.Call(context.Background(), "Slow.Wait", 3, &reply); err != nil || reply != 3 {
		t.Fatalf("after timeouts: %d, %v", reply, err)
	}
	if err := client.Call(ctx, "Foo.Sum", Args{1, 2}, &reply); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with a done context: err = %v", err)
	}
}

func TestHandleTimeoutSendsExactlyOneErrorResponse(t *testing.T) {
	addr, release := newSlowServer(t)
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
	if err := writeFrame(cc, &codec.Header{ServiceMethod: "Slow.Wait", Seq: 1}, 1); err != nil {
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
	close(release)
	if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 2}, Args{1, 2}); err != nil {
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
	addr, release := newSlowServer(t)
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
	close(release) // the 50 methods finish now, long after their timeout
	waitGoroutines(t, baseline)
}

// Regression (client side): a call given up on its context must leave
// nothing behind, neither a goroutine nor a pending entry.
func TestCallTimeoutDoesNotLeakGoroutines(t *testing.T) {
	addr, release := newSlowServer(t)
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
	close(release)
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
	_, err := dialTimeout(blockingHandshake, "tcp", addr, &Option{ConnectTimeout: 200 * time.Millisecond})
	if err == nil || err.Error() != "geerpc: connect timeout: expect within 200ms" {
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
		if _, err := dialTimeout(blockingHandshake, "tcp", addr, &Option{ConnectTimeout: 5 * time.Millisecond}); err == nil {
			t.Fatal("dial did not time out")
		}
	}
	waitGoroutines(t, baseline)
}
