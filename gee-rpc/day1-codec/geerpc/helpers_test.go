package geerpc

import (
	"bytes"
	"encoding/json"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day1-codec/geerpc/codec"
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

// startServer listens on a loopback port first, then serves, so a client
// can dial as soon as this returns. The server's log goes to the returned
// buffer.
func startServer(t *testing.T, server *Server) (string, *syncBuffer) {
	t.Helper()
	logs := new(syncBuffer)
	server.logger = log.New(logs, "", 0)
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
	return lis.Addr().String(), logs
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
