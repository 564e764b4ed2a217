package geerpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day6-load-balance/geerpc/codec"
)

// waitCall waits for a call to complete, failing the test if it hangs.
func waitCall(t *testing.T, call *Call) *Call {
	t.Helper()
	select {
	case c := <-call.Done:
		return c
	case <-time.After(5 * time.Second):
		t.Fatalf("call %s (seq %d) hangs", call.ServiceMethod, call.Seq)
		return nil
	}
}

func dialTest(t *testing.T, addr string, opt *Option) *Client {
	t.Helper()
	client, err := Dial("tcp", addr, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestClientConcurrentCallsShareOneConnection(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					for range 10 {
						var reply int
						call := waitCall(t, client.Go("Foo.Sum", Args{i, 1}, &reply, nil))
						if call.Error != nil {
							t.Error(call.Error)
							return
						}
						if reply != i+1 {
							t.Errorf("got %d, want %d", reply, i+1)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestClientSyncCall(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	var reply int
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil {
		t.Fatal(err)
	}
	if reply != 3 {
		t.Fatalf("reply = %d", reply)
	}
}

func TestServerErrorComesBackAsCallError(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	var reply int
	err := client.Call(context.Background(), "Foo.Fail", Args{}, &reply)
	var serverErr ServerError
	if !errors.As(err, &serverErr) || err.Error() != "foo: failed on purpose" {
		t.Fatalf("err = %#v, want the method's error as a ServerError", err)
	}
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil {
		t.Fatalf("connection unusable after an error reply: %v", err)
	}
}

// Errors that do not come from the server are not ServerErrors, so a
// caller can tell "the service said no" from "the call never made it".
func TestTransportErrorsAreNotServerErrors(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, &Option{CodecType: codec.GobType})
	var reply int
	if err := client.Call(context.Background(), "Foo.Sum", nil, &reply); err == nil || errors.As(err, new(ServerError)) {
		t.Fatalf("nil args with gob: err = %#v, want a client-side error", err)
	}
	_ = client.Close()
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); !errors.Is(err, ErrShutdown) || errors.As(err, new(ServerError)) {
		t.Fatalf("closed client: err = %#v, want ErrShutdown", err)
	}
}

// Regression: NewClient(conn, nil) panicked, and an option with only some
// fields set went out with magic number 0; only Dial filled in defaults.
func TestNewClientFillsDefaultsAsDialDoes(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, opt := range []*Option{nil, {}, {CodecType: codec.JsonType}} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		client, err := NewClient(conn, opt)
		if err != nil {
			t.Fatalf("option %+v: %v", opt, err)
		}
		var reply int
		if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
			t.Fatalf("option %+v: %d, %v", opt, reply, err)
		}
		_ = client.Close()
	}
}

func TestWrongReplyTypeFailsOnlyThatCall(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			var wrong string
			if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &wrong); err == nil {
				t.Fatal("decoding an int reply into a string succeeded")
			}
			var reply int
			if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
				t.Fatalf("next call: %d, %v", reply, err)
			}
		})
	}
}

// A reply that is not a non-nil pointer cannot be filled: that call fails,
// and its body is still read, so the calls after it on the connection work.
func TestReplyNotAPointerFailsOnlyThatCall(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			for _, reply := range []any{0, (*int)(nil)} {
				if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, reply); err == nil {
					t.Fatalf("reply %T accepted", reply)
				}
			}
			var reply int
			if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
				t.Fatalf("next call: %d, %v", reply, err)
			}
		})
	}
}

// Gob cannot send nil arguments. Such a call fails at once, and the
// connection it shares with other calls stays usable.
func TestNilArgsWithGobFailOnlyThatCall(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, &Option{CodecType: codec.GobType})
	var reply int
	if err := client.Call(context.Background(), "Foo.Sum", nil, &reply); err == nil || !strings.Contains(err.Error(), "cannot send nil") {
		t.Fatalf("err = %v, want cannot send nil", err)
	}
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
		t.Fatalf("next call: %d, %v", reply, err)
	}
}

// silentServer accepts one connection, reads the option and n request
// headers without answering, then hangs up.
func silentServer(t *testing.T, n int) (addr string, hungUp chan struct{}) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lis.Close() })
	hungUp = make(chan struct{})
	go func() {
		defer close(hungUp)
		conn, err := lis.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, rest, err := readOption(conn)
		if err != nil {
			return
		}
		cc := codec.NewGobCodec(&handshakeConn{Reader: rest, ReadWriteCloser: conn})
		for range n {
			var h codec.Header
			if cc.ReadHeader(&h) != nil || cc.ReadBody(nil) != nil {
				return
			}
		}
	}()
	return lis.Addr().String(), hungUp
}

func TestPendingCallsFailWhenServerGoesAway(t *testing.T) {
	const n = 10
	addr, hungUp := silentServer(t, n)
	client := dialTest(t, addr, nil)
	calls := make([]*Call, n)
	for i := range calls {
		calls[i] = client.Go("Foo.Sum", Args{1, 2}, new(int), nil)
	}
	select {
	case <-hungUp:
	case <-time.After(5 * time.Second):
		t.Fatalf("the server never received the %d calls", n)
	}
	for _, call := range calls {
		if c := waitCall(t, call); c.Error == nil || !strings.Contains(c.Error.Error(), "connection lost") {
			t.Fatalf("pending call error = %v, want connection lost", c.Error)
		}
	}
	if client.IsAvailable() {
		t.Fatal("client still available after the server went away")
	}
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int)); !errors.Is(err, ErrShutdown) {
		t.Fatalf("later call error = %v, want ErrShutdown", err)
	}
}

func TestCloseFailsLaterCalls(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	if !client.IsAvailable() {
		t.Fatal("new client not available")
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); !errors.Is(err, ErrShutdown) {
		t.Fatalf("second Close = %v, want ErrShutdown", err)
	}
	if client.IsAvailable() {
		t.Fatal("closed client still available")
	}
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int)); !errors.Is(err, ErrShutdown) {
		t.Fatalf("call after Close = %v, want ErrShutdown", err)
	}
}

func TestGoWithUnbufferedDoneFailsAtOnce(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	call := waitCall(t, client.Go("Foo.Sum", Args{1, 2}, new(int), make(chan *Call)))
	if call.Error == nil || !strings.Contains(call.Error.Error(), "unbuffered") {
		t.Fatalf("err = %v", call.Error)
	}
}

// failAfterOption lets the option through, then fails every write.
type failAfterOption struct {
	net.Conn
	writes atomic.Int32
}

func (c *failAfterOption) Write(p []byte) (int, error) {
	if c.writes.Add(1) > 1 {
		return 0, errors.New("write failed on purpose")
	}
	return c.Conn.Write(p)
}

// A request that cannot be sent fails its call instead of leaving it
// pending for an answer that cannot come.
func TestFailedSendFailsTheCall(t *testing.T) {
	_, addr, _ := newTestServer(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewClient(&failAfterOption{Conn: conn}, DefaultOption)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	call := waitCall(t, client.Go("Foo.Sum", Args{1, 2}, new(int), nil))
	if call.Error == nil || !strings.Contains(call.Error.Error(), "write failed on purpose") {
		t.Fatalf("err = %v, want the write error", call.Error)
	}
	// The failed send closed the connection; the receive loop notices.
	deadline := time.Now().Add(5 * time.Second)
	for client.IsAvailable() {
		if time.Now().After(deadline) {
			t.Fatal("client still available after a failed send")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDialErrors(t *testing.T) {
	_, addr, _ := newTestServer(t)
	if _, err := Dial("tcp", addr, &Option{CodecType: "application/xml"}); err == nil || !strings.Contains(err.Error(), "unknown codec") {
		t.Fatalf("unknown codec: err = %v", err)
	}
	if _, err := Dial("tcp", addr, DefaultOption, DefaultOption); err == nil {
		t.Fatal("two options accepted")
	}
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := lis.Addr().String()
	_ = lis.Close()
	if _, err := Dial("tcp", dead); err == nil || !strings.HasPrefix(err.Error(), "geerpc: dial") {
		t.Fatalf("dead address: err = %v", err)
	}
}

// Calc is the service of the examples.
type Calc struct{}

// Add adds two numbers.
func (Calc) Add(args [2]int, reply *int) error {
	*reply = args[0] + args[1]
	return nil
}

func ExampleClient_Call() {
	server := NewServer()
	if err := server.Register(Calc{}); err != nil {
		fmt.Println(err)
		return
	}
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	defer lis.Close()
	go server.Accept(lis)

	client, err := Dial("tcp", lis.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	var reply int
	err = client.Call(context.Background(), "Calc.Add", [2]int{3, 4}, &reply)
	fmt.Println(reply, err)
	// Output: 7 <nil>
}
