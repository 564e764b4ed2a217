package geerpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"log"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// writeFrame writes one frame and sends it at once.
func writeFrame(cc codec.Codec, h *codec.Header, body any) error {
	if err := cc.Write(h, body); err != nil {
		return err
	}
	return cc.Flush()
}

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitForLog polls the log until it contains want, for at most 5 seconds.
func waitForLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q; log:\n%s", want, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
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

// startServer listens on a loopback port first, then serves, so a client
// can dial as soon as this returns. The server's log goes to the returned
// buffer (logs, if given).
func startServer(t *testing.T, server *Server, logs ...*syncBuffer) (string, *syncBuffer) {
	t.Helper()
	if len(logs) == 0 {
		logs = append(logs, new(syncBuffer))
		server.logger = log.New(logs[0], "", 0)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		server.Accept(lis)
		close(done)
	}()
	t.Cleanup(func() {
		_ = lis.Close()
		<-done
	})
	return lis.Addr().String(), logs[0]
}

// optionBytes is the handshake exactly as a client sends it.
func optionBytes(t *testing.T, opt *Option) []byte {
	t.Helper()
	b, err := json.Marshal(opt)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// Foo is the service most tests call.
type Foo int

// Args are Foo's arguments.
type Args struct{ Num1, Num2 int }

func (f Foo) Sum(args Args, reply *int) error {
	*reply = args.Num1 + args.Num2
	return nil
}

func (f Foo) Fail(args Args, reply *int) error {
	return errors.New("foo: failed on purpose")
}

func (f Foo) Panic(args Args, reply *int) error {
	panic("foo: boom")
}

// PtrSum takes a pointer argument.
func (f Foo) PtrSum(args *Args, reply *int) error {
	*reply = args.Num1 + args.Num2
	return nil
}

// Count fills a map reply the server had to make.
func (f Foo) Count(args string, reply *map[string]int) error {
	for _, r := range args {
		(*reply)[string(r)]++
	}
	return nil
}

// These do not fit the rules and are skipped at Register.
func (f Foo) NotPointerReply(args Args, reply int) error { return nil }
func (f Foo) WrongResult(args Args, reply *int) int      { return 0 }
func (f Foo) OneArg(args Args) error                     { return nil }

// newTestServer returns a server with Foo registered, already listening.
func newTestServer(t *testing.T) (*Server, string, *syncBuffer) {
	t.Helper()
	server := NewServer()
	logs := new(syncBuffer)
	server.logger = log.New(logs, "", 0)
	if err := server.Register(new(Foo)); err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, server, logs)
	return server, addr, logs
}
